#include "stun/attributes/turn.hpp"

#include <cstring>

#include "stun/attributes/detail.hpp"

namespace iceway::stun {

namespace {

// Writes a u32 value, or a leading byte followed by three zero bytes (RFFU).
void write_leading_byte(MutableByteSpan out, std::uint8_t value) {
  out[0] = std::byte{value};
  out[1] = out[2] = out[3] = std::byte{0};
}

}  // namespace

bool ChannelNumber::encode(MutableByteSpan out, const TransactionId&) const {
  store_u16(out.data(), number);
  store_u16(out.data() + 2, 0);
  return true;
}

Result<ChannelNumber, DecodeError> ChannelNumber::decode(const Attribute& attribute, const TransactionId&) {
  if (attribute.value.size() != 4) return failure(detail::bad_length(attribute));
  return ChannelNumber{load_u16(attribute.value.data())};
}

bool Lifetime::encode(MutableByteSpan out, const TransactionId&) const {
  store_u32(out.data(), seconds);
  return true;
}

Result<Lifetime, DecodeError> Lifetime::decode(const Attribute& attribute, const TransactionId&) {
  if (attribute.value.size() != 4) return failure(detail::bad_length(attribute));
  return Lifetime{load_u32(attribute.value.data())};
}

bool Data::encode(MutableByteSpan out, const TransactionId&) const {
  if (!bytes.empty()) std::memcpy(out.data(), bytes.data(), bytes.size());
  return true;
}

Result<Data, DecodeError> Data::decode(const Attribute& attribute, const TransactionId&) {
  return Data{attribute.value};
}

bool RequestedTransport::encode(MutableByteSpan out, const TransactionId&) const {
  write_leading_byte(out, protocol);
  return true;
}

Result<RequestedTransport, DecodeError> RequestedTransport::decode(const Attribute& attribute, const TransactionId&) {
  if (attribute.value.size() != 4) return failure(detail::bad_length(attribute));
  return RequestedTransport{detail::byte_at(attribute.value, 0)};
}

template <AttributeType Type>
bool FamilyAttribute<Type>::encode(MutableByteSpan out, const TransactionId&) const {
  write_leading_byte(out, static_cast<std::uint8_t>(family));
  return true;
}

template <AttributeType Type>
Result<FamilyAttribute<Type>, DecodeError> FamilyAttribute<Type>::decode(const Attribute& attribute,
                                                                         const TransactionId&) {
  if (attribute.value.size() != 4) return failure(detail::bad_length(attribute));
  const std::uint8_t family = detail::byte_at(attribute.value, 0);
  if (family != static_cast<std::uint8_t>(AddressFamily::ipv4) && family != static_cast<std::uint8_t>(AddressFamily::ipv6)) {
    return failure(detail::error_in(attribute, DecodeReason::bad_address_family, family));
  }
  return FamilyAttribute{static_cast<AddressFamily>(family)};
}

template struct FamilyAttribute<AttributeType::requested_address_family>;
template struct FamilyAttribute<AttributeType::additional_address_family>;
template struct FamilyAttribute<AttributeType::additional_address_family_draft>;

bool EvenPort::encode(MutableByteSpan out, const TransactionId&) const {
  out[0] = reserve_next ? std::byte{0x80} : std::byte{0};
  return true;
}

Result<EvenPort, DecodeError> EvenPort::decode(const Attribute& attribute, const TransactionId&) {
  if (attribute.value.size() != 1) return failure(detail::bad_length(attribute));
  return EvenPort{(detail::byte_at(attribute.value, 0) & 0x80u) != 0};
}

bool ReservationToken::encode(MutableByteSpan out, const TransactionId&) const {
  std::memcpy(out.data(), token.data(), token.size());
  return true;
}

Result<ReservationToken, DecodeError> ReservationToken::decode(const Attribute& attribute, const TransactionId&) {
  if (attribute.value.size() != 8) return failure(detail::bad_length(attribute));
  ReservationToken result;
  std::memcpy(result.token.data(), attribute.value.data(), result.token.size());
  return result;
}

Result<DontFragment, DecodeError> DontFragment::decode(const Attribute& attribute, const TransactionId&) {
  if (!attribute.value.empty()) return failure(detail::bad_length(attribute));
  return DontFragment{};
}

bool Icmp::encode(MutableByteSpan out, const TransactionId&) const {
  store_u16(out.data(), 0);
  out[2] = std::byte{type};
  out[3] = std::byte{code};
  store_u32(out.data() + 4, error_data);
  return true;
}

Result<Icmp, DecodeError> Icmp::decode(const Attribute& attribute, const TransactionId&) {
  if (attribute.value.size() != 8) return failure(detail::bad_length(attribute));
  return Icmp{detail::byte_at(attribute.value, 2), detail::byte_at(attribute.value, 3),
              load_u32(attribute.value.data() + 4)};
}

bool ConnectionId::encode(MutableByteSpan out, const TransactionId&) const {
  store_u32(out.data(), id);
  return true;
}

Result<ConnectionId, DecodeError> ConnectionId::decode(const Attribute& attribute, const TransactionId&) {
  if (attribute.value.size() != 4) return failure(detail::bad_length(attribute));
  return ConnectionId{load_u32(attribute.value.data())};
}

bool MobilityTicket::encode(MutableByteSpan out, const TransactionId&) const {
  std::memcpy(out.data(), bytes.data(), length);
  return true;
}

Result<MobilityTicket, DecodeError> MobilityTicket::decode(const Attribute& attribute, const TransactionId&) {
  if (attribute.value.size() > kMaxSize) return failure(detail::bad_length(attribute));
  MobilityTicket result;
  std::memcpy(result.bytes.data(), attribute.value.data(), attribute.value.size());
  result.length = static_cast<std::uint8_t>(attribute.value.size());
  return result;
}

}  // namespace iceway::stun
