#pragma once
// The request attributes of RFC 5780 NAT behaviour discovery: CHANGE-REQUEST (§7.2),
// RESPONSE-PORT (§7.5) and PADDING (§7.6). RESPONSE-ORIGIN and OTHER-ADDRESS, which the
// answers carry, are plain address attributes (stun/attributes/address.hpp).
#include <cstddef>
#include <cstdint>

#include "stun/message.hpp"

namespace iceway::stun {

// A 32-bit field whose bit 0x4 asks for an answer from the other IP address and bit 0x2 from
// the other port; the other bits are ignored (§7.2 reserves them).
struct ChangeRequest {
  static constexpr AttributeType kType = AttributeType::change_request;
  static constexpr std::uint32_t kChangeIp = 0x4;
  static constexpr std::uint32_t kChangePort = 0x2;
  bool change_ip = false;
  bool change_port = false;

  std::size_t size() const { return 4; }
  bool encode(MutableByteSpan out, const TransactionId&) const;
  static Result<ChangeRequest, DecodeError> decode(const Attribute& attribute, const TransactionId&);
  friend bool operator==(const ChangeRequest&, const ChangeRequest&) = default;
};

// The port the answer goes to instead of the request's source port, then 2 bytes of padding.
struct ResponsePort {
  static constexpr AttributeType kType = AttributeType::response_port;
  std::uint16_t port = 0;

  std::size_t size() const { return 4; }
  bool encode(MutableByteSpan out, const TransactionId&) const;
  static Result<ResponsePort, DecodeError> decode(const Attribute& attribute, const TransactionId&);
  friend bool operator==(const ResponsePort&, const ResponsePort&) = default;
};

// Bytes whose content does not matter, only their number (a datagram big enough to test
// fragmentation); encoded as zeros.
struct Padding {
  static constexpr AttributeType kType = AttributeType::padding;
  std::size_t length = 0;

  std::size_t size() const { return length; }
  bool encode(MutableByteSpan out, const TransactionId&) const;
  static Result<Padding, DecodeError> decode(const Attribute& attribute, const TransactionId&);
  friend bool operator==(const Padding&, const Padding&) = default;
};

}  // namespace iceway::stun
