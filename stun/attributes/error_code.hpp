#pragma once
// Error reporting attributes: ERROR-CODE (RFC 8489 §14.8), UNKNOWN-ATTRIBUTES (§14.13),
// ADDRESS-ERROR-CODE (RFC 8656 §18.12), the table of error codes we send, and the check that
// finds the unknown comprehension-required attributes behind a 420.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "common/endpoint.hpp"
#include "stun/message.hpp"

namespace iceway::stun {

// The error codes of RFC 8489 §14.8, RFC 8656 §6 and RFC 6062 §6.3. One table in
// error_code.cpp maps each to its wire number, RFC reason phrase and metric label, so the
// response, the log and the metric always agree.
enum class ErrorCode : std::uint16_t {
  try_alternate = 300,
  bad_request = 400,
  unauthenticated = 401,  // RFC 5389 called it "Unauthorized"
  forbidden = 403,
  mobility_forbidden = 405,  // RFC 8016 §3.1
  unknown_attribute = 420,
  allocation_mismatch = 437,
  stale_nonce = 438,
  address_family_not_supported = 440,
  wrong_credentials = 441,
  unsupported_transport_protocol = 442,
  peer_address_family_mismatch = 443,
  connection_already_exists = 446,
  connection_timeout_or_failure = 447,
  allocation_quota_reached = 486,
  role_conflict = 487,
  server_error = 500,
  insufficient_capacity = 508,
};

constexpr std::uint16_t to_wire(ErrorCode code) { return static_cast<std::uint16_t>(code); }
// "Stale Nonce"; "" for a number outside the table.
std::string_view reason_phrase(ErrorCode code);
// "stale_nonce": for metric labels and logs.
std::string_view metric_label(ErrorCode code);
// The table's entry for a wire number, if it has one.
std::optional<ErrorCode> error_code_from_wire(std::uint16_t number);

// ERROR-CODE: 21 reserved bits, class (hundreds, 3-6) in 3 bits, number (0-99) in 8 bits,
// then a UTF-8 reason phrase of fewer than 128 characters (at most 763 bytes).
struct ErrorCodeAttribute {
  static constexpr AttributeType kType = AttributeType::error_code;
  std::uint16_t code = 0;     // 300-699
  std::string_view reason;  // a view into the message, or into the static table

  // The table's code with its RFC reason phrase.
  static ErrorCodeAttribute of(ErrorCode code) { return {to_wire(code), reason_phrase(code)}; }

  std::size_t size() const { return 4 + reason.size(); }
  bool encode(MutableByteSpan out, const TransactionId&) const;
  static Result<ErrorCodeAttribute, DecodeError> decode(const Attribute& attribute, const TransactionId&);
  friend bool operator==(const ErrorCodeAttribute&, const ErrorCodeAttribute&) = default;
};

// ADDRESS-ERROR-CODE (RFC 8656 §18.12): which family of a dual allocation failed, and why.
// The layout is ERROR-CODE's with the family in the first byte.
struct AddressErrorCode {
  static constexpr AttributeType kType = AttributeType::address_error_code;
  AddressFamily family = AddressFamily::ipv4;
  std::uint16_t code = 0;
  std::string_view reason;

  std::size_t size() const { return 4 + reason.size(); }
  bool encode(MutableByteSpan out, const TransactionId&) const;
  static Result<AddressErrorCode, DecodeError> decode(const Attribute& attribute, const TransactionId&);
  friend bool operator==(const AddressErrorCode&, const AddressErrorCode&) = default;
};

// UNKNOWN-ATTRIBUTES: a list of 16-bit types. Held in a fixed array (no allocation) of at
// most kCapacity entries: a 420 answers an unauthenticated request, so it must stay small
// (SPEC §9, no amplification), and a client needs only some of the names to see its mistake.
// Decoding keeps the first kCapacity entries of a longer list.
struct UnknownAttributes {
  static constexpr AttributeType kType = AttributeType::unknown_attributes;
  static constexpr std::size_t kCapacity = 16;
  std::array<AttributeType, kCapacity> types{};
  std::size_t count = 0;

  std::span<const AttributeType> list() const { return {types.data(), count}; }
  bool empty() const { return count == 0; }
  // Adds `type` unless present; false when full.
  bool add(AttributeType type);

  std::size_t size() const { return 2 * count; }
  bool encode(MutableByteSpan out, const TransactionId&) const;
  static Result<UnknownAttributes, DecodeError> decode(const Attribute& attribute, const TransactionId&);
  friend bool operator==(const UnknownAttributes& a, const UnknownAttributes& b) {
    return a.count == b.count && std::equal(a.types.begin(), a.types.begin() + a.count, b.types.begin());
  }
};

// RFC 8489 §6.3.1: the comprehension-required attributes (type < 0x8000) of `message` that
// are not in `known`, each once, in message order (at most UnknownAttributes::kCapacity).
// Attributes ignored after MESSAGE-INTEGRITY do not count.
UnknownAttributes unknown_comprehension_required(const MessageView& message, const AttributeSet& known);

}  // namespace iceway::stun
