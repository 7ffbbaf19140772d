#include "metrics/admin.hpp"

#include <gtest/gtest.h>

namespace iceway::metrics {
namespace {

TEST(Admin, RoutesByPathMethodAndHealth) {
  struct Case {
    const char* name;
    std::string_view method;
    std::string_view target;
    bool listening;
    bool draining;
    unsigned status;
    std::string_view body_start;
  };
  const Case cases[] = {
      {"healthz while starting", "GET", "/healthz", false, false, 200, "ok"},
      {"healthz while draining", "GET", "/healthz", true, true, 200, "ok"},
      {"readyz before the listeners", "GET", "/readyz", false, false, 503, "not ready: listeners not up yet"},
      {"readyz when listening", "GET", "/readyz", true, false, 200, "ready"},
      {"readyz while draining", "GET", "/readyz", true, true, 503, "not ready: draining"},
      {"readyz ignores the query", "GET", "/readyz?verbose=1", true, false, 200, "ready"},
      {"metrics", "GET", "/metrics", false, false, 200, "# HELP iceway_build_info"},
      {"metrics with a query", "GET", "/metrics?name[]=x", true, false, 200, "# HELP iceway_build_info"},
      {"HEAD metrics", "HEAD", "/metrics", true, false, 200, "# HELP iceway_build_info"},
      {"unknown path", "GET", "/", true, false, 404, "not found"},
      {"path prefix is not a match", "GET", "/metricsx", true, false, 404, "not found"},
      {"unknown path with a bad method", "DELETE", "/nothing", true, false, 404, "not found"},
      {"POST metrics", "POST", "/metrics", true, false, 405, "method not allowed"},
      {"lower-case method", "get", "/healthz", true, false, 405, "method not allowed"},
  };
  const Collector collector({"9.9.9", "rev"});
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    Health health;
    health.set_listening(c.listening);
    health.set_draining(c.draining);
    const AdminResponse response = handle_admin_request(c.method, c.target, collector, health);
    EXPECT_EQ(response.status, c.status);
    EXPECT_TRUE(response.body.starts_with(c.body_start)) << response.body.substr(0, 80);
    EXPECT_EQ(response.allow, c.status == 405 ? "GET, HEAD" : "");
  }
}

TEST(Admin, MetricsUseThePrometheusTextContentType) {
  const Collector collector({"9.9.9", "rev"});
  const Health health;
  EXPECT_EQ(handle_admin_request("GET", "/metrics", collector, health).content_type,
            "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(handle_admin_request("GET", "/healthz", collector, health).content_type, "text/plain; charset=utf-8");
}

TEST(Admin, HealthStartsNotListeningAndNotDraining) {
  const Health health;
  EXPECT_FALSE(health.listening());
  EXPECT_FALSE(health.draining());
}

}  // namespace
}  // namespace iceway::metrics
