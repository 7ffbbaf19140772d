#include "stun/attributes/error_code.hpp"

#include "stun/attributes/detail.hpp"
#include "stun/attributes/text.hpp"

namespace iceway::stun {

namespace {

struct ErrorCodeEntry {
  ErrorCode code;
  std::string_view reason;  // the RFC's reason phrase
  std::string_view label;   // metric label
};

// RFC 8489 §14.8, RFC 8656 §6, RFC 6062 §6.3, RFC 8445 §7.3.1.1 (487), RFC 8016 §3.1 (405).
constexpr ErrorCodeEntry kErrorCodes[] = {
    {ErrorCode::try_alternate, "Try Alternate", "try_alternate"},
    {ErrorCode::bad_request, "Bad Request", "bad_request"},
    {ErrorCode::unauthenticated, "Unauthenticated", "unauthenticated"},
    {ErrorCode::forbidden, "Forbidden", "forbidden"},
    {ErrorCode::mobility_forbidden, "Mobility Forbidden", "mobility_forbidden"},
    {ErrorCode::unknown_attribute, "Unknown Attribute", "unknown_attribute"},
    {ErrorCode::allocation_mismatch, "Allocation Mismatch", "allocation_mismatch"},
    {ErrorCode::stale_nonce, "Stale Nonce", "stale_nonce"},
    {ErrorCode::address_family_not_supported, "Address Family not Supported", "address_family_not_supported"},
    {ErrorCode::wrong_credentials, "Wrong Credentials", "wrong_credentials"},
    {ErrorCode::unsupported_transport_protocol, "Unsupported Transport Protocol", "unsupported_transport_protocol"},
    {ErrorCode::peer_address_family_mismatch, "Peer Address Family Mismatch", "peer_address_family_mismatch"},
    {ErrorCode::connection_already_exists, "Connection Already Exists", "connection_already_exists"},
    {ErrorCode::connection_timeout_or_failure, "Connection Timeout or Failure", "connection_timeout_or_failure"},
    {ErrorCode::allocation_quota_reached, "Allocation Quota Reached", "allocation_quota_reached"},
    {ErrorCode::role_conflict, "Role Conflict", "role_conflict"},
    {ErrorCode::server_error, "Server Error", "server_error"},
    {ErrorCode::insufficient_capacity, "Insufficient Capacity", "insufficient_capacity"},
};

const ErrorCodeEntry* entry(std::uint16_t number) {
  for (const auto& e : kErrorCodes) {
    if (to_wire(e.code) == number) return &e;
  }
  return nullptr;
}

// RFC 8489 §14.8: the class is 3-6 and the number 0-99.
constexpr bool is_valid_code(std::uint16_t code) { return code >= 300 && code <= 699; }

void write_code(MutableByteSpan out, std::uint8_t first_byte, std::uint16_t code, std::string_view reason) {
  out[0] = std::byte{first_byte};
  out[1] = std::byte{0};
  out[2] = std::byte(code / 100);
  out[3] = std::byte(code % 100);
  for (std::size_t i = 0; i < reason.size(); ++i) out[4 + i] = static_cast<std::byte>(reason[i]);
}

struct ParsedCode {
  std::uint8_t first_byte;
  std::uint16_t code;
  std::string_view reason;
};

Result<ParsedCode, DecodeError> read_code(const Attribute& attribute) {
  const ByteSpan value = attribute.value;
  if (value.size() < 4) return failure(detail::bad_length(attribute));
  // The class lives in the low 3 bits of the third byte; the bits above it are reserved.
  const unsigned hundreds = detail::byte_at(value, 2) & 0x07u;
  const unsigned number = detail::byte_at(value, 3);
  if (hundreds < 3 || hundreds > 6 || number > 99) {
    return failure(detail::error_in(attribute, DecodeReason::bad_value, hundreds * 100 + number));
  }
  if (value.size() - 4 > Software::kMaxBytes) {
    return failure(detail::error_in(attribute, DecodeReason::value_too_long, static_cast<std::uint32_t>(value.size())));
  }
  return ParsedCode{detail::byte_at(value, 0), static_cast<std::uint16_t>(hundreds * 100 + number),
                    as_string_view(value.subspan(4))};
}

}  // namespace

std::string_view reason_phrase(ErrorCode code) {
  const auto* e = entry(to_wire(code));
  return e ? e->reason : std::string_view{};
}

std::string_view metric_label(ErrorCode code) {
  const auto* e = entry(to_wire(code));
  return e ? e->label : std::string_view{"other"};
}

std::optional<ErrorCode> error_code_from_wire(std::uint16_t number) {
  const auto* e = entry(number);
  return e ? std::optional<ErrorCode>(e->code) : std::nullopt;
}

bool ErrorCodeAttribute::encode(MutableByteSpan out, const TransactionId&) const {
  // The reason phrase has the same limits as SOFTWARE: fewer than 128 characters.
  if (!is_valid_code(code) || !text_fits(reason, Software::kMaxBytes, Software::kMaxCharacters)) return false;
  write_code(out, 0, code, reason);
  return true;
}

Result<ErrorCodeAttribute, DecodeError> ErrorCodeAttribute::decode(const Attribute& attribute, const TransactionId&) {
  auto parsed = read_code(attribute);
  if (!parsed) return failure(parsed.error());
  return ErrorCodeAttribute{parsed.value().code, parsed.value().reason};
}

bool AddressErrorCode::encode(MutableByteSpan out, const TransactionId&) const {
  if (!is_valid_code(code) || !text_fits(reason, Software::kMaxBytes, Software::kMaxCharacters)) return false;
  write_code(out, static_cast<std::uint8_t>(family), code, reason);
  return true;
}

Result<AddressErrorCode, DecodeError> AddressErrorCode::decode(const Attribute& attribute, const TransactionId&) {
  auto parsed = read_code(attribute);
  if (!parsed) return failure(parsed.error());
  const std::uint8_t family = parsed.value().first_byte;
  if (family != static_cast<std::uint8_t>(AddressFamily::ipv4) && family != static_cast<std::uint8_t>(AddressFamily::ipv6)) {
    return failure(detail::error_in(attribute, DecodeReason::bad_address_family, family));
  }
  return AddressErrorCode{static_cast<AddressFamily>(family), parsed.value().code, parsed.value().reason};
}

bool UnknownAttributes::add(AttributeType type) {
  for (std::size_t i = 0; i < count; ++i) {
    if (types[i] == type) return true;
  }
  if (count == kCapacity) return false;
  types[count++] = type;
  return true;
}

bool UnknownAttributes::encode(MutableByteSpan out, const TransactionId&) const {
  for (std::size_t i = 0; i < count; ++i) store_u16(out.data() + 2 * i, to_wire(types[i]));
  return true;
}

Result<UnknownAttributes, DecodeError> UnknownAttributes::decode(const Attribute& attribute, const TransactionId&) {
  if (attribute.value.size() % 2 != 0) return failure(detail::bad_length(attribute));
  UnknownAttributes result;
  for (std::size_t i = 0; i + 1 < attribute.value.size() && result.count < kCapacity; i += 2) {
    result.types[result.count++] = static_cast<AttributeType>(load_u16(attribute.value.data() + i));
  }
  return result;
}

UnknownAttributes unknown_comprehension_required(const MessageView& message, const AttributeSet& known) {
  UnknownAttributes unknown;
  for (const Attribute& attribute : message.attributes()) {
    if (is_comprehension_required(attribute.type) && !known.contains(attribute.type)) {
      if (!unknown.add(attribute.type)) break;
    }
  }
  return unknown;
}

}  // namespace iceway::stun
