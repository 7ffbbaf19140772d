#include "net/port_pair.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

#include "net/address.hpp"

namespace iceway::net {

namespace {

std::error_code last_error() { return {errno, std::system_category()}; }

// A socket of `type` bound to address:port with SO_REUSEPORT (so iceway's own listeners can
// join it); returns the fd or the error.
Result<int, std::error_code> bound_socket(const IpAddress& address, std::uint16_t port, int type) {
  sockaddr_storage storage{};
  const socklen_t length = to_sockaddr(Endpoint{address, port}, storage);
  const int fd = ::socket(storage.ss_family, type | SOCK_CLOEXEC, 0);
  if (fd < 0) return failure(last_error());
  const int one = 1;
  if (address.is_v6()) ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0 ||
      ::bind(fd, reinterpret_cast<const sockaddr*>(&storage), length) != 0) {
    const auto error = last_error();
    ::close(fd);
    return failure(error);
  }
  return fd;
}

std::uint16_t bound_port(int fd) {
  sockaddr_storage storage{};
  socklen_t length = sizeof storage;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&storage), &length) != 0) return 0;
  return from_sockaddr(reinterpret_cast<const sockaddr*>(&storage)).port;
}

}  // namespace

Result<PortPairReservation, std::error_code> PortPairReservation::reserve(const IpAddress& address,
                                                                          std::uint16_t preferred, int attempts) {
  std::error_code last = std::make_error_code(std::errc::address_in_use);
  for (int attempt = 0; attempt < (preferred == 0 ? attempts : 1); ++attempt) {
    auto udp = bound_socket(address, preferred, SOCK_DGRAM);
    if (!udp) return failure(udp.error());
    const std::uint16_t port = bound_port(udp.value());
    auto tcp = bound_socket(address, port, SOCK_STREAM);
    if (tcp) return PortPairReservation(udp.value(), tcp.value(), port);
    ::close(udp.value());
    last = tcp.error();
    if (last != std::errc::address_in_use) break;
  }
  return failure(last);
}

PortPairReservation::PortPairReservation(PortPairReservation&& other) noexcept
    : udp_fd_(std::exchange(other.udp_fd_, -1)), tcp_fd_(std::exchange(other.tcp_fd_, -1)), port_(other.port_) {}

PortPairReservation& PortPairReservation::operator=(PortPairReservation&& other) noexcept {
  if (this != &other) {
    release();
    udp_fd_ = std::exchange(other.udp_fd_, -1);
    tcp_fd_ = std::exchange(other.tcp_fd_, -1);
    port_ = other.port_;
  }
  return *this;
}

PortPairReservation::~PortPairReservation() { release(); }

void PortPairReservation::release() {
  if (udp_fd_ >= 0) ::close(std::exchange(udp_fd_, -1));
  if (tcp_fd_ >= 0) ::close(std::exchange(tcp_fd_, -1));
}

}  // namespace iceway::net
