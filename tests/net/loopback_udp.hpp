#pragma once
// A plain UDP socket on 127.0.0.1 for tests that drive iceway's sockets from outside: it sends,
// and reads only what has already arrived (on loopback a datagram is delivered during the
// sender's system call, so nothing needs to wait for it).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include "common/endpoint.hpp"

namespace iceway::net::testing {

struct LoopbackUdp {
  LoopbackUdp() {
    fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    socklen_t length = sizeof address;
    EXPECT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length), 0);
    endpoint = Endpoint{IpAddress::v4(INADDR_LOOPBACK), ntohs(address.sin_port)};
  }
  ~LoopbackUdp() { ::close(fd); }
  LoopbackUdp(const LoopbackUdp&) = delete;
  LoopbackUdp& operator=(const LoopbackUdp&) = delete;

  // To `to`'s port on 127.0.0.1.
  void send(const std::string& text, const Endpoint& to) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(to.port);
    ASSERT_EQ(::sendto(fd, text.data(), text.size(), 0, reinterpret_cast<sockaddr*>(&address), sizeof address),
              static_cast<ssize_t>(text.size()));
  }
  // The next datagram already here, or "<none>".
  std::string receive_now() { return receive(false); }
  // The same as "text@port": the port it came from.
  std::string receive_now_with_port() { return receive(true); }

  int fd = -1;
  Endpoint endpoint;  // where this socket receives

 private:
  std::string receive(bool with_port) {
    char buffer[64];
    sockaddr_in from{};
    socklen_t length = sizeof from;
    const ssize_t n = ::recvfrom(fd, buffer, sizeof buffer, MSG_DONTWAIT, reinterpret_cast<sockaddr*>(&from), &length);
    if (n < 0) return "<none>";
    std::string text(buffer, static_cast<std::size_t>(n));
    return with_port ? text + "@" + std::to_string(ntohs(from.sin_port)) : text;
  }
};

}  // namespace iceway::net::testing
