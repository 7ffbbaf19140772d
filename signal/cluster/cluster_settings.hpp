#pragma once
// [cluster]: signaling across several iceway nodes over Redis pub/sub (issue 13). Present only
// when the file has a [cluster] table; without it no Redis code runs (app/server.cpp).
#include <chrono>
#include <cstddef>
#include <string>

#include "common/endpoint.hpp"

namespace iceway::signaling::cluster {

struct ClusterSettings {
  std::string redis;              // as written: "redis://10.0.0.5:6379" or "unix:///run/redis/redis.sock"
  Endpoint redis_tcp;             // parsed from redis:// (a literal address: see parse_redis_url)
  std::string redis_unix_path;    // parsed from unix://; non-empty = connect there instead
  std::string password;           // AUTH; from cluster.password_file or ICEWAY_REDIS_PASSWORD
  // This node's name on the bus. Empty = the host name and the bound signaling port, filled in
  // at start (the configured port may be 0).
  std::string node_id;
  // How often each node republishes what it holds; a node silent for kMissedHeartbeats of its
  // own heartbeats is gone.
  std::chrono::milliseconds heartbeat{2000};
  // Bytes of messages waiting for Redis (while it is down or slow); what does not fit is dropped
  // and counted, so memory stays bounded.
  std::size_t publish_buffer_bytes = 1024 * 1024;
};

inline constexpr int kMissedHeartbeats = 3;

}  // namespace iceway::signaling::cluster
