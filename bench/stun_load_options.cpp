#include "bench/stun_load_options.hpp"

#include <cmath>

namespace iceway::bench {

std::vector<std::string> StunLoadOptions::problems() const {
  std::vector<std::string> found;
  auto check = [&found](bool ok, std::string message) {
    if (!ok) found.push_back(std::move(message));
  };
  check(server.port != 0, "--server: a port is required (e.g. 127.0.0.1:3478)");
  check(sockets >= 1 && sockets <= kMaxSockets, "--sockets: must be 1.." + std::to_string(kMaxSockets));
  check(window >= 1 && window <= kMaxWindow, "--window: must be 1.." + std::to_string(kMaxWindow));
  check(std::isfinite(duration_seconds) && duration_seconds > 0 && duration_seconds <= kMaxDurationSeconds,
        "--duration: must be more than 0 and at most " + std::to_string(static_cast<int>(kMaxDurationSeconds)) +
            " seconds");
  check(std::isfinite(rate) && rate >= 0 && rate <= kMaxRate,
        "--rate: must be 0 (closed loop) or at most " + std::to_string(static_cast<long long>(kMaxRate)) + "/s");
  check(timeout.count() >= 1 && timeout <= kMaxTimeout,
        "--timeout: must be 1.." + std::to_string(kMaxTimeout.count()) + " ms");
  check(max_requests >= 1 && max_requests <= kMaxRequests,
        "--max-requests: must be 1.." + std::to_string(kMaxRequests));
  check(threads >= 1 && threads <= kMaxThreads, "--threads: must be 1.." + std::to_string(kMaxThreads));
  check(sockets == 0 || threads <= sockets, "--threads: at most one thread per socket");
  return found;
}

}  // namespace iceway::bench
