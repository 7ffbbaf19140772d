#pragma once
// UDP datagrams the kernel dropped before one worker could read them: its sockets' receive
// buffers were full. The kernel keeps a running count per socket (SO_MEMINFO's
// SK_MEMINFO_DROPS); UdpSocket reads it at most once a second while the socket receives and
// once more when it closes or is released, the TURN worker every second for its listeners,
// and adds what it grew by, so iceway_turn_udp_receive_dropped_total shows the loss a busy
// relay otherwise leaves only in /proc/net/snmp's RcvbufErrors. A relay socket's drops after
// its last check are seen when it next receives or closes: within a second under the load that
// causes them, at its allocation's end for one that then stays silent.
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
