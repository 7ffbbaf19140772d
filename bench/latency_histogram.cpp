#include "bench/latency_histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>

namespace iceway::bench {

// Values below 64 ns get one bucket each; above, a value with its top bit at position e
// (e >= 6) goes to group e - 5, and its next 6 bits pick the sub-bucket.
std::size_t LatencyHistogram::bucket_of(std::uint64_t nanoseconds) {
  if (nanoseconds < kSubBuckets) return static_cast<std::size_t>(nanoseconds);
  const unsigned top = static_cast<unsigned>(std::bit_width(nanoseconds)) - 1;  // >= 6
  if (top >= kMaxExponent) return kBuckets - 1;
  const unsigned shift = top - kSubBucketBits;
  const std::size_t sub = static_cast<std::size_t>((nanoseconds >> shift) & (kSubBuckets - 1));
  return (shift + 1) * kSubBuckets + sub;
}

std::uint64_t LatencyHistogram::bucket_upper_bound(std::size_t bucket) {
  if (bucket < kSubBuckets) return bucket;
  if (bucket >= kBuckets - 1) return UINT64_MAX;  // the overflow bucket; percentile() clamps to max
  const std::size_t shift = bucket / kSubBuckets - 1;
  const std::uint64_t sub = bucket % kSubBuckets;
  const std::uint64_t low = (std::uint64_t{kSubBuckets} + sub) << shift;
  return low + ((std::uint64_t{1} << shift) - 1);
}

void LatencyHistogram::record(std::chrono::nanoseconds latency) {
  const std::uint64_t value = latency.count() < 0 ? 0 : static_cast<std::uint64_t>(latency.count());
  ++counts_[bucket_of(value)];
  ++count_;
  max_ = std::max(max_, value);
}

void LatencyHistogram::merge(const LatencyHistogram& other) {
  for (std::size_t i = 0; i < kBuckets; ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  max_ = std::max(max_, other.max_);
}

std::chrono::nanoseconds LatencyHistogram::percentile(double quantile) const {
  if (count_ == 0) return std::chrono::nanoseconds(0);
  quantile = std::clamp(quantile, 0.0, 1.0);
  // The rank of the sample we want, 1-based: at least one sample, at most all of them.
  const auto rank = std::max<std::uint64_t>(1, static_cast<std::uint64_t>(std::ceil(quantile * count_)));
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < kBuckets; ++i) {
    seen += counts_[i];
    if (seen >= rank) return std::chrono::nanoseconds(std::min(bucket_upper_bound(i), max_));
  }
  return std::chrono::nanoseconds(max_);
}

}  // namespace iceway::bench
