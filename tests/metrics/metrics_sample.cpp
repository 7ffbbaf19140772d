// Prints a /metrics exposition after traffic on every counter, for `promtool check metrics`
// (tests/metrics/CMakeLists.txt pipes one into the other). Every element of the cores' own
// counter structs (two TURN workers, the signaling server) is moved, so each series the
// collector can emit is in the sample.
#include <iostream>

#include "bump.hpp"
#include "metrics/collector.hpp"

int main() {
  using namespace iceway;
  static turn::TurnCounters turn[2];
  static net::SendTally sends[2];
  static net::ReceiveTally receives[2];
  static signaling::Counters signal;
  metrics::Collector collector({"0.1.0", "sample"});
  collector.set_allocation_limit(10000);
  for (std::uint64_t worker = 0; worker < 2; ++worker) {
    metrics::testing::bump_all(turn[worker], worker + 1);
    collector.add_source(turn[worker]);
    metrics::testing::bump_all(sends[worker], worker + 1);
    collector.add_source(sends[worker]);
    metrics::testing::bump_all(receives[worker], worker + 1);
    collector.add_source(receives[worker]);
  }
  metrics::testing::bump_all(signal, 3);
  collector.add_source(signal);
  std::cout << collector.render_metrics();
  return std::cout.good() ? 0 : 1;
}
