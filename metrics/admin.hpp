#pragma once
// The admin endpoints (SPEC §2: /metrics, /healthz, /readyz) as a pure function from the
// request line to a response, so net/app's HTTP code only has to copy the three fields
// into its response and the routes are unit-tested without a socket.
#include <atomic>
#include <string>
#include <string_view>

#include "metrics/collector.hpp"

namespace iceway::metrics {

// Readiness as app/ reports it: ready once every listener is bound, not ready again from
// the moment SIGTERM starts the drain. Written by app/'s main thread, read by the admin
// endpoint's thread.
class Health {
 public:
  void set_listening(bool listening) { listening_.store(listening, std::memory_order_relaxed); }
  void set_draining(bool draining) { draining_.store(draining, std::memory_order_relaxed); }
  bool listening() const { return listening_.load(std::memory_order_relaxed); }
  bool draining() const { return draining_.load(std::memory_order_relaxed); }

 private:
  std::atomic<bool> listening_{false};
  std::atomic<bool> draining_{false};
};

struct AdminResponse {
  unsigned status = 200;
  std::string_view content_type;
  std::string body;
  std::string_view allow;  // the Allow header value for a 405, else empty
};

// method: the request method ("GET", ...); target: the request target, query ignored.
// GET and HEAD are served (for HEAD send the headers of this response and no body);
// /healthz answers 200 while the process runs; /readyz 200 when listening and not
// draining, else 503 with the reason; /metrics the collector's exposition; anything
// else 404, other methods 405.
AdminResponse handle_admin_request(std::string_view method, std::string_view target, const Collector& collector,
                                   const Health& health);

}  // namespace iceway::metrics
