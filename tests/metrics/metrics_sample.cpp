// Prints a /metrics exposition after traffic on every counter, for `promtool check metrics`
// (tests/metrics/CMakeLists.txt pipes one into the other). Every array element of every
// counter struct is moved, from two workers, so each series the collector can emit is in
// the sample, including (protocol, type) pairs outside a protocol's own list.
#include <iostream>

#include "metrics/collector.hpp"

namespace {

void bump_all(std::atomic<std::uint64_t>& counter, std::uint64_t step) { iceway::metrics::add(counter, step); }
void bump_all(std::atomic<std::int64_t>& gauge, std::uint64_t step) {
  iceway::metrics::add(gauge, static_cast<std::int64_t>(step));
}
// Declared after the scalar overloads so that unqualified lookup inside finds them.
template <class Atomic, std::size_t N>
void bump_all(Atomic (&array)[N], std::uint64_t step) {
  for (auto& element : array) bump_all(element, step);
}

}  // namespace

int main() {
  using namespace iceway::metrics;
  static StunCounters stun[2];
  static TurnCounters turn[2];
  static SignalCounters signal[2];
  Collector collector({"0.1.0", "sample"});
  collector.set_allocation_limit(10000);
  for (std::uint64_t worker = 0; worker < 2; ++worker) {
    bump_all(stun[worker].requests, worker + 1);
    bump_all(turn[worker].allocations_active, worker + 1);
    bump_all(turn[worker].permissions_active, worker + 1);
    bump_all(turn[worker].channels_active, worker + 1);
    bump_all(turn[worker].allocations, worker + 1);
    bump_all(turn[worker].relay_bytes, 1000 * (worker + 1));
    bump_all(turn[worker].relay_packets, worker + 1);
    bump_all(turn[worker].relay_dropped, worker + 1);
    bump_all(turn[worker].peer_denied, worker + 1);
    bump_all(turn[worker].auth_failures, worker + 1);
    bump_all(signal[worker].connections_active, worker + 1);
    bump_all(signal[worker].rooms_active, worker + 1);
    bump_all(signal[worker].messages, worker + 1);
    bump_all(signal[worker].errors, worker + 1);
    bump_all(signal[worker].auth_failures, worker + 1);
    collector.add_source(stun[worker]);
    collector.add_source(turn[worker]);
    collector.add_source(signal[worker]);
  }
  std::cout << collector.render_metrics();
  return std::cout.good() ? 0 : 1;
}
