#include "common/log_rate_limiter.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace iceway {
namespace {

using namespace std::chrono_literals;

const TimePoint kStart = TimePoint{} + 1000s;

TEST(LogRateLimiter, WritesTheFirstLinesOfAWindowAndHoldsBackTheRest) {
  LogRateLimiter limiter(1, 3, 1s);
  std::vector<bool> written;
  for (int i = 0; i < 10; ++i) written.push_back(limiter.admit(0, kStart + i * 10ms).write);
  EXPECT_EQ(written, (std::vector<bool>{true, true, true, false, false, false, false, false, false, false}));
}

TEST(LogRateLimiter, TheNextWindowReportsWhatThePreviousOneHeldBack) {
  LogRateLimiter limiter(1, 2, 1s);
  for (int i = 0; i < 7; ++i) limiter.admit(0, kStart + i * 100ms);  // 2 written, 5 held back
  const auto first = limiter.admit(0, kStart + 1s);
  EXPECT_TRUE(first.write);
  EXPECT_EQ(first.held_back, 5u);
  // Reported once: the new window starts empty.
  EXPECT_EQ(limiter.admit(0, kStart + 1100ms).held_back, 0u);
  EXPECT_TRUE(limiter.flush(kStart + 10s).empty());
}

TEST(LogRateLimiter, AWindowClosesAtItsFullLengthNotBefore) {
  struct Case {
    const char* name;
    Duration after_first;
    bool write;
  };
  const Case cases[] = {
      {"just before the window ends: still held back", 999ms, false},
      {"exactly one window later: a new window", 1000ms, true},
      {"long after: a new window", 1h, true},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    LogRateLimiter limiter(1, 1, 1s);
    EXPECT_TRUE(limiter.admit(0, kStart).write);
    EXPECT_EQ(limiter.admit(0, kStart + c.after_first).write, c.write);
  }
}

TEST(LogRateLimiter, EachKeyHasItsOwnBudget) {
  LogRateLimiter limiter(3, 1, 1s);
  EXPECT_TRUE(limiter.admit(0, kStart).write);
  EXPECT_FALSE(limiter.admit(0, kStart).write);
  // A flood of one reason does not silence another.
  EXPECT_TRUE(limiter.admit(2, kStart).write);
  EXPECT_TRUE(limiter.admit(1, kStart).write);
  EXPECT_FALSE(limiter.admit(2, kStart).write);
}

TEST(LogRateLimiter, FlushReportsClosedWindowsWithLinesHeldBackOnce) {
  LogRateLimiter limiter(3, 1, 1s);
  for (int i = 0; i < 4; ++i) limiter.admit(0, kStart);            // 3 held back
  limiter.admit(1, kStart);                                         // none held back
  for (int i = 0; i < 2; ++i) limiter.admit(2, kStart + 500ms);     // 1 held back, closes later
  // Nothing has closed yet.
  EXPECT_TRUE(limiter.flush(kStart + 900ms).empty());

  const auto first = limiter.flush(kStart + 1s);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].key, 0u);
  EXPECT_EQ(first[0].lines, 3u);

  const auto second = limiter.flush(kStart + 1500ms);
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].key, 2u);
  EXPECT_EQ(second[0].lines, 1u);

  EXPECT_TRUE(limiter.flush(kStart + 5s).empty());
  // And admit() does not report them a second time.
  EXPECT_EQ(limiter.admit(0, kStart + 5s).held_back, 0u);
}

TEST(LogRateLimiter, AFloodWritesAtMostTheBudgetPerWindow) {
  // 10,000 lines over 10 seconds with 5 per second: 50 written, every other one summarised.
  LogRateLimiter limiter(1, 5, 1s);
  std::uint64_t written = 0;
  std::uint64_t summarised = 0;
  for (int i = 0; i < 10'000; ++i) {
    const auto admission = limiter.admit(0, kStart + i * 1ms);
    written += admission.write;
    summarised += admission.held_back;
  }
  for (const auto& held : limiter.flush(kStart + 1h)) summarised += held.lines;
  EXPECT_EQ(written, 50u);
  EXPECT_EQ(written + summarised, 10'000u);
}

}  // namespace
}  // namespace iceway
