#include "turn/dtls_cookie.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstdlib>

namespace iceway::turn {
namespace {

std::uint32_t period_of(TimePoint now) {
  const auto seconds = std::chrono::duration_cast<Seconds>(now.time_since_epoch()).count();
  return static_cast<std::uint32_t>(seconds / DtlsCookies::kPeriod.count());
}

}  // namespace

DtlsCookies::Cookie DtlsCookies::make_for_period(std::uint32_t period, const Endpoint& client) const {
  // period(4) family(1) address(16) port(2)
  std::array<std::uint8_t, 23> input{};
  for (int i = 0; i < 4; ++i) input[i] = static_cast<std::uint8_t>(period >> (24 - 8 * i));
  input[4] = static_cast<std::uint8_t>(client.address.family());
  for (std::size_t i = 0; i < 16; ++i) input[5 + i] = client.address.bytes()[i];
  input[21] = static_cast<std::uint8_t>(client.port >> 8);
  input[22] = static_cast<std::uint8_t>(client.port & 0xff);
  unsigned char full[EVP_MAX_MD_SIZE];
  unsigned size = 0;
  if (!HMAC(EVP_sha256(), key_.data(), static_cast<int>(key_.size()), input.data(), input.size(), full, &size)) {
    std::abort();  // SHA-256 HMAC is always available; without it no DTLS client can connect
  }
  Cookie cookie{};
  for (std::size_t i = 0; i < 4; ++i) cookie[i] = input[i];
  for (std::size_t i = 4; i < kSize; ++i) cookie[i] = full[i - 4];
  return cookie;
}

DtlsCookies::Cookie DtlsCookies::make(const Endpoint& client, TimePoint now) const {
  return make_for_period(period_of(now), client);
}

bool DtlsCookies::verify(std::span<const std::uint8_t> cookie, const Endpoint& client, TimePoint now) const {
  if (cookie.size() != kSize) return false;
  const std::uint32_t period = (std::uint32_t{cookie[0]} << 24) | (std::uint32_t{cookie[1]} << 16) |
                               (std::uint32_t{cookie[2]} << 8) | cookie[3];
  const std::uint32_t current = period_of(now);
  if (period != current && period + 1 != current) return false;
  const Cookie expected = make_for_period(period, client);
  return CRYPTO_memcmp(expected.data(), cookie.data(), kSize) == 0;
}

}  // namespace iceway::turn
