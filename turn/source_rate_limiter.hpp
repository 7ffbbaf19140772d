#pragma once
// SourceRateLimiter: the process-wide byte budget for answers to unauthenticated senders
// (Binding successes, 420s, and the auth step's 401, 438 and 400). Over UDP the source address
// can be forged, so every such answer may land on a victim; this budget bounds what one source
// prefix (an IPv4 address, an IPv6 prefix of server.ipv6_prefix bits) can receive from iceway,
// in bytes per second, whatever the number of worker threads (issue 11, findings 5 and 11).
//
// Threading: one per process, shared by every worker; allow() and set_budget() may be called
// from any thread at once. It never allocates after construction and never reads a clock.
//
// Why one atomic word per slot and no mutex: each slot is a token bucket written as GCRA
// (the "generic cell rate algorithm": the bucket's whole state is the theoretical arrival
// time, TAT, at which it would be full again), so a charge is one compare-and-swap on that
// word. Workers charging different sources touch different words and never wait for each
// other, and a worker is never put to sleep holding a lock the others need; a limiter per
// worker (the old design) multiplied the budget by the thread count. Measured on the shared
// 2-core build machine (a throwaway benchmark, 2 million charges over 256 sources per
// thread): 60 ns per charge on one thread, most of it cutting and hashing the prefix, against
// 85 ns with one global mutex around the same buckets; tests/turn/source_rate_limiter_test.cpp
// prints the cost from 1 and 4 threads (ChargingIsCheapFromManyThreads).
//
// Sources are spread over kSlots slots by a hash of their prefix. Sources that collide share
// a budget, which is harmless for what it guards: the limit is per slot, and a flood that
// drains every slot only delays answers, it never makes iceway amplify.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "common/clock.hpp"
#include "common/endpoint.hpp"
#include "common/source_prefix.hpp"

namespace iceway::turn {

struct SourceBudget {
  double bytes_per_second = 0;  // 0 = unlimited
  double burst_bytes = 0;       // at least the largest answer, or that answer never fits
  unsigned ipv6_prefix = kDefaultIpv6SourcePrefix;
};

class SourceRateLimiter {
 public:
  static constexpr std::size_t kSlots = 8192;  // 64 KiB of state, allocated once

  explicit SourceRateLimiter(SourceBudget budget);
  SourceRateLimiter(const SourceRateLimiter&) = delete;
  SourceRateLimiter& operator=(const SourceRateLimiter&) = delete;

  // A reload: applies to the next charge; what sources already spent stays spent.
  void set_budget(SourceBudget budget);

  // Charges `bytes` to the source's prefix and says whether to send them; a refused charge
  // takes nothing, so the source may still send a smaller answer later.
  bool allow(const IpAddress& source, std::size_t bytes, TimePoint now);

  std::size_t slot_of(const IpAddress& source) const;

 private:
  // The budget as the three numbers the packet path needs, each read with one relaxed load.
  // A reload that lands between two of the loads mixes old and new values for one charge,
  // which is harmless.
  std::atomic<double> nanoseconds_per_byte_{0};  // 0 = unlimited
  std::atomic<std::int64_t> tolerance_nanoseconds_{0};  // the burst, as time
  std::atomic<unsigned> ipv6_prefix_{kDefaultIpv6SourcePrefix};
  // Each slot's TAT in nanoseconds of the steady clock; 0 (or any past time) is a full bucket.
  std::unique_ptr<std::atomic<std::int64_t>[]> slots_;
};

}  // namespace iceway::turn
