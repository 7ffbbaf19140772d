#pragma once
// Token buckets for the TURN core's rate limits: bandwidth per allocation (bytes). The limit
// on unauthenticated answers per source is turn/source_rate_limiter.hpp. Time is an argument;
// nothing here reads a clock or allocates, so the relay path may call try_consume() per packet.
#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "common/clock.hpp"

namespace iceway::turn {

// A bucket that refills at `rate` tokens per second up to `burst` tokens and starts full.
// A default-constructed bucket (rate 0) is unlimited: try_consume() always succeeds.
// Doubles hold tokens exactly up to 2^53, far beyond any burst we configure.
class TokenBucket {
 public:
  TokenBucket() = default;
  TokenBucket(double rate_per_second, double burst, TimePoint now)
      : rate_(rate_per_second), burst_(burst), tokens_(burst), last_(now) {}

  bool unlimited() const { return rate_ <= 0; }

  // Takes `amount` tokens if the bucket holds them after refilling to `now`. A request larger
  // than the burst can never succeed, so callers size the burst above their largest unit.
  bool try_consume(double amount, TimePoint now) {
    if (unlimited()) return true;
    refill(now);
    if (tokens_ < amount) return false;
    tokens_ -= amount;
    return true;
  }

  // For a byte stream, which is slowed rather than dropped (RFC 6062 data connections): takes
  // `amount` tokens even into debt, and returns how long until the bucket is out of debt, the
  // time to wait before reading more; zero while it is not in debt.
  Duration charge(double amount, TimePoint now) {
    if (unlimited()) return Duration::zero();
    refill(now);
    tokens_ -= amount;
    if (tokens_ >= 0) return Duration::zero();
    return std::chrono::duration_cast<Duration>(std::chrono::duration<double>(-tokens_ / rate_));
  }

  double tokens(TimePoint now) {
    refill(now);
    return tokens_;
  }

 private:
  void refill(TimePoint now) {
    if (now <= last_) return;  // a clock that did not move (or an older `now`) adds nothing
    const double elapsed = std::chrono::duration<double>(now - last_).count();
    tokens_ = std::min(burst_, tokens_ + elapsed * rate_);
    last_ = now;
  }

  double rate_ = 0;
  double burst_ = 0;
  double tokens_ = 0;
  TimePoint last_{};
};

// The budget of peers the policy may refuse an allocation (check_peer in handlers.hpp):
// `per_minute` after a burst of kRefusedPeerBurst, so a client that gets a few peers wrong
// never notices; 0 = unlimited.
inline constexpr double kRefusedPeerBurst = 10;
inline TokenBucket refused_peer_bucket(std::uint32_t per_minute, TimePoint now) {
  if (per_minute == 0) return TokenBucket{};
  return TokenBucket(per_minute / 60.0, kRefusedPeerBurst, now);
}

// The bucket for an allocation's relayed bytes (both directions share it), given the
// configured bytes/s (0 = unlimited). The burst is one second of traffic but never less than
// 64 KiB, so the largest UDP datagram always fits.
inline TokenBucket bandwidth_bucket(std::uint64_t bytes_per_second, TimePoint now) {
  if (bytes_per_second == 0) return TokenBucket{};
  const double rate = static_cast<double>(bytes_per_second);
  return TokenBucket(rate, std::max(rate, 65536.0), now);
}

}  // namespace iceway::turn
