#include "metrics/admin.hpp"

namespace iceway::metrics {
namespace {

constexpr std::string_view kText = "text/plain; charset=utf-8";

AdminResponse text(unsigned status, std::string body) { return {status, kText, std::move(body), {}}; }

}  // namespace

AdminResponse handle_admin_request(std::string_view method, std::string_view target, const Collector& collector,
                                   const Health& health) {
  const std::string_view path = target.substr(0, target.find('?'));
  const bool known = path == "/metrics" || path == "/healthz" || path == "/readyz";
  if (!known) return text(404, "not found\n");
  if (method != "GET" && method != "HEAD") {
    AdminResponse response = text(405, "method not allowed\n");
    response.allow = "GET, HEAD";
    return response;
  }
  if (path == "/healthz") return text(200, "ok\n");
  if (path == "/readyz") {
    // Draining wins over listening: during the drain the listeners are still bound for
    // live sessions, but a load balancer should send nothing new.
    if (health.draining()) return text(503, "not ready: draining\n");
    if (!health.listening()) return text(503, "not ready: listeners not up yet\n");
    return text(200, "ready\n");
  }
  return {200, kMetricsContentType, collector.render_metrics(), {}};
}

}  // namespace iceway::metrics
