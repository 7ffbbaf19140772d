#pragma once
// MessageBuilder writes one STUN message into a buffer the caller owns; it never allocates.
//
//   std::array<std::byte, 512> buffer;
//   MessageBuilder builder(buffer);
//   builder.start({Method::binding, Class::success}, request.transaction_id());
//   builder.add(XorMappedAddress{source}).add(Software{"iceway"}).add_fingerprint();
//   Result<ByteSpan, BuildError> bytes = builder.finish();  // a view into `buffer`
//
// Errors are sticky: the first failure (buffer too small, a value the RFC forbids, an
// attribute after MESSAGE-INTEGRITY) stops all later writes and finish() reports it, so a
// chain of add() calls needs one check at the end. The header's length field is kept current
// after every attribute, which is what the MESSAGE-INTEGRITY and FINGERPRINT computations
// need (RFC 8489 §14.5, §14.7).
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "common/bytes.hpp"
#include "common/result.hpp"
#include "stun/attribute_type.hpp"
#include "stun/message.hpp"

namespace iceway::stun {

enum class BuildErrorReason : std::uint8_t {
  not_started,        // no start() before add or finish
  buffer_too_small,
  value_too_long,     // more than 65535 bytes, or a message past kMaxMessageSize
  invalid_value,      // the typed value broke an RFC limit (e.g. a 600-byte USERNAME)
  out_of_order,       // an attribute after MESSAGE-INTEGRITY or FINGERPRINT (RFC 8489 §14.5, §14.7)
};

struct BuildError {
  BuildErrorReason reason = BuildErrorReason::not_started;
  AttributeType attribute{};  // the attribute being added when it failed, if any
  std::string to_string() const;
  friend bool operator==(const BuildError&, const BuildError&) = default;
};

// A typed attribute the builder can write: stun/attributes/ defines one struct per attribute
// with its type, encoded size and an encoder that fills exactly size() bytes (the builder adds
// the header and padding). encode() returns false when the value breaks an RFC limit.
template <class T>
concept EncodableAttribute = requires(const T& attribute, MutableByteSpan out, const TransactionId& id) {
  { T::kType } -> std::convertible_to<AttributeType>;
  { attribute.size() } -> std::convertible_to<std::size_t>;
  { attribute.encode(out, id) } -> std::same_as<bool>;
};

class MessageBuilder {
 public:
  explicit MessageBuilder(MutableByteSpan buffer) : buffer_(buffer) {}

  // Writes the 20-byte header and forgets anything written before.
  MessageBuilder& start(MessageType type, const TransactionId& transaction_id);

  template <EncodableAttribute T>
  MessageBuilder& add(const T& attribute) {
    const std::size_t size = attribute.size();
    auto value = append_attribute(T::kType, size);
    if (value && !attribute.encode(*value, transaction_id_)) fail(BuildErrorReason::invalid_value, T::kType);
    return *this;
  }
  // An attribute with an opaque value (one we do not model, or copied from a request).
  MessageBuilder& add_raw(AttributeType type, ByteSpan value);
  // Appends the header of a `length`-byte attribute and its padding and returns the value's
  // bytes, which the caller must fill (they are not cleared), e.g. by copying DATA straight
  // into place; nullopt on error. The closing attributes cannot be added this way.
  std::optional<MutableByteSpan> append_attribute(AttributeType type, std::size_t length);

  // RFC 8489 §14.5: HMAC-SHA1 keyed with `key` over the message so far, with the header's
  // length already counting this attribute. Attributes added afterwards would not be covered,
  // so only MESSAGE-INTEGRITY-SHA256 and FINGERPRINT may follow.
  MessageBuilder& add_message_integrity(ByteSpan key);
  // RFC 8489 §14.6: HMAC-SHA256, truncated to `length` bytes (16-32, a multiple of 4).
  MessageBuilder& add_message_integrity_sha256(ByteSpan key, std::size_t length = 32);
  // RFC 8489 §14.7: CRC-32 of the message so far XOR 0x5354554e; the last attribute.
  MessageBuilder& add_fingerprint();

  // Padding fills with zero bytes (RFC 8489 §14). RFC 5389 allowed any value and the
  // RFC 5769 vectors pad with spaces; tests set 0x20 to rebuild them byte for byte.
  void set_padding_byte(std::byte value) { padding_byte_ = value; }

  // The finished message (a view into the caller's buffer), or the first error.
  Result<ByteSpan, BuildError> finish() const;

  std::size_t size() const { return size_; }
  const TransactionId& transaction_id() const { return transaction_id_; }
  bool ok() const { return !error_; }

 private:
  enum class Stage : std::uint8_t { open, after_integrity, after_integrity_sha256, after_fingerprint };

  std::optional<MutableByteSpan> append_unchecked(AttributeType type, std::size_t length);
  void fail(BuildErrorReason reason, AttributeType type = {});
  void set_length(std::size_t body_length);

  MutableByteSpan buffer_;
  std::size_t size_ = 0;
  TransactionId transaction_id_;
  bool started_ = false;
  Stage stage_ = Stage::open;
  std::byte padding_byte_{0};
  std::optional<BuildError> error_;
};

}  // namespace iceway::stun
