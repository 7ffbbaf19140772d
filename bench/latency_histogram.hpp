#pragma once
// A fixed-size log-linear latency histogram (the HdrHistogram idea, much smaller): 64
// sub-buckets per power of two, so any reported percentile is within 1/64 (1.6 %) of the
// true value, from 1 ns up to 2^40 ns (18 minutes). Recording is an index computation and an
// increment: no allocation on the load loop. One histogram per load thread; merge() adds
// them up at the end.
#include <array>
#include <chrono>
#include <cstdint>

namespace iceway::bench {

class LatencyHistogram {
 public:
  static constexpr unsigned kSubBucketBits = 6;
  static constexpr unsigned kSubBuckets = 1u << kSubBucketBits;
  static constexpr unsigned kMaxExponent = 40;  // values at or past 2^40 ns land in the last bucket
  // Group 0 holds 0..63 exactly; groups 1..34 hold the powers 2^6..2^39; one overflow bucket.
  static constexpr std::size_t kBuckets = (kMaxExponent - kSubBucketBits + 1) * kSubBuckets + 1;

  void record(std::chrono::nanoseconds latency);
  void merge(const LatencyHistogram& other);

  std::uint64_t count() const { return count_; }
  std::chrono::nanoseconds max() const { return std::chrono::nanoseconds(max_); }
  // The smallest recorded-bucket value v such that at least `quantile` of the samples are
  // <= v (reported as the bucket's upper bound, never above max()); 0 when empty.
  // `quantile` is clamped to [0, 1].
  std::chrono::nanoseconds percentile(double quantile) const;

  // Exposed for tests: the bucket a value falls in and the largest value in a bucket.
  static std::size_t bucket_of(std::uint64_t nanoseconds);
  static std::uint64_t bucket_upper_bound(std::size_t bucket);

 private:
  std::array<std::uint64_t, kBuckets> counts_{};
  std::uint64_t count_ = 0;
  std::uint64_t max_ = 0;
};

}  // namespace iceway::bench
