#include "stun/message.hpp"

#include <cassert>
#include <cstring>

namespace iceway::stun {

namespace {

constexpr std::size_t padded(std::size_t length) { return (length + 3) & ~std::size_t{3}; }

// RFC 8489 §14.6: MESSAGE-INTEGRITY-SHA256 may be truncated to 16 bytes, in steps of 4.
constexpr bool is_valid_sha256_length(std::size_t length) {
  return length >= 16 && length <= 32 && length % 4 == 0;
}

}  // namespace

std::string_view to_string(Method method) {
  switch (method) {
    case Method::binding: return "binding";
    case Method::allocate: return "allocate";
    case Method::refresh: return "refresh";
    case Method::send: return "send";
    case Method::data: return "data";
    case Method::create_permission: return "create_permission";
    case Method::channel_bind: return "channel_bind";
    case Method::connect: return "connect";
    case Method::connection_bind: return "connection_bind";
    case Method::connection_attempt: return "connection_attempt";
  }
  return "other";
}

std::string_view to_string(Class message_class) {
  switch (message_class) {
    case Class::request: return "request";
    case Class::indication: return "indication";
    case Class::success: return "success";
    case Class::error: return "error";
  }
  return "other";
}

TransactionId TransactionId::from(ByteSpan twelve_bytes) {
  assert(twelve_bytes.size() >= kTransactionIdSize);  // callers slice it from a checked header
  TransactionId id;
  std::memcpy(id.bytes.data(), twelve_bytes.data(), kTransactionIdSize);
  return id;
}

std::size_t hash_value(const TransactionId& id) {
  // The id is random (RFC 8489 §5), so folding its bytes is as good as a keyed hash.
  std::uint64_t a = 0;
  std::uint32_t b = 0;
  std::memcpy(&a, id.bytes.data(), 8);
  std::memcpy(&b, id.bytes.data() + 8, 4);
  return static_cast<std::size_t>(a ^ (std::uint64_t{b} * 0x9E3779B97F4A7C15ull));
}

bool looks_like_stun(ByteSpan bytes) {
  return bytes.size() >= kHeaderSize && (std::to_integer<unsigned>(bytes[0]) & 0xC0u) == 0 &&
         load_u32(bytes.data() + 4) == kMagicCookie;
}

bool looks_like_channel_data(ByteSpan bytes) {
  return bytes.size() >= 4 && (std::to_integer<unsigned>(bytes[0]) & 0xC0u) == 0x40;
}

AttributeIterator::AttributeIterator(ByteSpan message, std::size_t offset) : message_(message), offset_(offset) {
  settle();
}

AttributeIterator& AttributeIterator::operator++() {
  offset_ += kAttributeHeaderSize + padded(current_.value.size());
  settle();
  return *this;
}

void AttributeIterator::settle() {
  // parse() checked every header and length, so this walk needs no bounds checks beyond
  // the end of the message.
  while (offset_ < message_.size()) {
    const auto type = static_cast<AttributeType>(load_u16(message_.data() + offset_));
    const std::size_t length = load_u16(message_.data() + offset_ + 2);
    const bool counts = stage_ == 0 ||
                        (stage_ == 1 && (type == AttributeType::message_integrity_sha256 ||
                                         type == AttributeType::fingerprint)) ||
                        (stage_ == 2 && type == AttributeType::fingerprint);
    if (counts) {
      current_ = Attribute{type, message_.subspan(offset_ + kAttributeHeaderSize, length), offset_};
      if (type == AttributeType::message_integrity) stage_ = 1;
      if (type == AttributeType::message_integrity_sha256) stage_ = 2;
      return;
    }
    offset_ += kAttributeHeaderSize + padded(length);
  }
  offset_ = message_.size();
  current_ = Attribute{};
}

Result<MessageView, DecodeError> MessageView::parse(ByteSpan bytes) {
  if (bytes.size() < kHeaderSize) {
    return failure(message_error(DecodeReason::too_short, 0, static_cast<std::uint32_t>(bytes.size())));
  }
  const unsigned first = std::to_integer<unsigned>(bytes[0]);
  if ((first & 0xC0u) != 0) return failure(message_error(DecodeReason::not_stun, 0, first));
  const std::uint32_t cookie = load_u32(bytes.data() + 4);
  if (cookie != kMagicCookie) return failure(message_error(DecodeReason::no_magic_cookie, 4, cookie));
  const std::size_t length = load_u16(bytes.data() + 2);
  if (length % 4 != 0) {
    return failure(message_error(DecodeReason::length_not_multiple_of_4, 2, static_cast<std::uint32_t>(length)));
  }
  if (kHeaderSize + length != bytes.size()) {
    return failure(message_error(DecodeReason::length_mismatch, 2, static_cast<std::uint32_t>(length)));
  }

  MessageView view(bytes);
  int stage = 0;  // as in AttributeIterator: which attributes still count
  bool fingerprint_seen = false;
  std::size_t offset = kHeaderSize;
  while (offset < bytes.size()) {
    // The body length and every step are multiples of 4, so a whole attribute header fits,
    // and a value that fits has room for its padding too.
    const std::uint16_t wire_type = load_u16(bytes.data() + offset);
    const auto type = static_cast<AttributeType>(wire_type);
    const std::size_t value_length = load_u16(bytes.data() + offset + 2);
    const std::size_t value_end = offset + kAttributeHeaderSize + value_length;
    if (value_end > bytes.size()) {
      return failure(attribute_error(DecodeReason::attribute_overrun, wire_type, offset,
                                     static_cast<std::uint32_t>(value_length)));
    }
    if (fingerprint_seen) {
      // RFC 8489 §14.7: FINGERPRINT comes last; anything after it means a broken sender.
      return failure(attribute_error(DecodeReason::fingerprint_not_last, to_wire(AttributeType::fingerprint),
                                     view.fingerprint_offset_));
    }
    const auto bad_length = [&] {
      return failure(attribute_error(DecodeReason::bad_attribute_length, wire_type, offset,
                                     static_cast<std::uint32_t>(value_length)));
    };
    if (type == AttributeType::fingerprint) {
      // RFC 8489 §14.7: 32 bits of CRC.
      if (value_length != 4) return bad_length();
      view.fingerprint_offset_ = static_cast<std::uint32_t>(offset);
      fingerprint_seen = true;
    } else if (type == AttributeType::message_integrity && stage == 0) {
      // RFC 8489 §14.5: an HMAC-SHA1, 20 bytes.
      if (value_length != 20) return bad_length();
      view.integrity_offset_ = static_cast<std::uint32_t>(offset);
      stage = 1;
    } else if (type == AttributeType::message_integrity_sha256 && stage <= 1) {
      if (!is_valid_sha256_length(value_length)) return bad_length();
      view.integrity_sha256_offset_ = static_cast<std::uint32_t>(offset);
      stage = 2;
    }
    offset += kAttributeHeaderSize + padded(value_length);
  }
  return view;
}

AttributeRange MessageView::attributes() const {
  return {AttributeIterator(bytes_, kHeaderSize), AttributeIterator(bytes_, bytes_.size())};
}

std::optional<Attribute> MessageView::find(AttributeType type) const {
  for (const Attribute& attribute : attributes()) {
    if (attribute.type == type) return attribute;
  }
  return std::nullopt;
}

std::optional<Attribute> MessageView::attribute_at(std::uint32_t offset) const {
  if (offset == 0) return std::nullopt;
  const std::size_t length = load_u16(bytes_.data() + offset + 2);
  return Attribute{static_cast<AttributeType>(load_u16(bytes_.data() + offset)),
                   bytes_.subspan(offset + kAttributeHeaderSize, length), offset};
}

}  // namespace iceway::stun
