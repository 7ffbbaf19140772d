#include "turn/auth.hpp"

#include "stun/attributes/text.hpp"
#include "stun/integrity.hpp"
#include "stun/attributes/security.hpp"
#include "turn/handlers/response.hpp"
#include "turn/security_features.hpp"

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

std::optional<Authenticated> authenticate(const stun::MessageView& request, Context& ctx, HandleResult& refusal,
                                          const FiveTuple* nonce_client) {
  auto refuse_with = [&](stun::ErrorCode code, std::optional<AuthFailure> reason) {
    refusal = refuse(request, ctx, code, reason);
    return std::nullopt;
  };
  // RFC 8489 §9.2.4 step 1: neither integrity attribute, the challenge (not a failure).
  const bool sha256_integrity = request.message_integrity_sha256().has_value();
  if (!request.message_integrity() && !sha256_integrity) return refuse_with(stun::ErrorCode::unauthenticated, std::nullopt);
  // Step 2: the attributes the check needs; USERHASH may stand for USERNAME (§14.4).
  const auto username = text<stun::Username>(request);
  const auto userhash = request.get<stun::UserHash>();
  const auto realm = text<stun::Realm>(request);
  const auto nonce = text<stun::Nonce>(request);
  const bool has_userhash = userhash && userhash.value();
  if ((!username && !has_userhash) || !userhash || !realm || !nonce) {
    return refuse_with(stun::ErrorCode::bad_request, AuthFailure::missing_attributes);
  }
  if (*realm != ctx.settings.realm) return refuse_with(stun::ErrorCode::unauthenticated, AuthFailure::wrong_realm);
  // Step 3 (RFC 8489 §9.2.4 "If the NONCE is no longer valid"): see auth.hpp for why an
  // invalid nonce is 438 too. Every nonce we issue starts with the security-feature cookie
  // (turn/security_features.hpp); one without it is not ours.
  auto check_nonce = [&](const FiveTuple& issued_to) {
    return nonce->starts_with(kNonceCookie)
               ? ctx.nonces.check(nonce->substr(kNonceCookie.size()), issued_to.client, issued_to.transport, ctx.now_unix)
               : NonceCheck::invalid;
  };
  NonceCheck nonce_check = check_nonce(ctx.five_tuple);
  if (nonce_check == NonceCheck::invalid && nonce_client != nullptr) nonce_check = check_nonce(*nonce_client);
  if (nonce_check == NonceCheck::stale) {
    // The normal renewal: every allocation that lives past auth.nonce_lifetime meets it.
    refuse_with(stun::ErrorCode::stale_nonce, std::nullopt);
    refusal.stale_nonce = true;
    return std::nullopt;
  }
  if (nonce_check != NonceCheck::ok) return refuse_with(stun::ErrorCode::stale_nonce, AuthFailure::invalid_nonce);
  // Step 4, the bid-down protection of §9.2.4 (our nonce has the "Password algorithms"
  // bit): neither PASSWORD-ALGORITHMS nor PASSWORD-ALGORITHM is an MD5 client (every RFC
  // 5389 client, every browser). Otherwise both must be there, PASSWORD-ALGORITHMS byte for
  // byte what we offered (a man in the middle who deleted SHA-256 from our 401 is caught
  // here), and PASSWORD-ALGORITHM one of its entries; anything else is 400.
  const auto algorithms = request.get<stun::PasswordAlgorithms>();
  const auto algorithm = request.get<stun::PasswordAlgorithm>();
  if (!algorithms || !algorithm) return refuse_with(stun::ErrorCode::bad_request, AuthFailure::missing_attributes);
  bool sha256_key = false;
  if (algorithms.value() || algorithm.value()) {
    if (!algorithms.value() || !algorithm.value() || !(*algorithms.value() == kOfferedPasswordAlgorithms) ||
        !algorithm.value()->parameters.empty() || !kOfferedPasswordAlgorithms.contains(algorithm.value()->algorithm)) {
      return refuse_with(stun::ErrorCode::bad_request, AuthFailure::password_algorithm_mismatch);
    }
    sha256_key = algorithm.value()->algorithm == stun::PasswordAlgorithmId::sha256;
  }
  // Step 5: the username, or the static user whose USERHASH this is (a REST username
  // cannot be recovered from its hash: unknown, 401, as for any user we do not know).
  std::string_view name;
  Result<UserKeys, CredentialError> keys = failure(CredentialError::unknown_user);
  if (username) {
    name = *username;
    keys = ctx.credentials.keys_for(name, ctx.now_unix, sha256_key);
  } else {
    name = ctx.credentials.static_name_for(userhash.value()->hash);
    keys = ctx.credentials.keys_for_userhash(userhash.value()->hash, sha256_key);
  }
  if (!keys) {
    return refuse_with(stun::ErrorCode::unauthenticated, keys.error() == CredentialError::expired_username
                                                             ? AuthFailure::expired_username
                                                             : AuthFailure::unknown_user);
  }
  // Step 6: the integrity attribute, MESSAGE-INTEGRITY-SHA256 when present, against every
  // key the user may hold (secret rotation). The answer uses the same attribute and key.
  const IntegrityKind kind = sha256_integrity ? IntegrityKind::sha256 : IntegrityKind::sha1;
  for (const auto& md5 : keys.value().keys) {
    if (const SessionKey key(md5, kind); key.verifies(request)) {
      return Authenticated{name, key, std::move(keys).value().user_id};
    }
  }
  for (const auto& sha256 : keys.value().sha256_keys) {
    if (const SessionKey key(sha256, kind); key.verifies(request)) {
      return Authenticated{name, key, std::move(keys).value().user_id};
    }
  }
  // An allocation keeps the key its Allocate verified with: a secret that SIGHUP rotated out
  // refuses new allocations, but the refreshes, permissions and channels of a live one still
  // verify (SPEC §3: a reload drops no allocation; coturn keeps each session's key likewise).
  // Only on the allocation's own 5-tuple and username, and the REST expiry checked in step 5
  // still bounds how long that lasts.
  if (const Allocation* allocation = ctx.table.find(ctx.five_tuple);
      allocation != nullptr && allocation->username == name && allocation->key.integrity == kind &&
      (allocation->key.size == 32) == sha256_key && allocation->key.verifies(request)) {
    return Authenticated{name, allocation->key, allocation->user_id};
  }
  return refuse_with(stun::ErrorCode::unauthenticated, AuthFailure::bad_integrity);
}

}  // namespace iceway::turn
