#pragma once
// Every typed STUN/TURN attribute, one family per header under stun/attributes/.
#include "stun/attributes/address.hpp"     // MAPPED-, XOR-MAPPED-, XOR-PEER-, XOR-RELAYED-ADDRESS, ...
#include "stun/attributes/error_code.hpp"  // ERROR-CODE, UNKNOWN-ATTRIBUTES, ADDRESS-ERROR-CODE
#include "stun/attributes/ice.hpp"         // PRIORITY, USE-CANDIDATE, ICE-CONTROLLED/-CONTROLLING
#include "stun/attributes/security.hpp"    // MESSAGE-INTEGRITY(-SHA256), FINGERPRINT, PASSWORD-*, USERHASH
#include "stun/attributes/text.hpp"        // USERNAME, REALM, NONCE, SOFTWARE
#include "stun/attributes/turn.hpp"        // LIFETIME, DATA, CHANNEL-NUMBER, REQUESTED-*, EVEN-PORT, ...
