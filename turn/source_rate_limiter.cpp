#include "turn/source_rate_limiter.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>

namespace iceway::turn {

SourceRateLimiter::SourceRateLimiter(SourceBudget budget)
    : slots_(std::make_unique<std::atomic<std::int64_t>[]>(kSlots)) {
  set_budget(budget);
}

void SourceRateLimiter::set_budget(SourceBudget budget) {
  const double per_byte = budget.bytes_per_second > 0 ? 1e9 / budget.bytes_per_second : 0;
  nanoseconds_per_byte_.store(per_byte, std::memory_order_relaxed);
  tolerance_nanoseconds_.store(static_cast<std::int64_t>(std::llround(budget.burst_bytes * per_byte)),
                               std::memory_order_relaxed);
  ipv6_prefix_.store(budget.ipv6_prefix, std::memory_order_relaxed);
}

bool SourceRateLimiter::allow(const IpAddress& source, std::size_t bytes, TimePoint now) {
  const double per_byte = nanoseconds_per_byte_.load(std::memory_order_relaxed);
  if (per_byte <= 0) return true;
  const std::int64_t tolerance = tolerance_nanoseconds_.load(std::memory_order_relaxed);
  const std::int64_t now_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count();
  const auto cost = static_cast<std::int64_t>(std::llround(static_cast<double>(bytes) * per_byte));
  std::atomic<std::int64_t>& slot = slots_[slot_of(source)];
  std::int64_t arrival = slot.load(std::memory_order_relaxed);
  for (;;) {
    // GCRA: the bucket is full again at `arrival`; charging moves that point by `cost`, and
    // the charge fits while the point stays within one burst of now.
    const std::int64_t next = std::max(arrival, now_ns) + cost;
    if (next - now_ns > tolerance) return false;
    // Relaxed: the slot is its own state; nothing else is published through it.
    if (slot.compare_exchange_weak(arrival, next, std::memory_order_relaxed)) return true;
  }
}

std::size_t SourceRateLimiter::slot_of(const IpAddress& source) const {
  const IpAddress key = source_prefix(source, ipv6_prefix_.load(std::memory_order_relaxed));
  // hash_value() leaves the low bits nearly constant across neighbouring IPv4 addresses
  // (fine for unordered_map's prime bucket counts, not for a power-of-two table), so mix it
  // with the splitmix64 finalizer before taking the slot.
  std::uint64_t x = hash_value(key);
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return static_cast<std::size_t>(x % kSlots);
}

}  // namespace iceway::turn
