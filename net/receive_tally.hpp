#pragma once
// UDP datagrams the kernel dropped before one worker could read them: its sockets' receive
// buffers were full (SO_RXQ_OVFL). The kernel stamps each datagram it queues with the socket's
// running count of such drops; UdpSocket adds what the count grew by since its last datagram,
// so iceway_turn_udp_receive_dropped_total shows the loss a busy relay otherwise leaves only
// in /proc/net/snmp's RcvbufErrors. Drops after a socket's last datagram are not seen (the next
// datagram would carry them), which under the load that causes drops is never for long.
//
// Threads: written by the worker's thread only, read by the metrics collector's (relaxed, as
// net::SendTally).
#include <atomic>
#include <cstdint>

namespace iceway::net {

class ReceiveTally {
 public:
  void add_overflowed(std::uint64_t n) noexcept {
    overflowed_.store(overflowed_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  std::uint64_t overflowed() const noexcept { return overflowed_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> overflowed_{0};
};

}  // namespace iceway::net
