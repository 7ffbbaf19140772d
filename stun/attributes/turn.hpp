#pragma once
// TURN attributes (RFC 8656 §18; CONNECTION-ID from RFC 6062 §6.2.1; MOBILITY-TICKET from
// RFC 8016 §3.4). Each struct is a typed
// value with encode/decode for MessageBuilder::add and MessageView::get. Fields the RFC calls
// RFFU ("reserved for future use") are written as zero and ignored on receipt.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>

#include "common/endpoint.hpp"
#include "stun/message.hpp"

namespace iceway::stun {

// CHANNEL-NUMBER: the number, then 16 RFFU bits. Range checks belong to ChannelBind
// (RFC 8656 §11.2), which answers 400; see stun/channel_data.hpp.
struct ChannelNumber {
  static constexpr AttributeType kType = AttributeType::channel_number;
  std::uint16_t number = 0;

  std::size_t size() const { return 4; }
  bool encode(MutableByteSpan out, const TransactionId&) const;
  static Result<ChannelNumber, DecodeError> decode(const Attribute& attribute, const TransactionId&);
  friend bool operator==(const ChannelNumber&, const ChannelNumber&) = default;
};

// LIFETIME: seconds until the allocation expires.
struct Lifetime {
  static constexpr AttributeType kType = AttributeType::lifetime;
  std::uint32_t seconds = 0;

  std::size_t size() const { return 4; }
  bool encode(MutableByteSpan out, const TransactionId&) const;
  static Result<Lifetime, DecodeError> decode(const Attribute& attribute, const TransactionId&);
  friend bool operator==(const Lifetime&, const Lifetime&) = default;
};

// DATA: the application bytes of a Send or Data indication (a view into the message).
struct Data {
  static constexpr AttributeType kType = AttributeType::data;
  ByteSpan bytes;

  std::size_t size() const { return bytes.size(); }
  bool encode(MutableByteSpan out, const TransactionId&) const;
  static Result<Data, DecodeError> decode(const Attribute& attribute, const TransactionId&);
  friend bool operator==(const Data& a, const Data& b) {
    return std::ranges::equal(a.bytes, b.bytes);
  }
};

// REQUESTED-TRANSPORT: an IANA protocol number, then 24 RFFU bits. RFC 8656 relays UDP (17);
// RFC 6062 adds TCP (6). Other values are decoded as they are; Allocate answers 442.
struct RequestedTransport {
  static constexpr AttributeType kType = AttributeType::requested_transport;
  static constexpr std::uint8_t kUdp = 17;
  static constexpr std::uint8_t kTcp = 6;
  std::uint8_t protocol = kUdp;

  std::size_t size() const { return 4; }
  bool encode(MutableByteSpan out, const TransactionId&) const;
  static Result<RequestedTransport, DecodeError> decode(const Attribute& attribute, const TransactionId&);
  friend bool operator==(const RequestedTransport&, const RequestedTransport&) = default;
};

// REQUESTED-ADDRESS-FAMILY (RFC 8656 §18.6) and ADDITIONAL-ADDRESS-FAMILY (§18.11): a family
// byte (0x01 IPv4, 0x02 IPv6), then 24 RFFU bits. Another family byte decodes as
// DecodeReason::bad_address_family, which Allocate answers with 440 (RFC 8656 §7.2).
template <AttributeType Type>
struct FamilyAttribute {
  static constexpr AttributeType kType = Type;
  AddressFamily family = AddressFamily::ipv4;

  std::size_t size() const { return 4; }
  bool encode(MutableByteSpan out, const TransactionId&) const;
  static Result<FamilyAttribute, DecodeError> decode(const Attribute& attribute, const TransactionId&);
  friend bool operator==(const FamilyAttribute&, const FamilyAttribute&) = default;
};
using RequestedAddressFamily = FamilyAttribute<AttributeType::requested_address_family>;
using AdditionalAddressFamily = FamilyAttribute<AttributeType::additional_address_family>;
using AdditionalAddressFamilyDraft = FamilyAttribute<AttributeType::additional_address_family_draft>;

// EVEN-PORT: one byte whose top bit (R) asks the server to reserve the next port too.
struct EvenPort {
  static constexpr AttributeType kType = AttributeType::even_port;
  bool reserve_next = false;

  std::size_t size() const { return 1; }
  bool encode(MutableByteSpan out, const TransactionId&) const;
  static Result<EvenPort, DecodeError> decode(const Attribute& attribute, const TransactionId&);
  friend bool operator==(const EvenPort&, const EvenPort&) = default;
};

// RESERVATION-TOKEN: 8 opaque bytes naming a reserved relay port.
struct ReservationToken {
  static constexpr AttributeType kType = AttributeType::reservation_token;
  std::array<std::byte, 8> token{};

  std::size_t size() const { return token.size(); }
  bool encode(MutableByteSpan out, const TransactionId&) const;
  static Result<ReservationToken, DecodeError> decode(const Attribute& attribute, const TransactionId&);
  friend bool operator==(const ReservationToken&, const ReservationToken&) = default;
};

// DONT-FRAGMENT: no value; its presence asks for the DF bit on relayed packets.
struct DontFragment {
  static constexpr AttributeType kType = AttributeType::dont_fragment;

  std::size_t size() const { return 0; }
  bool encode(MutableByteSpan, const TransactionId&) const { return true; }
  static Result<DontFragment, DecodeError> decode(const Attribute& attribute, const TransactionId&);
  friend bool operator==(const DontFragment&, const DontFragment&) = default;
};

// ICMP (RFC 8656 §18.13): 16 reserved bits, the ICMP type and code, 32 bits of error data
// (the next-hop MTU for "fragmentation needed"); in Data indications.
struct Icmp {
  static constexpr AttributeType kType = AttributeType::icmp;
  std::uint8_t type = 0;
  std::uint8_t code = 0;
  std::uint32_t error_data = 0;

  std::size_t size() const { return 8; }
  bool encode(MutableByteSpan out, const TransactionId&) const;
  static Result<Icmp, DecodeError> decode(const Attribute& attribute, const TransactionId&);
  friend bool operator==(const Icmp&, const Icmp&) = default;
};

// CONNECTION-ID (RFC 6062 §6.2.1): the server's 32-bit handle for a peer TCP connection.
struct ConnectionId {
  static constexpr AttributeType kType = AttributeType::connection_id;
  std::uint32_t id = 0;

  std::size_t size() const { return 4; }
  bool encode(MutableByteSpan out, const TransactionId&) const;
  static Result<ConnectionId, DecodeError> decode(const Attribute& attribute, const TransactionId&);
  friend bool operator==(const ConnectionId&, const ConnectionId&) = default;
};

// MOBILITY-TICKET (RFC 8016 §3.4): empty in an Allocate that asks for mobility; otherwise an
// opaque ticket the server issued, which a Refresh from a new address carries back. Up to
// kMaxSize bytes: iceway's own tickets are 32, and coturn's clients keep a ticket in a
// 33-byte C string, so no server's ticket can be longer for them.
struct MobilityTicket {
  static constexpr AttributeType kType = AttributeType::mobility_ticket;
  static constexpr std::size_t kMaxSize = 32;
  std::array<std::byte, kMaxSize> bytes{};
  std::uint8_t length = 0;

  ByteSpan value() const { return ByteSpan(bytes.data(), length); }
  bool empty() const { return length == 0; }
  std::size_t size() const { return length; }
  bool encode(MutableByteSpan out, const TransactionId&) const;
  static Result<MobilityTicket, DecodeError> decode(const Attribute& attribute, const TransactionId&);
  friend bool operator==(const MobilityTicket&, const MobilityTicket&) = default;
};

}  // namespace iceway::stun
