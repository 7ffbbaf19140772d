#include "net/port_probe.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/address.hpp"

namespace iceway::net {
namespace {

const IpAddress kLoopback = *IpAddress::parse("127.0.0.1");

// A socket bound to 127.0.0.1 on a port the kernel picks, with SO_REUSEPORT as another iceway's
// listener would have; returns the fd and writes the port.
int reuse_port_socket(int type, std::uint16_t& port) {
  int fd = ::socket(AF_INET, type, 0);
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
  if (type == SOCK_STREAM) ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_storage storage{};
  socklen_t length = to_sockaddr(Endpoint{kLoopback, 0}, storage);
  EXPECT_EQ(::bind(fd, reinterpret_cast<const sockaddr*>(&storage), length), 0);
  if (type == SOCK_STREAM) {
    EXPECT_EQ(::listen(fd, 8), 0);
  }
  length = sizeof storage;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&storage), &length);
  port = from_sockaddr(reinterpret_cast<const sockaddr*>(&storage)).port;
  return fd;
}

TEST(PortProbe, APortAnotherSocketHoldsWithReusePortIsReportedInUseAndAFreedOneIsNot) {
  for (auto [type, protocol] : {std::pair{SOCK_DGRAM, ProbeProtocol::udp}, std::pair{SOCK_STREAM, ProbeProtocol::tcp}}) {
    std::uint16_t port = 0;
    const int fd = reuse_port_socket(type, port);
    EXPECT_EQ(probe_exclusive(Endpoint{kLoopback, port}, protocol), std::errc::address_in_use);
    // The wildcard address overlaps 127.0.0.1 too.
    EXPECT_EQ(probe_exclusive(Endpoint{IpAddress{}, port}, protocol), std::errc::address_in_use);
    ::close(fd);
    EXPECT_FALSE(probe_exclusive(Endpoint{kLoopback, port}, protocol));
    // The probe released the port: it can be probed (and bound) again.
    EXPECT_FALSE(probe_exclusive(Endpoint{kLoopback, port}, protocol));
  }
}

}  // namespace
}  // namespace iceway::net
