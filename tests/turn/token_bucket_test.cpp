#include "turn/token_bucket.hpp"

#include <gtest/gtest.h>

#include <set>

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

TEST(SourceRateLimiter, LimitsEachSourceSeparately) {
  SourceRateLimiter limiter(1, 3);
  const auto a = *IpAddress::parse("198.51.100.1");
  const auto b = *IpAddress::parse("198.51.100.2");
  ASSERT_NE(SourceRateLimiter::slot_of(a), SourceRateLimiter::slot_of(b));
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.allow(a, kStart));
  EXPECT_FALSE(limiter.allow(a, kStart));
  EXPECT_TRUE(limiter.allow(b, kStart));
  EXPECT_TRUE(limiter.allow(a, kStart + Seconds(1)));
  EXPECT_FALSE(limiter.allow(a, kStart + Seconds(1)));
}

TEST(SourceRateLimiter, Ipv6SourcesShareTheirSlash64) {
  SourceRateLimiter limiter(1, 2);
  const auto a = *IpAddress::parse("2001:db8:1:2::1");
  const auto b = *IpAddress::parse("2001:db8:1:2:ffff::9");
  EXPECT_EQ(SourceRateLimiter::slot_of(a), SourceRateLimiter::slot_of(b));
  EXPECT_TRUE(limiter.allow(a, kStart));
  EXPECT_TRUE(limiter.allow(b, kStart));
  EXPECT_FALSE(limiter.allow(a, kStart));
}

TEST(SourceRateLimiter, NeighbouringAddressesSpreadOverTheSlots) {
  std::set<std::size_t> slots;
  for (std::uint32_t i = 0; i < 256; ++i) slots.insert(SourceRateLimiter::slot_of(IpAddress::v4(0xc6336400u + i)));
  EXPECT_GT(slots.size(), 240u);  // 256 balls in 4096 bins: ~8 collisions expected
}

TEST(SourceRateLimiter, ZeroRateDisablesTheLimit) {
  SourceRateLimiter limiter(0, 0);
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(limiter.allow(*IpAddress::parse("192.0.2.1"), kStart));
}

}  // namespace
}  // namespace iceway::turn
