#pragma once
// The stateless cookie of a DTLS HelloVerifyRequest (RFC 6347 §4.2.1): a ClientHello from a
// new address gets a cookie and no state; only a second ClientHello that returns a cookie made
// for its own address and port costs the server a session. A spoofed source never sees the
// cookie, so a flood of forged ClientHellos costs CPU for one HMAC each and no memory.
//
// A cookie is 20 bytes: the period it was made in (4 bytes, big-endian: steady seconds / 30)
// and the first 16 bytes of HMAC-SHA256(key, period | family | address | port). It verifies
// in the period it was made and the next one, so a client has 30 to 60 s to come back. The
// key is random per process (a cookie lives for one round trip; a restart costs one more).
// Pure: time is an argument. Immutable after construction; any thread may call it.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "common/clock.hpp"
#include "common/endpoint.hpp"
#include "turn/random_source.hpp"

namespace iceway::turn {

class DtlsCookies {
 public:
  static constexpr std::size_t kSize = 20;
  static constexpr Seconds kPeriod{30};
  using Key = std::array<std::byte, 32>;
  using Cookie = std::array<std::uint8_t, kSize>;

  explicit DtlsCookies(const Key& key) : key_(key) {}
  explicit DtlsCookies(RandomSource& random) : key_{} { random.fill(key_); }

  Cookie make(const Endpoint& client, TimePoint now) const;
  // True when `cookie` was made for `client` in the current or the previous period.
  bool verify(std::span<const std::uint8_t> cookie, const Endpoint& client, TimePoint now) const;

 private:
  Cookie make_for_period(std::uint32_t period, const Endpoint& client) const;
  Key key_;
};

}  // namespace iceway::turn
