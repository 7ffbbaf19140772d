#pragma once
// ICE connectivity-check attributes (RFC 8445 §16.1): PRIORITY, USE-CANDIDATE,
// ICE-CONTROLLED, ICE-CONTROLLING. A STUN server only needs to read past them (RFC 5769 §2.1
// carries two), but they are cheap to model and the round-trip tests keep them honest.
#include <cstddef>
#include <cstdint>

#include "stun/message.hpp"

namespace iceway::stun {

struct Priority {
  static constexpr AttributeType kType = AttributeType::priority;
  std::uint32_t value = 0;

  std::size_t size() const { return 4; }
  bool encode(MutableByteSpan out, const TransactionId&) const;
  static Result<Priority, DecodeError> decode(const Attribute& attribute, const TransactionId&);
  friend bool operator==(const Priority&, const Priority&) = default;
};

struct UseCandidate {
  static constexpr AttributeType kType = AttributeType::use_candidate;

  std::size_t size() const { return 0; }
  bool encode(MutableByteSpan, const TransactionId&) const { return true; }
  static Result<UseCandidate, DecodeError> decode(const Attribute& attribute, const TransactionId&);
  friend bool operator==(const UseCandidate&, const UseCandidate&) = default;
};

// ICE-CONTROLLED and ICE-CONTROLLING: a 64-bit tie-breaker.
template <AttributeType Type>
struct IceRole {
  static constexpr AttributeType kType = Type;
  std::uint64_t tie_breaker = 0;

  std::size_t size() const { return 8; }
  bool encode(MutableByteSpan out, const TransactionId&) const;
  static Result<IceRole, DecodeError> decode(const Attribute& attribute, const TransactionId&);
  friend bool operator==(const IceRole&, const IceRole&) = default;
};
using IceControlled = IceRole<AttributeType::ice_controlled>;
using IceControlling = IceRole<AttributeType::ice_controlling>;

}  // namespace iceway::stun
