#pragma once
// What `iceway-bench stun` is asked to do, and the hard caps that make every run stop by
// itself: a run ends when its duration is over or its request budget is spent, whichever
// comes first, and then waits at most one timeout for the answers still in flight.
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "common/endpoint.hpp"

namespace iceway::bench {

struct StunLoadOptions {
  // The caps. A benchmark on a shared machine should take seconds, not hours; a run that
  // asks for more is refused rather than silently shortened.
  static constexpr double kMaxDurationSeconds = 600;
  static constexpr std::uint64_t kMaxRequests = 1'000'000'000;  // keeps per-socket sequence numbers < 2^32
  static constexpr std::uint32_t kMaxSockets = 4096;            // well under the default fd limit with headroom
  static constexpr std::uint32_t kMaxWindow = 4096;
  static constexpr std::uint32_t kMaxThreads = 64;
  static constexpr double kMaxRate = 50'000'000;                // requests/s, far past what loopback carries
  static constexpr std::chrono::milliseconds kMaxTimeout{10'000};

  Endpoint server;
  std::uint32_t sockets = 16;
  double duration_seconds = 10;
  // Requests in flight per socket: the whole load in closed loop, a cap in open loop.
  std::uint32_t window = 16;
  // Requests per second over all sockets; 0 = closed loop (each answer or timeout frees a
  // slot for the next request at once).
  double rate = 0;
  std::chrono::milliseconds timeout{1000};  // an answer later than this counts as lost
  std::uint64_t max_requests = 50'000'000;  // default: far above 10 s of any single core
  std::uint32_t threads = 1;
  bool fingerprint = false;                 // add FINGERPRINT to each request, as ICE agents do

  bool open_loop() const { return rate > 0; }
  // Every problem, each naming its option; empty when the options can run.
  std::vector<std::string> problems() const;
};

}  // namespace iceway::bench
