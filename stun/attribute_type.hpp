#pragma once
// STUN attribute types (IANA "STUN Attributes" registry) and the comprehension rules that
// decide which unknown attributes make a request fail with 420 (RFC 8489 §14, §15).
#include <array>
#include <cstdint>
#include <initializer_list>
#include <string_view>

namespace iceway::stun {

// Any 16-bit value can arrive on the wire; the named ones are those this codec knows.
enum class AttributeType : std::uint16_t {
  // Comprehension-required (0x0000-0x7fff).
  mapped_address = 0x0001,            // RFC 8489 §14.1
  change_request = 0x0003,            // RFC 5780 §7.2
  username = 0x0006,                  // RFC 8489 §14.3
  message_integrity = 0x0008,         // RFC 8489 §14.5
  error_code = 0x0009,                // RFC 8489 §14.8
  unknown_attributes = 0x000A,        // RFC 8489 §14.13
  channel_number = 0x000C,            // RFC 8656 §18.1
  lifetime = 0x000D,                  // RFC 8656 §18.2
  xor_peer_address = 0x0012,          // RFC 8656 §18.3
  data = 0x0013,                      // RFC 8656 §18.4
  realm = 0x0014,                     // RFC 8489 §14.9
  nonce = 0x0015,                     // RFC 8489 §14.10
  xor_relayed_address = 0x0016,       // RFC 8656 §18.5
  requested_address_family = 0x0017,  // RFC 8656 §18.6
  even_port = 0x0018,                 // RFC 8656 §18.7
  requested_transport = 0x0019,       // RFC 8656 §18.8
  dont_fragment = 0x001A,             // RFC 8656 §18.9
  message_integrity_sha256 = 0x001C,  // RFC 8489 §14.6
  password_algorithm = 0x001D,        // RFC 8489 §14.12
  userhash = 0x001E,                  // RFC 8489 §14.4
  xor_mapped_address = 0x0020,        // RFC 8489 §14.2
  reservation_token = 0x0022,         // RFC 8656 §18.10
  priority = 0x0024,                  // RFC 8445 §16.1
  use_candidate = 0x0025,             // RFC 8445 §16.1
  padding = 0x0026,                   // RFC 5780 §7.6
  response_port = 0x0027,             // RFC 5780 §7.5
  connection_id = 0x002A,             // RFC 6062 §6.2.1
  // Comprehension-optional (0x8000-0xffff).
  additional_address_family = 0x8000,  // RFC 8656 §18.11
  address_error_code = 0x8001,         // RFC 8656 §18.12
  password_algorithms = 0x8002,        // RFC 8489 §14.11
  alternate_domain = 0x8003,           // RFC 8489 §14.16
  icmp = 0x8004,                       // RFC 8656 §18.13
  software = 0x8022,                   // RFC 8489 §14.14
  alternate_server = 0x8023,           // RFC 8489 §14.15
  fingerprint = 0x8028,                // RFC 8489 §14.7
  ice_controlled = 0x8029,             // RFC 8445 §16.1
  ice_controlling = 0x802A,            // RFC 8445 §16.1
  response_origin = 0x802B,            // RFC 5780 §7.3
  other_address = 0x802C,              // RFC 5780 §7.4
  mobility_ticket = 0x8030,            // RFC 8016 §3.4
  // ADDITIONAL-ADDRESS-FAMILY under its pre-RFC code point, which coturn's clients up to
  // 4.6.x send (Debian 12's `turnutils_uclient -Z`); Allocate reads it as the RFC one.
  additional_address_family_draft = 0x8032,
};

constexpr std::uint16_t to_wire(AttributeType type) { return static_cast<std::uint16_t>(type); }

// RFC 8489 §15: types 0x0000-0x7FFF are comprehension-required; an agent that does not
// understand one must fail the request (420) or discard the indication.
constexpr bool is_comprehension_required(AttributeType type) { return to_wire(type) < 0x8000; }

// The RFC name ("XOR-MAPPED-ADDRESS"), or "" for a type this codec does not name.
std::string_view name(AttributeType type);

// A set of attribute types, as a 64 Ki-bit map so membership is one load and one test:
// the 420 check runs on every request, and a 64 KiB request can carry 16 Ki attributes.
class AttributeSet {
 public:
  constexpr AttributeSet() = default;
  constexpr AttributeSet(std::initializer_list<AttributeType> types) {
    for (AttributeType type : types) add(type);
  }
  constexpr void add(AttributeType type) {
    words_[to_wire(type) / 64] |= std::uint64_t{1} << (to_wire(type) % 64);
  }
  constexpr bool contains(AttributeType type) const {
    return (words_[to_wire(type) / 64] >> (to_wire(type) % 64)) & 1u;
  }

 private:
  std::array<std::uint64_t, 1024> words_{};
};

// The comprehension-required attributes a STUN Binding server understands: the RFC 8489
// authentication attributes plus the ICE ones a connectivity check carries.
extern const AttributeSet kStunAttributes;
// kStunAttributes plus the RFC 8656 core a TURN server implements: CHANNEL-NUMBER, LIFETIME,
// XOR-PEER-ADDRESS, DATA, XOR-RELAYED-ADDRESS, REQUESTED-ADDRESS-FAMILY, REQUESTED-TRANSPORT.
// EVEN-PORT, RESERVATION-TOKEN, DONT-FRAGMENT and CONNECTION-ID are left out on purpose: a
// server without them must answer 420 (RFC 8656 §7.2, RFC 6062 §5.2), so add each one here
// when its handler does.
extern const AttributeSet kTurnAttributes;

}  // namespace iceway::stun
