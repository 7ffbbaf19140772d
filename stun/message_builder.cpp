#include "stun/message_builder.hpp"

#include <cstdio>
#include <cstring>

#include "stun/fingerprint.hpp"
#include "stun/integrity.hpp"

namespace iceway::stun {

namespace {

constexpr std::size_t padded(std::size_t length) { return (length + 3) & ~std::size_t{3}; }

std::string_view describe(BuildErrorReason reason) {
  switch (reason) {
    case BuildErrorReason::not_started: return "no start() before writing";
    case BuildErrorReason::buffer_too_small: return "the buffer is too small";
    case BuildErrorReason::value_too_long: return "the value or message is too long";
    case BuildErrorReason::invalid_value: return "the value breaks an RFC limit";
    case BuildErrorReason::out_of_order: return "comes after MESSAGE-INTEGRITY or FINGERPRINT";
  }
  return "unknown";
}

}  // namespace

std::string BuildError::to_string() const {
  char prefix[24];
  std::snprintf(prefix, sizeof prefix, "attribute 0x%04x: ", to_wire(attribute));
  return std::string(prefix) + std::string(describe(reason));
}

MessageBuilder& MessageBuilder::start(MessageType type, const TransactionId& transaction_id) {
  size_ = 0;
  transaction_id_ = transaction_id;
  stage_ = Stage::open;
  error_.reset();
  started_ = true;
  if (buffer_.size() < kHeaderSize) {
    fail(BuildErrorReason::buffer_too_small);
    return *this;
  }
  store_u16(buffer_.data(), encode_message_type(type));
  store_u16(buffer_.data() + 2, 0);
  store_u32(buffer_.data() + 4, kMagicCookie);
  std::memcpy(buffer_.data() + 8, transaction_id.bytes.data(), kTransactionIdSize);
  size_ = kHeaderSize;
  return *this;
}

void MessageBuilder::fail(BuildErrorReason reason, AttributeType type) {
  if (!error_) error_ = BuildError{reason, type};
}

void MessageBuilder::set_length(std::size_t body_length) {
  store_u16(buffer_.data() + 2, static_cast<std::uint16_t>(body_length));
}

std::optional<MutableByteSpan> MessageBuilder::append_attribute(AttributeType type, std::size_t length) {
  if (!started_) fail(BuildErrorReason::not_started, type);
  if (error_) return std::nullopt;
  const bool integrity_or_fingerprint = type == AttributeType::message_integrity ||
                                        type == AttributeType::message_integrity_sha256 ||
                                        type == AttributeType::fingerprint;
  // The three closing attributes go through their own methods, which compute them; one
  // written by hand here would carry a value nobody checked. Ordinary ones must come first.
  if (integrity_or_fingerprint || stage_ != Stage::open) {
    fail(BuildErrorReason::out_of_order, type);
    return std::nullopt;
  }
  return append_unchecked(type, length);
}

std::optional<MutableByteSpan> MessageBuilder::append_unchecked(AttributeType type, std::size_t length) {
  if (length > 0xFFFF || size_ + kAttributeHeaderSize + padded(length) > kMaxMessageSize) {
    fail(BuildErrorReason::value_too_long, type);
    return std::nullopt;
  }
  if (buffer_.size() - size_ < kAttributeHeaderSize + padded(length)) {
    fail(BuildErrorReason::buffer_too_small, type);
    return std::nullopt;
  }
  std::byte* header = buffer_.data() + size_;
  store_u16(header, to_wire(type));
  store_u16(header + 2, static_cast<std::uint16_t>(length));
  MutableByteSpan value(header + kAttributeHeaderSize, length);
  std::memset(header + kAttributeHeaderSize + length, std::to_integer<int>(padding_byte_), padded(length) - length);
  size_ += kAttributeHeaderSize + padded(length);
  set_length(size_ - kHeaderSize);
  return value;
}

MessageBuilder& MessageBuilder::add_raw(AttributeType type, ByteSpan value) {
  if (auto out = append_attribute(type, value.size()); out && !value.empty()) {
    std::memcpy(out->data(), value.data(), value.size());
  }
  return *this;
}

MessageBuilder& MessageBuilder::add_message_integrity(ByteSpan key) {
  constexpr auto type = AttributeType::message_integrity;
  if (!started_) fail(BuildErrorReason::not_started, type);
  if (error_) return *this;
  if (stage_ != Stage::open) {
    fail(BuildErrorReason::out_of_order, type);
    return *this;
  }
  const std::size_t offset = size_;
  // append_unchecked sets the header length to include this attribute, as §14.5 requires.
  auto value = append_unchecked(type, 20);
  if (!value) return *this;
  ByteSpan written(buffer_.data(), offset);
  const Sha1Hmac mac = hmac_sha1(key, written.first(kHeaderSize), written.subspan(kHeaderSize));
  std::memcpy(value->data(), mac.data(), mac.size());
  stage_ = Stage::after_integrity;
  return *this;
}

MessageBuilder& MessageBuilder::add_message_integrity_sha256(ByteSpan key, std::size_t length) {
  constexpr auto type = AttributeType::message_integrity_sha256;
  if (!started_) fail(BuildErrorReason::not_started, type);
  if (error_) return *this;
  if (stage_ != Stage::open && stage_ != Stage::after_integrity) {
    fail(BuildErrorReason::out_of_order, type);
    return *this;
  }
  if (length < 16 || length > 32 || length % 4 != 0) {
    fail(BuildErrorReason::invalid_value, type);
    return *this;
  }
  const std::size_t offset = size_;
  auto value = append_unchecked(type, length);
  if (!value) return *this;
  ByteSpan written(buffer_.data(), offset);
  const Sha256Hmac mac = hmac_sha256(key, written.first(kHeaderSize), written.subspan(kHeaderSize));
  std::memcpy(value->data(), mac.data(), length);
  stage_ = Stage::after_integrity_sha256;
  return *this;
}

MessageBuilder& MessageBuilder::add_fingerprint() {
  constexpr auto type = AttributeType::fingerprint;
  if (!started_) fail(BuildErrorReason::not_started, type);
  if (error_) return *this;
  if (stage_ == Stage::after_fingerprint) {
    fail(BuildErrorReason::out_of_order, type);
    return *this;
  }
  const std::size_t offset = size_;
  auto value = append_unchecked(type, 4);
  if (!value) return *this;
  ByteSpan written(buffer_.data(), offset);
  store_u32(value->data(), fingerprint_value(written.first(kHeaderSize), written.subspan(kHeaderSize)));
  stage_ = Stage::after_fingerprint;
  return *this;
}

Result<ByteSpan, BuildError> MessageBuilder::finish() const {
  if (error_) return failure(*error_);
  if (!started_) return failure(BuildError{BuildErrorReason::not_started, {}});
  return ByteSpan(buffer_.data(), size_);
}

}  // namespace iceway::stun
