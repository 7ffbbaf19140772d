#include "turn/token_bucket.hpp"

#include <gtest/gtest.h>

namespace iceway::turn {
namespace {

const TimePoint kStart = TimePoint{} + std::chrono::hours(1);

TEST(TokenBucket, StartsFullAndRefillsAtItsRate) {
  TokenBucket bucket(100, 50, kStart);
  EXPECT_TRUE(bucket.try_consume(50, kStart));
  EXPECT_FALSE(bucket.try_consume(1, kStart));
  EXPECT_FALSE(bucket.try_consume(10, kStart + Milliseconds(99)));
  EXPECT_TRUE(bucket.try_consume(10, kStart + Milliseconds(100)));
  EXPECT_FALSE(bucket.try_consume(1, kStart + Milliseconds(100)));
}

TEST(TokenBucket, NeverHoldsMoreThanItsBurst) {
  TokenBucket bucket(100, 50, kStart);
  EXPECT_DOUBLE_EQ(bucket.tokens(kStart + std::chrono::hours(5)), 50);
  EXPECT_FALSE(bucket.try_consume(51, kStart + std::chrono::hours(6)));
}

TEST(TokenBucket, AFailedConsumeTakesNothing) {
  TokenBucket bucket(10, 10, kStart);
  EXPECT_FALSE(bucket.try_consume(11, kStart));
  EXPECT_TRUE(bucket.try_consume(10, kStart));
}

TEST(TokenBucket, TimeGoingBackwardsAddsNothing) {
  TokenBucket bucket(10, 10, kStart);
  EXPECT_TRUE(bucket.try_consume(10, kStart));
  EXPECT_FALSE(bucket.try_consume(1, kStart - Seconds(10)));
}

TEST(TokenBucket, DefaultAndZeroRateAreUnlimited) {
  TokenBucket bucket;
  EXPECT_TRUE(bucket.unlimited());
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(bucket.try_consume(1e9, kStart));
  EXPECT_TRUE(bandwidth_bucket(0, kStart).unlimited());
}

TEST(TokenBucket, BandwidthBucketAlwaysFitsTheLargestDatagram) {
  auto slow = bandwidth_bucket(1000, kStart);
  EXPECT_TRUE(slow.try_consume(65535, kStart));
  EXPECT_FALSE(slow.try_consume(1000, kStart));
  EXPECT_TRUE(slow.try_consume(1000, kStart + Seconds(1)));
  auto fast = bandwidth_bucket(1'000'000, kStart);
  EXPECT_TRUE(fast.try_consume(1'000'000, kStart));
  EXPECT_FALSE(fast.try_consume(1, kStart));
}

}  // namespace
}  // namespace iceway::turn
