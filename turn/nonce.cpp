#include "turn/nonce.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <charconv>
#include <cstdlib>

namespace iceway::turn {
namespace {

constexpr std::uint8_t kVersion = 1;  // bump when the MAC input changes
constexpr char kBase64Url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

// Unpadded base64url of 16 bytes: 22 characters.
void encode_base64url(const std::array<std::uint8_t, 16>& in, std::string& out) {
  std::size_t i = 0;
  for (; i + 3 <= in.size(); i += 3) {
    const std::uint32_t v = (std::uint32_t{in[i]} << 16) | (std::uint32_t{in[i + 1]} << 8) | in[i + 2];
    out += kBase64Url[(v >> 18) & 63];
    out += kBase64Url[(v >> 12) & 63];
    out += kBase64Url[(v >> 6) & 63];
    out += kBase64Url[v & 63];
  }
  const std::uint32_t v = std::uint32_t{in[i]} << 16;  // one byte left (16 = 5 * 3 + 1)
  out += kBase64Url[(v >> 18) & 63];
  out += kBase64Url[(v >> 12) & 63];
}

std::uint64_t seconds_since_epoch(UnixSeconds now) { return now < 0 ? 0 : static_cast<std::uint64_t>(now); }

constexpr std::string_view kKeyLabel = "iceway TURN nonce key v1";

}  // namespace

std::string_view label(NonceCheck check) {
  switch (check) {
    case NonceCheck::ok: return "ok";
    case NonceCheck::stale: return "stale_nonce";
    case NonceCheck::invalid: return "invalid_nonce";
  }
  return "unknown";
}

NonceIssuer::NonceIssuer(const Key& key, Seconds lifetime) : key_(key), lifetime_(lifetime) {}

NonceIssuer::Key NonceIssuer::key_from_secret(std::string_view secret) {
  unsigned char full[EVP_MAX_MD_SIZE];
  unsigned size = 0;
  if (!HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
            reinterpret_cast<const unsigned char*>(kKeyLabel.data()), kKeyLabel.size(), full, &size) ||
      size != kKeySize) {
    std::abort();  // SHA-256 HMAC is always available; without it no client can authenticate
  }
  Key key{};
  for (std::size_t i = 0; i < key.size(); ++i) key[i] = static_cast<std::byte>(full[i]);
  return key;
}

NonceIssuer::NonceIssuer(RandomSource& random, Seconds lifetime) : key_{}, lifetime_(lifetime) {
  random.fill(key_);
}

NonceIssuer::Mac NonceIssuer::mac(std::uint64_t expiry, const Endpoint& client, Transport transport) const {
  // version(1) expiry(8) family(1) address(16) port(2) transport(1)
  std::array<std::uint8_t, 29> input{};
  input[0] = kVersion;
  for (int i = 0; i < 8; ++i) input[1 + i] = static_cast<std::uint8_t>(expiry >> (56 - 8 * i));
  input[9] = static_cast<std::uint8_t>(client.address.family());
  for (std::size_t i = 0; i < 16; ++i) input[10 + i] = client.address.bytes()[i];
  input[26] = static_cast<std::uint8_t>(client.port >> 8);
  input[27] = static_cast<std::uint8_t>(client.port & 0xff);
  input[28] = static_cast<std::uint8_t>(transport);
  unsigned char full[EVP_MAX_MD_SIZE];
  unsigned size = 0;
  if (!HMAC(EVP_sha256(), key_.data(), static_cast<int>(key_.size()), input.data(), input.size(), full, &size)) {
    std::abort();  // SHA-256 HMAC is always available; without it no client can authenticate
  }
  Mac out{};
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = full[i];
  return out;
}

std::string NonceIssuer::issue(const Endpoint& client, Transport transport, UnixSeconds now) const {
  const std::uint64_t expiry = seconds_since_epoch(now) + static_cast<std::uint64_t>(lifetime_.count());
  char digits[16];
  const auto [end, error] = std::to_chars(digits, digits + sizeof digits, expiry, 16);
  (void)error;  // 16 hex digits always hold a u64
  std::string nonce(digits, end);
  nonce += '.';
  encode_base64url(mac(expiry, client, transport), nonce);
  return nonce;
}

NonceCheck NonceIssuer::check(std::string_view nonce, const Endpoint& client, Transport transport,
                              UnixSeconds now) const {
  const auto dot = nonce.find('.');
  if (dot == std::string_view::npos || dot == 0 || dot > 16 || nonce.size() != dot + 1 + 22) {
    return NonceCheck::invalid;
  }
  std::uint64_t expiry = 0;
  const auto [end, error] = std::from_chars(nonce.data(), nonce.data() + dot, expiry, 16);
  if (error != std::errc() || end != nonce.data() + dot) return NonceCheck::invalid;
  std::string expected;
  expected.reserve(22);
  encode_base64url(mac(expiry, client, transport), expected);
  if (CRYPTO_memcmp(expected.data(), nonce.data() + dot + 1, expected.size()) != 0) return NonceCheck::invalid;
  return seconds_since_epoch(now) > expiry ? NonceCheck::stale : NonceCheck::ok;
}

}  // namespace iceway::turn
