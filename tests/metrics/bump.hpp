#pragma once
// Moves every counter and gauge of the cores' counter structs, through their own API, so a
// test or the promtool sample can see each series the collector exports move. The field
// lists below follow turn/counters.hpp and signal/counters.hpp; collector_test checks that
// after bump_all no exported series is still 0, so a field the collector reads but this
// list forgets fails a test.
#include <array>
#include <cstddef>
#include <cstdint>

#include "net/receive_tally.hpp"
#include "net/send_tally.hpp"
#include "signal/counters.hpp"
#include "turn/counters.hpp"

namespace iceway::metrics::testing {

inline void bump(turn::Counter& counter, std::uint64_t step) { counter.add(step); }
inline void bump(turn::Gauge& gauge, std::uint64_t step) { gauge.add(static_cast<std::int64_t>(step)); }
inline void bump(signaling::Counter& counter, std::uint64_t step) { counter.add(step); }
inline void bump(signaling::Gauge& gauge, std::uint64_t step) {
  for (std::uint64_t i = 0; i < step; ++i) gauge.increment();
}
// Declared after the scalar overloads so that unqualified lookup inside finds them.
template <class T, std::size_t N>
void bump(std::array<T, N>& array, std::uint64_t step) {
  for (auto& element : array) bump(element, step);
}

inline void bump_all(turn::TurnCounters& counters, std::uint64_t step) {
  bump(counters.allocations_active, step);
  bump(counters.allocations_succeeded, step);
  bump(counters.allocations_failed, step);
  bump(counters.relay_bytes, 1000 * step);
  bump(counters.relay_packets, step);
  bump(counters.relay_dropped_no_permission, step);
  bump(counters.relay_dropped_bandwidth, step);
  bump(counters.relay_dropped_no_allocation, step);
  bump(counters.relay_dropped_detached, step);
  bump(counters.relay_dropped_malformed, step);
  bump(counters.permissions_active, step);
  bump(counters.channels_active, step);
  bump(counters.peer_denied, step);
  bump(counters.auth_failures, step);
  bump(counters.challenges, step);
  bump(counters.stale_nonces, step);
  bump(counters.requests, step);
  bump(counters.stream_closed, step);
  bump(counters.stream_clients_active, step);
}

inline void bump_all(net::SendTally& sends, std::uint64_t step) {
  sends.add_sent(step);
  sends.add_dropped(step);
  for (std::uint64_t i = 0; i < step; ++i) sends.add_gso_message();
}

inline void bump_all(net::ReceiveTally& receives, std::uint64_t step) { receives.add_overflowed(step); }

inline void bump_all(signaling::Counters& counters, std::uint64_t step) {
  bump(counters.connections_active, step);
  bump(counters.messages, step);
  bump(counters.errors, step);
  bump(counters.rooms_active, step);
  for (auto* stat : {&counters.cluster.redis_connected, &counters.cluster.redis_losses, &counters.cluster.frames_sent,
                     &counters.cluster.frames_received, &counters.cluster.publish_dropped, &counters.cluster.bus_refused,
                     &counters.cluster.nodes, &counters.cluster.remote_peers})
    stat->add(static_cast<std::int64_t>(step));
}

}  // namespace iceway::metrics::testing
