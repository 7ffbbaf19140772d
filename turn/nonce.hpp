#pragma once
// Stateless nonces for the long-term credential mechanism (RFC 8489 §9.2, SPEC §9).
//
// A nonce is "<expiry>.<mac>": the expiry in Unix seconds (wall clock), in lowercase hex, and the first 16 bytes of HMAC-SHA256(key, version | expiry | client transport
// address | transport) in unpadded base64url. The server stores nothing per nonce, so a
// spoofed flood of unauthenticated requests costs no memory; a nonce carries its own expiry
// and only verifies for the client address (IP, port and transport) it was issued to.
// At most 16 + 1 + 22 = 39 characters, all from [0-9a-f.A-Za-z_-], so it is valid qdtext
// (no '"' or '\') and well under RFC 8489's 128-character limit on NONCE.
//
// The RFC 8489 §9.2 security-feature cookie is not part of this format: the challenge puts
// it in front and auth strips it before check() (turn/security_features.hpp).
//
// Several nodes behind one name must accept each other's nonces (a client's next request may
// land on another node, and TURN REST credentials already verify on every node holding the
// secret), so with a shared secret the key is derived from it (key_from_secret) and the expiry
// is wall-clock time, which NTP keeps common to the nodes where a monotonic clock is not.
// Without a secret (static users only) the key is random at start and a restart costs clients
// one extra round trip. The key is shared by every worker; immutable after construction; any
// thread may call it.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/clock.hpp"
#include "common/endpoint.hpp"
#include "turn/random_source.hpp"

namespace iceway::turn {

enum class NonceCheck : std::uint8_t {
  ok,
  stale,    // authentic but past its expiry: answer 438 Stale Nonce (RFC 8489 §9.2.4)
  invalid,  // not one of ours, or issued to another client address (auth.hpp answers 438 too)
};
std::string_view label(NonceCheck check);

class NonceIssuer {
 public:
  static constexpr std::size_t kKeySize = 32;
  static constexpr std::size_t kMaxLength = 39;

  using Key = std::array<std::byte, kKeySize>;

  NonceIssuer(const Key& key, Seconds lifetime);
  NonceIssuer(RandomSource& random, Seconds lifetime);

  // HMAC-SHA256(secret, a fixed label): the same on every node that has the secret, and it
  // reveals nothing about the secret to whoever sees nonces.
  static Key key_from_secret(std::string_view secret);

  const Key& key() const { return key_; }
  Seconds lifetime() const { return lifetime_; }

  // A nonce valid for `client` until now + lifetime.
  std::string issue(const Endpoint& client, Transport transport, UnixSeconds now) const;

  // The MAC is checked first, so a forged nonce is "invalid" whatever its expiry says.
  NonceCheck check(std::string_view nonce, const Endpoint& client, Transport transport, UnixSeconds now) const;

 private:
  using Mac = std::array<std::uint8_t, 16>;
  Mac mac(std::uint64_t expiry, const Endpoint& client, Transport transport) const;

  Key key_;
  Seconds lifetime_;
};

}  // namespace iceway::turn
