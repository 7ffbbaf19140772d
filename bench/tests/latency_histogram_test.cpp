#include "bench/latency_histogram.hpp"

#include <gtest/gtest.h>

#include <cstdint>

namespace iceway::bench {
namespace {

using std::chrono::nanoseconds;

TEST(LatencyHistogram, EmptyReportsZeroEverywhere) {
  LatencyHistogram histogram;
  EXPECT_EQ(histogram.count(), 0u);
  EXPECT_EQ(histogram.percentile(0.5), nanoseconds(0));
  EXPECT_EQ(histogram.max(), nanoseconds(0));
}

TEST(LatencyHistogram, EveryValueIsAtMostItsBucketBoundAndWithinOneSixtyFourth) {
  // Exhaustive over the exact range and the first groups, then sampled up to 2^40.
  std::vector<std::uint64_t> values;
  for (std::uint64_t v = 0; v < 100'000; ++v) values.push_back(v);
  for (std::uint64_t v = 100'000; v < (std::uint64_t{1} << 40); v = v * 3 / 2 + 7) values.push_back(v);
  for (std::uint64_t v : values) {
    const auto bucket = LatencyHistogram::bucket_of(v);
    ASSERT_LT(bucket, LatencyHistogram::kBuckets) << v;
    const auto bound = LatencyHistogram::bucket_upper_bound(bucket);
    ASSERT_GE(bound, v) << v;
    ASSERT_LE(bound - v, v / 64) << v;
  }
}

TEST(LatencyHistogram, BucketsAreOrderedByValue) {
  std::size_t previous = 0;
  for (std::uint64_t v = 0; v < (std::uint64_t{1} << 40); v = v < 1000 ? v + 1 : v + v / 100) {
    const auto bucket = LatencyHistogram::bucket_of(v);
    ASSERT_GE(bucket, previous) << v;
    previous = bucket;
  }
}

TEST(LatencyHistogram, ValuesPastTheRangeLandInTheLastBucketAndKeepAnExactMax) {
  LatencyHistogram histogram;
  const nanoseconds huge(std::int64_t{1} << 50);
  histogram.record(huge);
  EXPECT_EQ(LatencyHistogram::bucket_of(std::uint64_t{1} << 50), LatencyHistogram::kBuckets - 1);
  EXPECT_EQ(histogram.max(), huge);
  EXPECT_EQ(histogram.percentile(1.0), huge);
}

TEST(LatencyHistogram, NegativeLatencyIsRecordedAsZero) {
  LatencyHistogram histogram;
  histogram.record(nanoseconds(-5));
  EXPECT_EQ(histogram.count(), 1u);
  EXPECT_EQ(histogram.percentile(0.5), nanoseconds(0));
}

TEST(LatencyHistogram, PercentilesOfAUniformSpreadAreWithinPrecision) {
  LatencyHistogram histogram;
  for (int v = 1; v <= 100'000; ++v) histogram.record(nanoseconds(v));
  struct Case {
    const char* name;
    double quantile;
    double expected;
  };
  const Case cases[] = {
      {"p0 is the smallest", 0.0, 1},   {"p50", 0.50, 50'000},   {"p90", 0.90, 90'000},
      {"p99", 0.99, 99'000},            {"p99.9", 0.999, 99'900}, {"p100 is the max", 1.0, 100'000},
      {"above 1 clamps", 1.5, 100'000}, {"below 0 clamps", -1, 1},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const double got = static_cast<double>(histogram.percentile(c.quantile).count());
    EXPECT_GE(got, c.expected);
    EXPECT_LE(got, c.expected * (1 + 1.0 / 64));
  }
  EXPECT_EQ(histogram.max(), nanoseconds(100'000));
}

TEST(LatencyHistogram, PercentileNeverExceedsTheMax) {
  LatencyHistogram histogram;
  histogram.record(nanoseconds(1'000'001));  // bucket bound is above this value
  EXPECT_EQ(histogram.percentile(0.5), nanoseconds(1'000'001));
}

TEST(LatencyHistogram, MergeAddsCountsAndKeepsTheLargerMax) {
  LatencyHistogram fast;
  LatencyHistogram slow;
  for (int i = 0; i < 90; ++i) fast.record(nanoseconds(10'000));
  for (int i = 0; i < 10; ++i) slow.record(nanoseconds(5'000'000));
  fast.merge(slow);
  EXPECT_EQ(fast.count(), 100u);
  EXPECT_EQ(fast.max(), nanoseconds(5'000'000));
  EXPECT_LE(fast.percentile(0.90).count(), 10'000 * 65 / 64);
  EXPECT_EQ(fast.percentile(0.91), nanoseconds(5'000'000));
}

}  // namespace
}  // namespace iceway::bench
