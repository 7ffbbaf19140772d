#include "net/port_pair.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/address.hpp"

namespace iceway::net {
namespace {

const IpAddress kLoopback = *IpAddress::parse("127.0.0.1");

// A plain socket (no SO_REUSEPORT) bound to 127.0.0.1:port, as another program would; -1 when
// the bind fails. Closed by the caller.
int plain_bind(std::uint16_t port, int type) {
  sockaddr_storage storage{};
  socklen_t length = to_sockaddr(Endpoint{kLoopback, port}, storage);
  int fd = ::socket(AF_INET, type, 0);
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&storage), length) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Binds with SO_REUSEPORT, as iceway's listeners do; true when it worked.
bool reuse_port_bind(std::uint16_t port, int type) {
  sockaddr_storage storage{};
  socklen_t length = to_sockaddr(Endpoint{kLoopback, port}, storage);
  int fd = ::socket(AF_INET, type, 0);
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
  bool bound = ::bind(fd, reinterpret_cast<const sockaddr*>(&storage), length) == 0;
  ::close(fd);
  return bound;
}

TEST(PortPairReservation, HoldsOnePortForUdpAndTcpAgainstOtherPrograms) {
  auto reserved = PortPairReservation::reserve(kLoopback, 0);
  ASSERT_TRUE(reserved) << reserved.error().message();
  const std::uint16_t port = reserved.value().port();
  ASSERT_NE(port, 0);
  for (int type : {SOCK_DGRAM, SOCK_STREAM}) {
    SCOPED_TRACE(type == SOCK_DGRAM ? "udp" : "tcp");
    int other = plain_bind(port, type);
    EXPECT_EQ(other, -1) << "another program took the reserved port";
    if (other >= 0) ::close(other);
    EXPECT_TRUE(reuse_port_bind(port, type)) << "iceway's own listeners must be able to join";
  }
}

TEST(PortPairReservation, ReleasesThePortWhenDropped) {
  std::uint16_t port = 0;
  {
    auto reserved = PortPairReservation::reserve(kLoopback, 0);
    ASSERT_TRUE(reserved);
    port = reserved.value().port();
  }
  for (int type : {SOCK_DGRAM, SOCK_STREAM}) {
    int fd = plain_bind(port, type);
    EXPECT_GE(fd, 0);
    if (fd >= 0) ::close(fd);
  }
}

TEST(PortPairReservation, APreferredPortWhoseTcpTwinIsTakenFailsAndLeavesNothingBound) {
  int tcp = plain_bind(0, SOCK_STREAM);
  ASSERT_GE(tcp, 0);
  sockaddr_storage storage{};
  socklen_t length = sizeof storage;
  ASSERT_EQ(::getsockname(tcp, reinterpret_cast<sockaddr*>(&storage), &length), 0);
  const std::uint16_t taken = from_sockaddr(reinterpret_cast<const sockaddr*>(&storage)).port;

  auto reserved = PortPairReservation::reserve(kLoopback, taken);
  ASSERT_FALSE(reserved);
  EXPECT_EQ(reserved.error(), std::errc::address_in_use);
  int udp = plain_bind(taken, SOCK_DGRAM);
  EXPECT_GE(udp, 0) << "the UDP half of the failed attempt must have been closed";
  if (udp >= 0) ::close(udp);
  ::close(tcp);
}

TEST(PortPairReservation, MovingKeepsTheHoldInOnePlace) {
  auto reserved = PortPairReservation::reserve(kLoopback, 0);
  ASSERT_TRUE(reserved);
  PortPairReservation held = std::move(reserved).value();
  const std::uint16_t port = held.port();
  PortPairReservation moved = std::move(held);
  EXPECT_EQ(moved.port(), port);
  EXPECT_EQ(plain_bind(port, SOCK_STREAM), -1);
}

}  // namespace
}  // namespace iceway::net
