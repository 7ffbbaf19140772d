#pragma once
// The long-term credential check of RFC 8489 §9.2.4, done once in dispatch before any
// authenticated handler runs. In order:
//   1. Neither MESSAGE-INTEGRITY nor MESSAGE-INTEGRITY-SHA256: 401 with REALM, a fresh NONCE
//      carrying the security-feature cookie, and PASSWORD-ALGORITHMS (SHA-256, MD5) (the
//      normal first answer; turn/security_features.hpp).
//   2. Integrity without USERNAME (or USERHASH), REALM or NONCE: 400.
//   3. REALM not ours: 401 with a fresh nonce.
//   4. NONCE not valid: 438 with a fresh nonce, both when it is stale and when it is not one
//      of ours for this client address (a nonce without our cookie is not ours). RFC 8489
//      asks for 438 when the nonce "is no longer valid"; a client that gets 438 retries with
//      the new nonce, while a 401 after it sent credentials makes browsers give up. A forged
//      nonce gains nothing: the answer is the same size as a 401 and rate limited the same way.
//   5. Bid-down protection (§9.2.4): PASSWORD-ALGORITHMS and PASSWORD-ALGORITHM both absent
//      is an MD5 client; otherwise both must be present, the list exactly as we sent it and
//      the algorithm one of its entries, or 400.
//   6. USERNAME unknown or its REST expiry passed, or a USERHASH of no static user: 401.
//   7. The integrity attribute (MESSAGE-INTEGRITY-SHA256 when present, full length) does not
//      verify with any key the user may hold (one per active secret, MD5 or SHA-256 as
//      PASSWORD-ALGORITHM says), nor (a request on an existing allocation by its own
//      username) with the key that allocation was created with, whose secret SIGHUP may have
//      rotated out since: 401. The comparison is constant-time (stun/integrity.hpp).
// The answer to an authenticated request uses the attribute and key that verified it.
// Every unauthenticated answer above is charged to the sender's byte budget in dispatch (the
// process-wide SourceRateLimiter); over it, the request is dropped without an answer.
#include <optional>
#include <string>
#include <string_view>

#include "stun/message.hpp"
#include "turn/handlers/context.hpp"

namespace iceway::turn {

struct Authenticated {
  std::string_view username;  // a view into the request
  SessionKey key{};           // the key that verified it: responses are signed with it
  std::string user_id;        // quota and log identity
};

// The authenticated identity, or nullopt with `refusal` set to what to answer. The nonce must
// have been issued to the request's 5-tuple or, when given, to `nonce_client`.
std::optional<Authenticated> authenticate(const stun::MessageView& request, Context& ctx, HandleResult& refusal,
                                          const FiveTuple* nonce_client = nullptr);

}  // namespace iceway::turn
