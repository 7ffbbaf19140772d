#pragma once
// One port number that is free for both UDP and TCP on an address, held until the real
// listeners have bound it.
//
// Why: a STUN/TURN URL names one port for UDP and TCP. With port 0 (tests, benchmarks) the
// kernel picks the UDP port, and the TCP port of the same number may belong to another
// program; binding the UDP listeners first and hoping failed now and then. The reservation
// binds a UDP and a TCP socket (SO_REUSEPORT, not listening) on one port; the real listeners,
// also SO_REUSEPORT and of the same user, bind beside them; dropping the reservation then
// leaves the port to iceway alone.
#include <cstdint>
#include <system_error>

#include "common/endpoint.hpp"
#include "common/result.hpp"

namespace iceway::net {

class PortPairReservation {
 public:
  // `preferred` 0: a port the kernel picks (retried up to `attempts` times when its TCP twin
  // is taken); otherwise exactly that port or the error.
  static Result<PortPairReservation, std::error_code> reserve(const IpAddress& address, std::uint16_t preferred,
                                                              int attempts = 64);

  PortPairReservation(PortPairReservation&& other) noexcept;
  PortPairReservation& operator=(PortPairReservation&& other) noexcept;
  PortPairReservation(const PortPairReservation&) = delete;
  PortPairReservation& operator=(const PortPairReservation&) = delete;
  ~PortPairReservation();

  std::uint16_t port() const { return port_; }

 private:
  PortPairReservation(int udp_fd, int tcp_fd, std::uint16_t port) : udp_fd_(udp_fd), tcp_fd_(tcp_fd), port_(port) {}
  void release();

  int udp_fd_ = -1;
  int tcp_fd_ = -1;
  std::uint16_t port_ = 0;
};

}  // namespace iceway::net
