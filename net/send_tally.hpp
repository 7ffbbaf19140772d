#pragma once
// What became of the UDP datagrams one worker handed to the kernel: sent, dropped (refused:
// a full socket buffer, an unreachable destination), and how many GSO messages carried them.
// Every UDP send of the worker is counted here, batched (SendBatch) or not (UdpSocket::send_to),
// so iceway_turn_udp_send_dropped_total accounts for datagrams the relay counters say left
// the relay logic but never reached the wire.
//
// Threads: written by the worker's thread only, read by the metrics collector's; a relaxed
// load-add-store costs no locked instruction on the send path (as turn::Counter).
#include <atomic>
#include <cstdint>

namespace iceway::net {

class SendTally {
 public:
  void add_sent(std::uint64_t n = 1) noexcept { add(sent_, n); }
  void add_dropped(std::uint64_t n = 1) noexcept { add(dropped_, n); }
  void add_gso_message() noexcept { add(gso_messages_, 1); }

  std::uint64_t sent() const noexcept { return sent_.load(std::memory_order_relaxed); }
  std::uint64_t dropped() const noexcept { return dropped_.load(std::memory_order_relaxed); }
  std::uint64_t gso_messages() const noexcept { return gso_messages_.load(std::memory_order_relaxed); }

 private:
  static void add(std::atomic<std::uint64_t>& value, std::uint64_t n) noexcept {
    value.store(value.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  std::atomic<std::uint64_t> sent_{0};
  std::atomic<std::uint64_t> dropped_{0};
  std::atomic<std::uint64_t> gso_messages_{0};
};

}  // namespace iceway::net
