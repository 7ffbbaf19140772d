#pragma once
// The address family of attributes (RFC 8489 §14.1, §14.2; RFC 8656 §18.3, §18.5;
// RFC 5780 §7.3, §7.4): a family byte, a port and an IPv4 or IPv6 address.
//
// Plain form (MAPPED-ADDRESS, ALTERNATE-SERVER, RESPONSE-ORIGIN, OTHER-ADDRESS) and XOR form
// (XOR-MAPPED-ADDRESS, XOR-PEER-ADDRESS, XOR-RELAYED-ADDRESS): the port is XORed with the top
// 16 bits of the magic cookie, an IPv4 address with the cookie, an IPv6 address with the
// cookie followed by the transaction id, so NATs that rewrite addresses in payloads leave it
// alone (RFC 8489 §14.2).
#include <cstddef>

#include "common/endpoint.hpp"
#include "stun/message.hpp"

namespace iceway::stun {

// 8 bytes for IPv4, 20 for IPv6.
std::size_t encoded_address_size(const Endpoint& endpoint);
// `out` has exactly encoded_address_size(endpoint) bytes.
void encode_address(const Endpoint& endpoint, MutableByteSpan out);
void encode_xor_address(const Endpoint& endpoint, const TransactionId& transaction_id, MutableByteSpan out);
// Checks the family (1 or 2) and that the length fits it.
Result<Endpoint, DecodeError> decode_address(const Attribute& attribute);
Result<Endpoint, DecodeError> decode_xor_address(const Attribute& attribute, const TransactionId& transaction_id);

template <AttributeType Type>
struct AddressAttribute {
  static constexpr AttributeType kType = Type;
  Endpoint endpoint;

  std::size_t size() const { return encoded_address_size(endpoint); }
  bool encode(MutableByteSpan out, const TransactionId&) const {
    encode_address(endpoint, out);
    return true;
  }
  static Result<AddressAttribute, DecodeError> decode(const Attribute& attribute, const TransactionId&) {
    auto endpoint = decode_address(attribute);
    if (!endpoint) return failure(endpoint.error());
    return AddressAttribute{endpoint.value()};
  }
  friend bool operator==(const AddressAttribute&, const AddressAttribute&) = default;
};

template <AttributeType Type>
struct XorAddressAttribute {
  static constexpr AttributeType kType = Type;
  Endpoint endpoint;

  std::size_t size() const { return encoded_address_size(endpoint); }
  bool encode(MutableByteSpan out, const TransactionId& transaction_id) const {
    encode_xor_address(endpoint, transaction_id, out);
    return true;
  }
  static Result<XorAddressAttribute, DecodeError> decode(const Attribute& attribute,
                                                         const TransactionId& transaction_id) {
    auto endpoint = decode_xor_address(attribute, transaction_id);
    if (!endpoint) return failure(endpoint.error());
    return XorAddressAttribute{endpoint.value()};
  }
  friend bool operator==(const XorAddressAttribute&, const XorAddressAttribute&) = default;
};

using MappedAddress = AddressAttribute<AttributeType::mapped_address>;
using AlternateServer = AddressAttribute<AttributeType::alternate_server>;
using ResponseOrigin = AddressAttribute<AttributeType::response_origin>;
using OtherAddress = AddressAttribute<AttributeType::other_address>;
using XorMappedAddress = XorAddressAttribute<AttributeType::xor_mapped_address>;
using XorPeerAddress = XorAddressAttribute<AttributeType::xor_peer_address>;
using XorRelayedAddress = XorAddressAttribute<AttributeType::xor_relayed_address>;

}  // namespace iceway::stun
