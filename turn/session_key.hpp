#pragma once
// The key an authenticated request verified with, and so the one its answer is signed with
// (RFC 8489 §9.2.4: "the response MUST use the same integrity attribute and key as the
// request"). Two shapes:
//   - MD5 key (PASSWORD-ALGORITHM absent or MD5), 16 bytes;
//   - SHA-256 key (PASSWORD-ALGORITHM SHA-256), 32 bytes;
// each used with MESSAGE-INTEGRITY (HMAC-SHA1) or MESSAGE-INTEGRITY-SHA256, whichever the
// request carried. A browser (RFC 5389 client) always gets MD5 + MESSAGE-INTEGRITY, exactly
// what every answer carried before RFC 8489's features.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>

#include "common/bytes.hpp"
#include "stun/integrity.hpp"
#include "stun/message_builder.hpp"

namespace iceway::turn {

enum class IntegrityKind : std::uint8_t { sha1, sha256 };

struct SessionKey {
  std::array<std::byte, 32> bytes{};
  std::uint8_t size = 16;
  IntegrityKind integrity = IntegrityKind::sha1;

  SessionKey() = default;
  // An MD5 key used with MESSAGE-INTEGRITY: what every RFC 5389 client does.
  SessionKey(const stun::LongTermKey& md5) { std::ranges::copy(md5, bytes.begin()); }  // NOLINT: implicit on purpose
  SessionKey(const stun::LongTermKeySha256& sha256, IntegrityKind kind) : size(32), integrity(kind) {
    std::ranges::copy(sha256, bytes.begin());
  }
  SessionKey(const stun::LongTermKey& md5, IntegrityKind kind) : integrity(kind) { std::ranges::copy(md5, bytes.begin()); }

  ByteSpan key() const { return ByteSpan(bytes.data(), size); }
  SessionKey with(IntegrityKind kind) const {
    SessionKey copy = *this;
    copy.integrity = kind;
    return copy;
  }

  // True when `message` carries this key's integrity attribute and it verifies (constant
  // time). MESSAGE-INTEGRITY-SHA256 must be the full 32 bytes: RFC 8489 §14.6 allows
  // truncation only where the STUN usage says so, and TURN (RFC 8656) does not.
  bool verifies(const stun::MessageView& message) const {
    if (integrity == IntegrityKind::sha1) return stun::verify_message_integrity(message, key());
    const auto attribute = message.message_integrity_sha256();
    return attribute && attribute->value.size() == 32 && stun::verify_message_integrity_sha256(message, key());
  }
  void sign(stun::MessageBuilder& builder) const {
    if (integrity == IntegrityKind::sha1) {
      builder.add_message_integrity(key());
    } else {
      builder.add_message_integrity_sha256(key());
    }
  }

  friend bool operator==(const SessionKey&, const SessionKey&) = default;
};

}  // namespace iceway::turn
