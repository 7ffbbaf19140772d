#include "bench/request_window.hpp"

#include <gtest/gtest.h>

#include <set>

namespace iceway::bench {
namespace {

using std::chrono::milliseconds;
using std::chrono::nanoseconds;

const TimePoint kStart = TimePoint{} + std::chrono::hours(1);

TEST(RequestWindow, IssuesUpToItsSizeThenIsFull) {
  RequestWindow window(3);
  std::set<std::uint32_t> sequences;
  for (int i = 0; i < 3; ++i) {
    auto sequence = window.issue(kStart);
    ASSERT_TRUE(sequence);
    sequences.insert(*sequence);
  }
  EXPECT_EQ(sequences, (std::set<std::uint32_t>{0, 1, 2}));
  EXPECT_TRUE(window.full());
  EXPECT_EQ(window.in_flight(), 3u);
  EXPECT_FALSE(window.issue(kStart));
}

TEST(RequestWindow, AnswerGivesTheLatencyAndFreesTheSlotForANewSequence) {
  RequestWindow window(2);
  auto first = window.issue(kStart);
  auto second = window.issue(kStart + milliseconds(1));
  ASSERT_TRUE(first && second);
  EXPECT_EQ(window.answer(*second, kStart + milliseconds(4)), nanoseconds(milliseconds(3)));
  EXPECT_EQ(window.in_flight(), 1u);
  auto reused = window.issue(kStart + milliseconds(5));
  ASSERT_TRUE(reused);
  EXPECT_EQ(*reused, *second + 2);  // same slot, next generation
  EXPECT_EQ(*reused % 2, *second % 2);
}

TEST(RequestWindow, ADuplicateAnswerCountsOnce) {
  RequestWindow window(4);
  auto sequence = window.issue(kStart);
  ASSERT_TRUE(sequence);
  EXPECT_TRUE(window.answer(*sequence, kStart + milliseconds(1)));
  EXPECT_FALSE(window.answer(*sequence, kStart + milliseconds(2)));
}

TEST(RequestWindow, AnAnswerToARequestNeverIssuedIsRejected) {
  RequestWindow window(4);
  auto sequence = window.issue(kStart);
  ASSERT_TRUE(sequence);
  EXPECT_FALSE(window.answer(*sequence + 4, kStart));  // same slot, a future generation
  EXPECT_FALSE(window.answer(*sequence + 1, kStart));  // a free slot
  EXPECT_EQ(window.in_flight(), 1u);
}

TEST(RequestWindow, ExpireFreesOnlyRequestsOlderThanTheTimeout) {
  RequestWindow window(3);
  auto old_one = window.issue(kStart);
  auto young_one = window.issue(kStart + milliseconds(600));
  ASSERT_TRUE(old_one && young_one);
  EXPECT_EQ(window.expire(kStart + milliseconds(999), milliseconds(1000)), 0u);
  EXPECT_EQ(window.expire(kStart + milliseconds(1000), milliseconds(1000)), 1u);
  EXPECT_EQ(window.in_flight(), 1u);
  // The expired request's answer arrives late: it is not counted as answered.
  EXPECT_FALSE(window.answer(*old_one, kStart + milliseconds(1001)));
  EXPECT_TRUE(window.answer(*young_one, kStart + milliseconds(1001)));
}

TEST(RequestWindow, ALateAnswerDoesNotMatchTheRequestNowInItsSlot) {
  RequestWindow window(1);
  auto first = window.issue(kStart);
  ASSERT_TRUE(first);
  EXPECT_EQ(window.expire(kStart + milliseconds(10), milliseconds(10)), 1u);
  auto second = window.issue(kStart + milliseconds(10));
  ASSERT_TRUE(second);
  EXPECT_NE(*first, *second);
  EXPECT_FALSE(window.answer(*first, kStart + milliseconds(11)));
  EXPECT_EQ(window.answer(*second, kStart + milliseconds(11)), nanoseconds(milliseconds(1)));
}

TEST(RequestWindow, CancelFreesTheSlotAndTheSequenceIsUsedAgain) {
  RequestWindow window(1);
  auto sequence = window.issue(kStart);
  ASSERT_TRUE(sequence);
  window.cancel(*sequence);
  EXPECT_EQ(window.in_flight(), 0u);
  EXPECT_EQ(window.issue(kStart), sequence);
  window.cancel(*sequence + 1);  // not in flight: nothing happens
  EXPECT_EQ(window.in_flight(), 1u);
}

}  // namespace
}  // namespace iceway::bench
