#pragma once
// Everything a client sends on a TURN port goes through dispatch(): one table from
// (class, method) to handler, and the steps every method shares, in order:
//   1. ChannelData (first two bits 01) goes to the relay path.
//   2. stun::classify_request decides drops (malformed requests and unknown methods among
//      them, RFC 8489 §6.3) and 420s (unknown comprehension-required attributes) for every
//      method in one place, and answers Binding.
//   3. A retransmitted request (same 5-tuple, transaction id and method within 40 s) gets
//      the cached answer, before anything else runs (RFC 8656 §7.2, RFC 8489 §6.3.1).
//   4. Requests are authenticated (turn/auth.hpp: 401, 438, 400).
//   5. Every method but Allocate needs the 5-tuple's allocation: 437 for requests, silence
//      for indications (RFC 8656 §5); and its creator's USERNAME: 441.
//   6. The method's handler.
//   7. Authenticated answers are cached for step 3; every unauthenticated answer is charged
//      to its source's byte budget (SourceRateLimiter) and dropped over it; everything is
//      counted.
#include "common/bytes.hpp"
#include "stun/attribute_type.hpp"
#include "stun/request_classifier.hpp"
#include "turn/handlers/context.hpp"
#include "turn/retransmit_cache.hpp"

namespace iceway::turn {

// The comprehension-required attributes the TURN server understands: stun::kTurnAttributes
// plus DONT-FRAGMENT, EVEN-PORT and RESERVATION-TOKEN, which Allocate handles, and CONNECTION-ID
// (ConnectionBind, RFC 6062). Anything else
// comprehension-required gets 420 before a handler runs.
const stun::AttributeSet& turn_attributes();
// What classify_request needs to know about us; `nat_behavior` adds RFC 5780's attributes.
const stun::ServerCapabilities& turn_capabilities(bool nat_behavior = false);

HandleResult dispatch(ByteSpan bytes, Context& ctx, RetransmitCache& retransmits);

}  // namespace iceway::turn
