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

// A byte stream is slowed, not dropped: charge() goes into debt and says how long to wait.
TEST(TokenBucket, ChargeGoesIntoDebtAndSaysHowLongUntilItIsPaid) {
  TokenBucket bucket(1000, 2000, kStart);  // 1,000 bytes/s, burst 2,000
  EXPECT_EQ(bucket.charge(1500, kStart), Duration::zero());
  EXPECT_EQ(bucket.charge(500, kStart), Duration::zero()) << "exactly the burst";
  EXPECT_EQ(bucket.charge(1000, kStart), std::chrono::seconds(1)) << "1,000 bytes of debt at 1,000/s";
  EXPECT_EQ(bucket.charge(500, kStart + std::chrono::milliseconds(500)), std::chrono::seconds(1))
      << "half a second paid 500, 500 more owed: 1,000 again";
  EXPECT_EQ(bucket.charge(0, kStart + std::chrono::milliseconds(1500)), Duration::zero()) << "paid off";
  TokenBucket unlimited;
  EXPECT_EQ(unlimited.charge(1e12, kStart), Duration::zero());
}

}  // namespace
}  // namespace iceway::turn
