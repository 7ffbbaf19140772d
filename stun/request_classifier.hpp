#pragma once
// What to do with bytes that arrived on a STUN port, decided in one place (RFC 8489 §6.3).
// Every received datagram or stream frame that is not ChannelData goes through
// classify_request() before any handler runs, so the silent drops, the 400s and the 420s are
// the same for Binding and for every TURN method.
//
// The decision table, in order:
//
//   input                                                   verdict
//   ------------------------------------------------------  ----------------------------------
//   fewer than 20 bytes, or first two bits not 00           drop (not_stun)
//   no magic cookie (RFC 3489 or garbage)                   drop (classic_stun)
//   success or error response (we send no requests)         drop (response)
//   length not a multiple of 4 or not the datagram size     drop (malformed_header)  §6.3
//   request or indication whose attributes do not parse     drop (malformed)         §6.3
//   FINGERPRINT present and wrong                           drop (bad_fingerprint)   §6.3
//   Binding indication (a keepalive)                        drop (keepalive)         §6.3.2
//   request or indication of a method not handled           drop (unknown_method)    §6.3
//   indication with unknown comprehension-required attrs    drop (unknown_attributes) §6.3.2
//   request with unknown comprehension-required attrs       unknown_attributes: answer 420
//   Binding request                                         binding: answer success
//   request of a handled method                             request: the method's handler
//   indication of a handled method                          indication: the method's handler
//
// RFC 8489 §6.3 lets a server discard silently a message that fails its checks (a sensible
// length, a supported method), so malformed requests and unknown methods get no 400: over
// UDP the sender may be a forged address, and an answer would only reflect traffic onto it
// (issue 11, finding 5). Only the answers the RFC requires are sent: 420 (§6.3.1) and the
// Binding success.
//
// The answers build_automatic_response() writes (420, Binding success) go to
// unauthenticated senders, so they carry only ERROR-CODE or the mapped addresses, at most 16
// UNKNOWN-ATTRIBUTES entries, SOFTWARE if asked for and FINGERPRINT: a small fixed bound
// (SPEC §9).
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "common/bytes.hpp"
#include "common/endpoint.hpp"
#include "common/result.hpp"
#include "stun/attribute_type.hpp"
#include "stun/attributes/error_code.hpp"
#include "stun/decode_error.hpp"
#include "stun/message.hpp"
#include "stun/message_builder.hpp"

namespace iceway::stun {

enum class Verdict : std::uint8_t {
  drop,                // say nothing
  unknown_attributes,  // answer 420 with UNKNOWN-ATTRIBUTES
  binding,             // answer with the Binding success response
  request,             // a well-formed request for one of the server's handlers
  indication,          // a well-formed indication for one of the server's handlers
};

enum class DropReason : std::uint8_t {
  none,
  not_stun,
  classic_stun,
  response,
  malformed_header,
  malformed,
  bad_fingerprint,
  keepalive,
  unknown_method,
  unknown_attributes,
};

// Metric labels: "binding", "drop", ...; "not_stun", ...
std::string_view to_string(Verdict verdict);
std::string_view to_string(DropReason reason);

// What the server handles besides Binding. The defaults describe a STUN-only server; the
// TURN server lists its methods and the attributes it understands.
struct ServerCapabilities {
  const AttributeSet* known_attributes = &kStunAttributes;
  std::span<const Method> request_methods;     // besides Binding, which is always handled
  std::span<const Method> indication_methods;  // e.g. Send
};

struct Classification {
  Verdict verdict = Verdict::drop;
  DropReason drop_reason = DropReason::none;
  // From the header whenever it was readable (not for not_stun or classic_stun drops): what
  // a 400 must echo even when the attributes did not parse.
  MessageType type;
  TransactionId transaction_id;
  // For binding, request, indication and unknown_attributes: the parsed message, a view into
  // the bytes given to classify_request (valid as long as they are).
  std::optional<MessageView> message;
  // For malformed* and bad_fingerprint: what was wrong (for logs).
  std::optional<DecodeError> error;
  // For unknown_attributes: what to list in the 420.
  UnknownAttributes unknown;
};

Classification classify_request(ByteSpan bytes, const ServerCapabilities& capabilities = {});

// What an automatic answer carries beyond what the RFC requires: SOFTWARE (RFC 8489 §14.14,
// diagnostic only) and, in a Binding success, MAPPED-ADDRESS (for RFC 3489-era clients).
enum class Extras : std::uint8_t { none, all };

// The automatic answer for an unknown_attributes (420) or binding verdict,
// written into `out`; an empty span for the other verdicts (nothing to send). `source` is
// the sender's address (for XOR-MAPPED-ADDRESS), `software` our SOFTWARE value ("" to omit).
Result<ByteSpan, BuildError> build_automatic_response(const Classification& classification, const Endpoint& source,
                                                      std::string_view software, MutableByteSpan out,
                                                      Extras extras = Extras::all);

}  // namespace iceway::stun
