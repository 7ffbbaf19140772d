#pragma once
// The STUN message header and the attribute walk (RFC 8489 §5, §14, §15).
//
// MessageView::parse checks a received message once and then hands out views into the
// caller's buffer: a MessageView, its Attribute values and every decoded text or byte field
// point into that buffer and are valid until the buffer is reused or freed. Parsing does not
// allocate; MessageView holds the span and three offsets, and find() walks the attributes.
// All of it is plain data: any thread may use a view while the buffer lives.
#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <iterator>
#include <optional>
#include <string_view>
#include <utility>

#include "common/bytes.hpp"
#include "common/result.hpp"
#include "stun/attribute_type.hpp"
#include "stun/decode_error.hpp"

namespace iceway::stun {

inline constexpr std::uint32_t kMagicCookie = 0x2112A442;
inline constexpr std::size_t kHeaderSize = 20;
inline constexpr std::size_t kAttributeHeaderSize = 4;
inline constexpr std::size_t kTransactionIdSize = 12;
// The length field is 16 bits and a multiple of 4.
inline constexpr std::size_t kMaxMessageSize = kHeaderSize + 0xFFFC;

// Methods are 12 bits on the wire; any value may arrive, these are the ones we name.
enum class Method : std::uint16_t {
  binding = 0x001,             // RFC 8489
  allocate = 0x003,            // RFC 8656
  refresh = 0x004,
  send = 0x006,
  data = 0x007,
  create_permission = 0x008,
  channel_bind = 0x009,
  connect = 0x00A,             // RFC 6062
  connection_bind = 0x00B,
  connection_attempt = 0x00C,
};

enum class Class : std::uint8_t { request = 0, indication = 1, success = 2, error = 3 };

struct MessageType {
  Method method = Method::binding;
  Class message_class = Class::request;
  friend bool operator==(const MessageType&, const MessageType&) = default;
};

// RFC 8489 §5: the 14-bit type interleaves the class bits C1 C0 with the method bits as
// M11..M7 C1 M6..M4 C0 M3..M0.
constexpr std::uint16_t encode_message_type(MessageType type) {
  const unsigned m = static_cast<unsigned>(type.method) & 0x0FFF;
  const unsigned c = static_cast<unsigned>(type.message_class);
  return static_cast<std::uint16_t>((m & 0x000F) | ((c & 1u) << 4) | ((m & 0x0070) << 1) | ((c & 2u) << 7) |
                                    ((m & 0x0F80) << 2));
}
constexpr MessageType decode_message_type(std::uint16_t type) {
  const unsigned m = (type & 0x000Fu) | ((type >> 1) & 0x0070u) | ((type >> 2) & 0x0F80u);
  const unsigned c = ((type >> 4) & 1u) | ((type >> 7) & 2u);
  return {static_cast<Method>(m), static_cast<Class>(c)};
}

// Lower-case names for logs and metric labels ("binding", "create_permission"; "other" for
// unnamed methods).
std::string_view to_string(Method method);
std::string_view to_string(Class message_class);

// RFC 8489 §5: 96 random bits chosen by the client; a server echoes them and uses them
// (with the 5-tuple) to recognise retransmissions.
struct TransactionId {
  std::array<std::byte, kTransactionIdSize> bytes{};

  // Copies the first 12 bytes of `twelve_bytes` (precondition: at least 12 bytes).
  static TransactionId from(ByteSpan twelve_bytes);
  ByteSpan span() const { return bytes; }

  friend bool operator==(const TransactionId&, const TransactionId&) = default;
  friend auto operator<=>(const TransactionId&, const TransactionId&) = default;
};
std::size_t hash_value(const TransactionId& id);

// One attribute of a parsed message. `value` excludes the padding.
struct Attribute {
  AttributeType type{};
  ByteSpan value;
  std::size_t offset = 0;  // of the 4-byte attribute header, from the start of the message
};

// Cheap demultiplexing checks for a socket that carries STUN, ChannelData (and, for a
// WebRTC peer, DTLS/RTP): a few loads, no walk. RFC 7983 §7: the first byte is 0-3 for STUN
// and 64-79 for ChannelData; we accept 64-127 (RFC 5766's channel range).
bool looks_like_stun(ByteSpan bytes);          // >= 20 bytes, top bits 00, magic cookie
bool looks_like_channel_data(ByteSpan bytes);  // >= 4 bytes, top bits 01

// Walks the attributes that count: RFC 8489 §14.5 and §14.6 say that after
// MESSAGE-INTEGRITY only MESSAGE-INTEGRITY-SHA256 and FINGERPRINT count, and after
// MESSAGE-INTEGRITY-SHA256 only FINGERPRINT; the others are skipped, as if absent.
class AttributeIterator {
 public:
  using iterator_category = std::forward_iterator_tag;
  using value_type = Attribute;
  using difference_type = std::ptrdiff_t;
  using pointer = const Attribute*;
  using reference = const Attribute&;

  AttributeIterator() = default;
  // Only MessageView makes these, over a message that parse() has checked.
  AttributeIterator(ByteSpan message, std::size_t offset);

  reference operator*() const { return current_; }
  pointer operator->() const { return &current_; }
  AttributeIterator& operator++();
  AttributeIterator operator++(int) {
    AttributeIterator before = *this;
    ++*this;
    return before;
  }
  friend bool operator==(const AttributeIterator& a, const AttributeIterator& b) { return a.offset_ == b.offset_; }

 private:
  void settle();  // loads the attribute at offset_, skipping ignored ones

  ByteSpan message_;
  std::size_t offset_ = 0;
  Attribute current_;
  std::uint8_t stage_ = 0;  // 0: before MESSAGE-INTEGRITY, 1: after it, 2: after -SHA256
};

struct AttributeRange {
  AttributeIterator first;
  AttributeIterator last;
  AttributeIterator begin() const { return first; }
  AttributeIterator end() const { return last; }
};

class MessageView {
 public:
  // Checks, in order (RFC 8489 §6.3): at least 20 bytes; the two top bits zero; the magic
  // cookie; the length a multiple of 4 and equal to the bytes after the header; every
  // attribute's value and padding inside the message; FINGERPRINT last; MESSAGE-INTEGRITY
  // 20 bytes, MESSAGE-INTEGRITY-SHA256 16-32 bytes in steps of 4, FINGERPRINT 4 bytes.
  //
  // RFC 3489 ("classic") requests have no magic cookie and fail with
  // DecodeReason::no_magic_cookie, distinct from other garbage. We do not answer them
  // (RFC 8489 §12 lets a server answer them with MAPPED-ADDRESS); every client in use today
  // sends the cookie, and silence keeps garbage from being reflected.
  //
  // The view borrows `bytes`: valid until that buffer is reused.
  static Result<MessageView, DecodeError> parse(ByteSpan bytes);

  ByteSpan bytes() const { return bytes_; }
  std::uint16_t raw_type() const { return load_u16(bytes_.data()); }
  MessageType type() const { return decode_message_type(raw_type()); }
  Method method() const { return type().method; }
  Class message_class() const { return type().message_class; }
  TransactionId transaction_id() const { return TransactionId::from(bytes_.subspan(8, kTransactionIdSize)); }

  // The attributes that count (see AttributeIterator), in message order.
  AttributeRange attributes() const;
  // The first occurrence of `type` among the attributes that count.
  std::optional<Attribute> find(AttributeType type) const;
  bool contains(AttributeType type) const { return find(type).has_value(); }

  // Decodes the first `T` (a typed attribute from stun/attributes/): nullopt when absent,
  // an error when present but malformed.
  template <class T>
  Result<std::optional<T>, DecodeError> get() const {
    auto attribute = find(T::kType);
    if (!attribute) return std::optional<T>{};
    auto decoded = T::decode(*attribute, transaction_id());
    if (!decoded) return failure(decoded.error());
    return std::optional<T>{std::move(decoded).value()};
  }

  // The integrity attributes that count, if present (their offsets drive verification).
  std::optional<Attribute> message_integrity() const { return attribute_at(integrity_offset_); }
  std::optional<Attribute> message_integrity_sha256() const { return attribute_at(integrity_sha256_offset_); }
  std::optional<Attribute> fingerprint() const { return attribute_at(fingerprint_offset_); }

 private:
  explicit MessageView(ByteSpan bytes) : bytes_(bytes) {}
  std::optional<Attribute> attribute_at(std::uint32_t offset) const;

  ByteSpan bytes_;
  // Offsets of attribute headers; 0 means absent (an attribute never starts inside the header).
  std::uint32_t integrity_offset_ = 0;
  std::uint32_t integrity_sha256_offset_ = 0;
  std::uint32_t fingerprint_offset_ = 0;
};

}  // namespace iceway::stun

template <>
struct std::hash<iceway::stun::TransactionId> {
  std::size_t operator()(const iceway::stun::TransactionId& id) const noexcept {
    return iceway::stun::hash_value(id);
  }
};
