#include "net/port_probe.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "net/address.hpp"

namespace iceway::net {

std::error_code probe_exclusive(const Endpoint& local, ProbeProtocol protocol) {
  const int family = local.address.is_v4() ? AF_INET : AF_INET6;
  const int fd = ::socket(family, (protocol == ProbeProtocol::udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
  if (fd < 0) return {errno, std::system_category()};
  int one = 1;
  if (family == AF_INET6) ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
  if (protocol == ProbeProtocol::tcp) ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_storage address;
  const socklen_t length = to_sockaddr(local, address);
  std::error_code error;
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&address), length) != 0) error = {errno, std::system_category()};
  ::close(fd);
  return error;
}

}  // namespace iceway::net
