#pragma once
// Writing TURN responses into the caller's buffer (Context::out). Two kinds:
//   - answers to authenticated requests: the attributes, SOFTWARE, MESSAGE-INTEGRITY under
//     the key that verified the request (RFC 8489 §9.2.4), FINGERPRINT;
//   - answers to unauthenticated requests (401, 438, 400 from the auth step): ERROR-CODE,
//     REALM and NONCE where the RFC needs them, FINGERPRINT, and nothing else, so they stay
//     under a small fixed size (SPEC §9: no amplification).
#include <cstddef>
#include <functional>
#include <string_view>

#include "stun/attributes/error_code.hpp"
#include "stun/message.hpp"
#include "stun/message_builder.hpp"
#include "turn/handlers/context.hpp"
#include "turn/security_features.hpp"

namespace iceway::turn {

// The largest unauthenticated answer for a realm of `realm_size` bytes: header, ERROR-CODE
// ("Unauthenticated"/"Stale Nonce"), REALM, NONCE (the security-feature cookie and at most
// NonceIssuer::kMaxLength bytes), PASSWORD-ALGORITHMS (RFC 8489 §9.2.4), FINGERPRINT.
// 132 bytes with the default realm "iceway".
constexpr std::size_t max_unauthenticated_response_size(std::size_t realm_size) {
  auto attribute = [](std::size_t value) { return 4 + ((value + 3) & ~std::size_t{3}); };
  return stun::kHeaderSize + attribute(4 + 15) + attribute(realm_size) +
         attribute(kNonceCookie.size() + NonceIssuer::kMaxLength) +
         attribute(stun::PasswordAlgorithms::kSha256AndMd5.size()) + 8;
}

// A success response to an authenticated request; `add` writes the method's attributes.
HandleResult success_response(const stun::MessageView& request, const SessionKey& key, Context& ctx,
                              const std::function<void(stun::MessageBuilder&)>& add = {});

// An error response to an authenticated request (MESSAGE-INTEGRITY under `key`), with
// UNKNOWN-ATTRIBUTES when `unknown` is given (420).
HandleResult error_response(const stun::MessageView& request, stun::ErrorCode code, const SessionKey& key,
                            Context& ctx, const stun::UnknownAttributes* unknown = nullptr);

// 300 Try Alternate to an authenticated request (RFC 8489 §10): ALTERNATE-SERVER names
// `alternate`, and MESSAGE-INTEGRITY under `key` lets the client trust the redirect.
HandleResult try_alternate_response(const stun::MessageView& request, const Endpoint& alternate,
                                    const SessionKey& key, Context& ctx);

// 401 or 438 with REALM and a fresh NONCE for this client (RFC 8489 §9.2.4), unauthenticated.
HandleResult challenge_response(const stun::MessageView& request, stun::ErrorCode code, Context& ctx);

// A bare unauthenticated error (400 from the auth step): ERROR-CODE and FINGERPRINT.
HandleResult plain_error_response(const stun::MessageView& request, stun::ErrorCode code, Context& ctx);

}  // namespace iceway::turn
