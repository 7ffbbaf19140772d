#include "stun/attributes/address.hpp"

#include <array>

#include "stun/attributes/detail.hpp"

namespace iceway::stun {

namespace {

constexpr std::uint8_t kFamilyIpv4 = 0x01;
constexpr std::uint8_t kFamilyIpv6 = 0x02;

// The XOR pad for the address bytes: the cookie, then (IPv6) the transaction id.
std::array<std::uint8_t, 16> xor_pad(const TransactionId& transaction_id) {
  std::array<std::uint8_t, 16> pad{};
  pad[0] = static_cast<std::uint8_t>(kMagicCookie >> 24);
  pad[1] = static_cast<std::uint8_t>(kMagicCookie >> 16);
  pad[2] = static_cast<std::uint8_t>(kMagicCookie >> 8);
  pad[3] = static_cast<std::uint8_t>(kMagicCookie);
  for (std::size_t i = 0; i < kTransactionIdSize; ++i) pad[4 + i] = std::to_integer<std::uint8_t>(transaction_id.bytes[i]);
  return pad;
}

void write(const Endpoint& endpoint, MutableByteSpan out, const std::array<std::uint8_t, 16>* pad) {
  const IpAddress& address = endpoint.address;
  out[0] = std::byte{0};
  out[1] = std::byte{address.is_v4() ? kFamilyIpv4 : kFamilyIpv6};
  const std::uint16_t port_mask = pad ? static_cast<std::uint16_t>(kMagicCookie >> 16) : 0;
  store_u16(out.data() + 2, static_cast<std::uint16_t>(endpoint.port ^ port_mask));
  for (std::size_t i = 0; i < address.size(); ++i) {
    out[4 + i] = std::byte(address.bytes()[i] ^ (pad ? (*pad)[i] : 0));
  }
}

Result<Endpoint, DecodeError> read(const Attribute& attribute, const std::array<std::uint8_t, 16>* pad) {
  const ByteSpan value = attribute.value;
  if (value.size() < 4) return failure(detail::bad_length(attribute));
  const std::uint8_t family = detail::byte_at(value, 1);
  std::size_t address_size = 0;
  if (family == kFamilyIpv4) {
    address_size = 4;
  } else if (family == kFamilyIpv6) {
    address_size = 16;
  } else {
    return failure(detail::error_in(attribute, DecodeReason::bad_address_family, family));
  }
  if (value.size() != 4 + address_size) return failure(detail::bad_length(attribute));
  // RFC 8489 §14.1: the first byte is zero on send and ignored on receipt.
  const std::uint16_t port_mask = pad ? static_cast<std::uint16_t>(kMagicCookie >> 16) : 0;
  Endpoint endpoint;
  endpoint.port = static_cast<std::uint16_t>(load_u16(value.data() + 2) ^ port_mask);
  std::array<std::uint8_t, 16> bytes{};
  for (std::size_t i = 0; i < address_size; ++i) {
    bytes[i] = static_cast<std::uint8_t>(detail::byte_at(value, 4 + i) ^ (pad ? (*pad)[i] : 0));
  }
  endpoint.address = address_size == 4 ? IpAddress::v4(std::array<std::uint8_t, 4>{bytes[0], bytes[1], bytes[2], bytes[3]})
                                       : IpAddress::v6(bytes);
  return endpoint;
}

}  // namespace

std::size_t encoded_address_size(const Endpoint& endpoint) { return 4 + endpoint.address.size(); }

void encode_address(const Endpoint& endpoint, MutableByteSpan out) { write(endpoint, out, nullptr); }

void encode_xor_address(const Endpoint& endpoint, const TransactionId& transaction_id, MutableByteSpan out) {
  const auto pad = xor_pad(transaction_id);
  write(endpoint, out, &pad);
}

Result<Endpoint, DecodeError> decode_address(const Attribute& attribute) { return read(attribute, nullptr); }

Result<Endpoint, DecodeError> decode_xor_address(const Attribute& attribute, const TransactionId& transaction_id) {
  const auto pad = xor_pad(transaction_id);
  return read(attribute, &pad);
}

}  // namespace iceway::stun
