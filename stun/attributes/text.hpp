#pragma once
// Text attributes: USERNAME (RFC 8489 §14.3), REALM (§14.9), NONCE (§14.10), SOFTWARE (§14.14).
// A decoded value is a string_view into the message buffer (valid while the buffer is).
//
// Limits: REALM, NONCE and SOFTWARE must be fewer than 128 characters, at most 763 bytes of
// UTF-8. USERNAME must be fewer than 513 bytes in RFC 5389 and fewer than 509 in RFC 8489; we
// take the larger so no older client is refused over four bytes. Decoding checks the byte
// limit (it bounds what a handler may copy); encoding also checks the character limit, so we
// never send what a strict peer would reject.
#include <cstddef>
#include <string_view>

#include "stun/message.hpp"

namespace iceway::stun {

// Counts UTF-8 characters the cheap way: bytes that are not continuation bytes (10xxxxxx).
std::size_t utf8_length(std::string_view text);

// Shared by the text attributes below: checks `value` against the limits.
bool text_fits(std::string_view value, std::size_t max_bytes, std::size_t max_characters);
Result<std::string_view, DecodeError> decode_text(const Attribute& attribute, std::size_t max_bytes);

template <AttributeType Type, std::size_t MaxBytes, std::size_t MaxCharacters>
struct TextAttribute {
  static constexpr AttributeType kType = Type;
  static constexpr std::size_t kMaxBytes = MaxBytes;
  static constexpr std::size_t kMaxCharacters = MaxCharacters;
  std::string_view value;

  std::size_t size() const { return value.size(); }
  bool encode(MutableByteSpan out, const TransactionId&) const {
    if (!text_fits(value, MaxBytes, MaxCharacters)) return false;
    for (std::size_t i = 0; i < value.size(); ++i) out[i] = static_cast<std::byte>(value[i]);
    return true;
  }
  static Result<TextAttribute, DecodeError> decode(const Attribute& attribute, const TransactionId&) {
    auto text = decode_text(attribute, MaxBytes);
    if (!text) return failure(text.error());
    return TextAttribute{text.value()};
  }
  friend bool operator==(const TextAttribute&, const TextAttribute&) = default;
};

using Username = TextAttribute<AttributeType::username, 513, 513>;
using Realm = TextAttribute<AttributeType::realm, 763, 127>;
using Nonce = TextAttribute<AttributeType::nonce, 763, 127>;
using Software = TextAttribute<AttributeType::software, 763, 127>;

}  // namespace iceway::stun
