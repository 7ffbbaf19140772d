#include "turn/auth.hpp"

#include "stun/attributes/text.hpp"
#include "stun/integrity.hpp"
#include "turn/handlers/response.hpp"

namespace iceway::turn {
namespace {

// The unauthenticated answer; dispatch charges it to the source's budget before it is sent.
HandleResult refuse(const stun::MessageView& request, Context& ctx, stun::ErrorCode code,
                    std::optional<AuthFailure> reason) {
  HandleResult answer = code == stun::ErrorCode::bad_request ? plain_error_response(request, code, ctx)
                                                             : challenge_response(request, code, ctx);
  answer.auth_failure = reason;
  return answer;
}

template <class T>
std::optional<std::string_view> text(const stun::MessageView& request) {
  auto value = request.get<T>();
  if (!value || !value.value()) return std::nullopt;
  return value.value()->value;
}

}  // namespace

std::optional<Authenticated> authenticate(const stun::MessageView& request, Context& ctx, HandleResult& refusal) {
  // RFC 8489 §9.2.4 step 1: no MESSAGE-INTEGRITY, the challenge (not counted as a failure).
  if (!request.message_integrity()) {
    refusal = refuse(request, ctx, stun::ErrorCode::unauthenticated, std::nullopt);
    return std::nullopt;
  }
  // Step 2: the attributes the check needs.
  const auto username = text<stun::Username>(request);
  const auto realm = text<stun::Realm>(request);
  const auto nonce = text<stun::Nonce>(request);
  if (!username || !realm || !nonce) {
    refusal = refuse(request, ctx, stun::ErrorCode::bad_request, AuthFailure::missing_attributes);
    return std::nullopt;
  }
  if (*realm != ctx.settings.realm) {
    refusal = refuse(request, ctx, stun::ErrorCode::unauthenticated, AuthFailure::wrong_realm);
    return std::nullopt;
  }
  // Step 3 (RFC 8489 §9.2.4 "If the NONCE is no longer valid"): see auth.hpp for why an
  // invalid nonce is 438 too.
  const NonceCheck nonce_check = ctx.nonces.check(*nonce, ctx.five_tuple.client, ctx.five_tuple.transport, ctx.now);
  if (nonce_check == NonceCheck::stale) {
    // The normal renewal: every allocation that lives past auth.nonce_lifetime meets it.
    refusal = refuse(request, ctx, stun::ErrorCode::stale_nonce, std::nullopt);
    refusal.stale_nonce = true;
    return std::nullopt;
  }
  if (nonce_check != NonceCheck::ok) {
    refusal = refuse(request, ctx, stun::ErrorCode::stale_nonce, AuthFailure::invalid_nonce);
    return std::nullopt;
  }
  // Step 4: the username.
  auto keys = ctx.credentials.keys_for(*username, ctx.now_unix);
  if (!keys) {
    refusal = refuse(request, ctx, stun::ErrorCode::unauthenticated,
                     keys.error() == CredentialError::expired_username ? AuthFailure::expired_username
                                                                        : AuthFailure::unknown_user);
    return std::nullopt;
  }
  // Step 5: MESSAGE-INTEGRITY, against every key the user may hold (secret rotation).
  for (const auto& key : keys.value().keys) {
    if (stun::verify_message_integrity(request, key)) {
      return Authenticated{*username, key, std::move(keys).value().user_id};
    }
  }
  // An allocation keeps the key its Allocate verified with: a secret that SIGHUP rotated out
  // refuses new allocations, but the refreshes, permissions and channels of a live one still
  // verify (SPEC §3: a reload drops no allocation; coturn keeps each session's key likewise).
  // Only on the allocation's own 5-tuple and username, and the REST expiry checked in step 4
  // still bounds how long that lasts.
  if (const Allocation* allocation = ctx.table.find(ctx.five_tuple);
      allocation != nullptr && allocation->username == *username &&
      stun::verify_message_integrity(request, allocation->key)) {
    return Authenticated{*username, allocation->key, allocation->user_id};
  }
  refusal = refuse(request, ctx, stun::ErrorCode::unauthenticated, AuthFailure::bad_integrity);
  return std::nullopt;
}

}  // namespace iceway::turn
