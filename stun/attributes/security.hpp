#pragma once
// Authentication attributes: MESSAGE-INTEGRITY (RFC 8489 §14.5), MESSAGE-INTEGRITY-SHA256
// (§14.6), FINGERPRINT (§14.7), PASSWORD-ALGORITHMS (§14.11), PASSWORD-ALGORITHM (§14.12) and
// USERHASH (§14.4).
//
// The first three are decode-only here: MessageBuilder computes and writes them
// (add_message_integrity, add_message_integrity_sha256, add_fingerprint) and
// stun/integrity.hpp verifies them; these structs expose the raw values for tests and logs.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>

#include "stun/message.hpp"

namespace iceway::stun {

struct MessageIntegrity {
  static constexpr AttributeType kType = AttributeType::message_integrity;
  ByteSpan hmac;  // 20 bytes
  static Result<MessageIntegrity, DecodeError> decode(const Attribute& attribute, const TransactionId&);
};

struct MessageIntegritySha256 {
  static constexpr AttributeType kType = AttributeType::message_integrity_sha256;
  ByteSpan hmac;  // 16-32 bytes, a multiple of 4
  static Result<MessageIntegritySha256, DecodeError> decode(const Attribute& attribute, const TransactionId&);
};

struct Fingerprint {
  static constexpr AttributeType kType = AttributeType::fingerprint;
  std::uint32_t value = 0;
  static Result<Fingerprint, DecodeError> decode(const Attribute& attribute, const TransactionId&);
};

// RFC 8489 §18.5.1: the password algorithm registry.
enum class PasswordAlgorithmId : std::uint16_t { md5 = 0x0001, sha256 = 0x0002 };

// PASSWORD-ALGORITHM: the algorithm the client chose, with its parameters (none for MD5 and
// SHA-256).
struct PasswordAlgorithm {
  static constexpr AttributeType kType = AttributeType::password_algorithm;
  PasswordAlgorithmId algorithm = PasswordAlgorithmId::md5;
  ByteSpan parameters;

  std::size_t size() const { return 4 + ((parameters.size() + 3) & ~std::size_t{3}); }
  bool encode(MutableByteSpan out, const TransactionId&) const;
  static Result<PasswordAlgorithm, DecodeError> decode(const Attribute& attribute, const TransactionId&);
  friend bool operator==(const PasswordAlgorithm& a, const PasswordAlgorithm& b) {
    return a.algorithm == b.algorithm && std::ranges::equal(a.parameters, b.parameters);
  }
};

// PASSWORD-ALGORITHMS: the server's list, as (algorithm, parameters length, parameters
// padded to 4) entries. Kept as the wire bytes: RFC 8489 §9.2.4 has the server compare the
// list a client echoes byte for byte with the one it sent (downgrade protection).
struct PasswordAlgorithms {
  static constexpr AttributeType kType = AttributeType::password_algorithms;
  // What we offer: SHA-256 first (preferred), then MD5, neither with parameters.
  static constexpr std::array<std::byte, 8> kSha256AndMd5{std::byte{0}, std::byte{2}, std::byte{0}, std::byte{0},
                                                         std::byte{0}, std::byte{1}, std::byte{0}, std::byte{0}};
  ByteSpan list;

  bool contains(PasswordAlgorithmId algorithm) const;

  std::size_t size() const { return list.size(); }
  bool encode(MutableByteSpan out, const TransactionId&) const;  // false if `list` is malformed
  static Result<PasswordAlgorithms, DecodeError> decode(const Attribute& attribute, const TransactionId&);
  // Byte for byte, as RFC 8489 §9.2.4 compares them.
  friend bool operator==(const PasswordAlgorithms& a, const PasswordAlgorithms& b) {
    return std::ranges::equal(a.list, b.list);
  }
};

// USERHASH: SHA-256(username ":" realm), sent instead of USERNAME for anonymity.
struct UserHash {
  static constexpr AttributeType kType = AttributeType::userhash;
  std::array<std::byte, 32> hash{};

  std::size_t size() const { return hash.size(); }
  bool encode(MutableByteSpan out, const TransactionId&) const;
  static Result<UserHash, DecodeError> decode(const Attribute& attribute, const TransactionId&);
  friend bool operator==(const UserHash&, const UserHash&) = default;
};

}  // namespace iceway::stun
