#pragma once
// The cluster's metrics (iceway_cluster_*, metrics/catalogue.cpp): written by the signaling
// registry's thread, read by the metrics scrape. Relaxed atomics, as in signal/counters.hpp.
#include <atomic>
#include <cstdint>

namespace iceway::signaling::cluster {

// One number: a counter (add) or a gauge (set).
class ClusterStat {
 public:
  void add(std::int64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  void set(std::int64_t value) { value_.store(value, std::memory_order_relaxed); }
  std::int64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::int64_t> value_{0};
};

struct ClusterCounters {
  ClusterStat redis_connected;  // gauge: 1 while both Redis connections are up
  ClusterStat redis_losses;     // times Redis became unreachable (or was at start)
  ClusterStat frames_sent;      // frames published for peers on other nodes
  ClusterStat frames_received;  // frames from other nodes for local peers
  ClusterStat publish_dropped;  // bus messages dropped: the bounded buffer was full
  ClusterStat bus_refused;      // bus messages that did not decode
  ClusterStat nodes;            // gauge: other nodes present now
  ClusterStat remote_peers;     // gauge: peer ids held on other nodes now
};

}  // namespace iceway::signaling::cluster
