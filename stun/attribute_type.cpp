#include "stun/attribute_type.hpp"

namespace iceway::stun {

std::string_view name(AttributeType type) {
  switch (type) {
    case AttributeType::mapped_address: return "MAPPED-ADDRESS";
    case AttributeType::change_request: return "CHANGE-REQUEST";
    case AttributeType::username: return "USERNAME";
    case AttributeType::message_integrity: return "MESSAGE-INTEGRITY";
    case AttributeType::error_code: return "ERROR-CODE";
    case AttributeType::unknown_attributes: return "UNKNOWN-ATTRIBUTES";
    case AttributeType::channel_number: return "CHANNEL-NUMBER";
    case AttributeType::lifetime: return "LIFETIME";
    case AttributeType::xor_peer_address: return "XOR-PEER-ADDRESS";
    case AttributeType::data: return "DATA";
    case AttributeType::realm: return "REALM";
    case AttributeType::nonce: return "NONCE";
    case AttributeType::xor_relayed_address: return "XOR-RELAYED-ADDRESS";
    case AttributeType::requested_address_family: return "REQUESTED-ADDRESS-FAMILY";
    case AttributeType::even_port: return "EVEN-PORT";
    case AttributeType::requested_transport: return "REQUESTED-TRANSPORT";
    case AttributeType::dont_fragment: return "DONT-FRAGMENT";
    case AttributeType::message_integrity_sha256: return "MESSAGE-INTEGRITY-SHA256";
    case AttributeType::password_algorithm: return "PASSWORD-ALGORITHM";
    case AttributeType::userhash: return "USERHASH";
    case AttributeType::xor_mapped_address: return "XOR-MAPPED-ADDRESS";
    case AttributeType::reservation_token: return "RESERVATION-TOKEN";
    case AttributeType::priority: return "PRIORITY";
    case AttributeType::use_candidate: return "USE-CANDIDATE";
    case AttributeType::padding: return "PADDING";
    case AttributeType::response_port: return "RESPONSE-PORT";
    case AttributeType::connection_id: return "CONNECTION-ID";
    case AttributeType::additional_address_family: return "ADDITIONAL-ADDRESS-FAMILY";
    case AttributeType::address_error_code: return "ADDRESS-ERROR-CODE";
    case AttributeType::password_algorithms: return "PASSWORD-ALGORITHMS";
    case AttributeType::alternate_domain: return "ALTERNATE-DOMAIN";
    case AttributeType::icmp: return "ICMP";
    case AttributeType::software: return "SOFTWARE";
    case AttributeType::alternate_server: return "ALTERNATE-SERVER";
    case AttributeType::fingerprint: return "FINGERPRINT";
    case AttributeType::ice_controlled: return "ICE-CONTROLLED";
    case AttributeType::ice_controlling: return "ICE-CONTROLLING";
    case AttributeType::response_origin: return "RESPONSE-ORIGIN";
    case AttributeType::other_address: return "OTHER-ADDRESS";
    case AttributeType::mobility_ticket: return "MOBILITY-TICKET";
    case AttributeType::additional_address_family_draft: return "ADDITIONAL-ADDRESS-FAMILY (0x8032)";
  }
  return "";
}

// CHANGE-REQUEST, PADDING and RESPONSE-PORT (RFC 5780) are deliberately absent: a server that
// does not do NAT behaviour discovery must answer 420 (RFC 5780 §7.2), so only a TURN server
// with turn.alternate_address adds them (turn/dispatch.cpp, stun/nat_behavior.hpp).
const AttributeSet kStunAttributes{
    AttributeType::mapped_address,     AttributeType::username,
    AttributeType::message_integrity,  AttributeType::error_code,
    AttributeType::unknown_attributes, AttributeType::realm,
    AttributeType::nonce,              AttributeType::message_integrity_sha256,
    AttributeType::password_algorithm, AttributeType::userhash,
    AttributeType::xor_mapped_address, AttributeType::priority,
    AttributeType::use_candidate,
};

const AttributeSet kTurnAttributes = [] {
  AttributeSet set = kStunAttributes;
  for (AttributeType type : {AttributeType::channel_number, AttributeType::lifetime, AttributeType::xor_peer_address,
                             AttributeType::data, AttributeType::xor_relayed_address,
                             AttributeType::requested_address_family, AttributeType::requested_transport}) {
    set.add(type);
  }
  return set;
}();

}  // namespace iceway::stun
