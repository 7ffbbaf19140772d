#include "bench/stun_load_options.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>

namespace iceway::bench {
namespace {

StunLoadOptions valid() {
  StunLoadOptions options;
  options.server = *Endpoint::parse("127.0.0.1:3478");
  return options;
}

TEST(StunLoadOptions, DefaultsWithAServerAreValid) { EXPECT_TRUE(valid().problems().empty()); }

TEST(StunLoadOptions, EveryCapAndLimitIsEnforcedAndNamesItsOption) {
  struct Case {
    const char* name;
    std::function<void(StunLoadOptions&)> change;
    const char* option;
  };
  const Case cases[] = {
      {"no port", [](auto& o) { o.server.port = 0; }, "--server"},
      {"zero sockets", [](auto& o) { o.sockets = 0; }, "--sockets"},
      {"too many sockets", [](auto& o) { o.sockets = StunLoadOptions::kMaxSockets + 1; }, "--sockets"},
      {"zero window", [](auto& o) { o.window = 0; }, "--window"},
      {"window too large", [](auto& o) { o.window = StunLoadOptions::kMaxWindow + 1; }, "--window"},
      {"zero duration", [](auto& o) { o.duration_seconds = 0; }, "--duration"},
      {"duration too long", [](auto& o) { o.duration_seconds = 601; }, "--duration"},
      {"duration not a number", [](auto& o) { o.duration_seconds = std::nan(""); }, "--duration"},
      {"negative rate", [](auto& o) { o.rate = -1; }, "--rate"},
      {"rate too high", [](auto& o) { o.rate = StunLoadOptions::kMaxRate * 2; }, "--rate"},
      {"zero timeout", [](auto& o) { o.timeout = std::chrono::milliseconds(0); }, "--timeout"},
      {"timeout too long", [](auto& o) { o.timeout = std::chrono::milliseconds(10'001); }, "--timeout"},
      {"zero requests", [](auto& o) { o.max_requests = 0; }, "--max-requests"},
      {"too many requests", [](auto& o) { o.max_requests = StunLoadOptions::kMaxRequests + 1; }, "--max-requests"},
      {"zero threads", [](auto& o) { o.threads = 0; }, "--threads"},
      {"more threads than sockets", [](auto& o) { o.sockets = 2; o.threads = 3; }, "--threads"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    StunLoadOptions options = valid();
    c.change(options);
    const auto problems = options.problems();
    ASSERT_EQ(problems.size(), 1u);
    EXPECT_EQ(problems[0].rfind(c.option, 0), 0u) << problems[0];
  }
}

TEST(StunLoadOptions, TheLimitsThemselvesAreAccepted) {
  StunLoadOptions options = valid();
  options.sockets = StunLoadOptions::kMaxSockets;
  options.window = StunLoadOptions::kMaxWindow;
  options.duration_seconds = StunLoadOptions::kMaxDurationSeconds;
  options.rate = StunLoadOptions::kMaxRate;
  options.timeout = StunLoadOptions::kMaxTimeout;
  options.max_requests = StunLoadOptions::kMaxRequests;
  options.threads = StunLoadOptions::kMaxThreads;
  EXPECT_TRUE(options.problems().empty());
}

TEST(StunLoadOptions, ARateMakesItOpenLoop) {
  StunLoadOptions options = valid();
  EXPECT_FALSE(options.open_loop());
  options.rate = 1000;
  EXPECT_TRUE(options.open_loop());
}

}  // namespace
}  // namespace iceway::bench
