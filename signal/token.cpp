#include "signal/token.hpp"

#include <algorithm>
#include <exception>

#include <jwt/jwt.hpp>
#include <openssl/crypto.h>

namespace iceway::signaling {
namespace {

bool is_base64url(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

// cpp-jwt indexes its decoding table with raw chars and asserts on its own invariants, so only
// well-formed compact serializations reach it: three non-empty base64url parts.
bool well_formed(std::string_view token) {
  if (token.empty() || token.size() > kMaxTokenLength) return false;
  if (std::count(token.begin(), token.end(), '.') != 2) return false;
  const auto first = token.find('.');
  const auto second = token.find('.', first + 1);
  if (first == 0 || second == first + 1 || second + 1 == token.size()) return false;
  return std::all_of(token.begin(), token.end(), [](char c) { return c == '.' || is_base64url(c); });
}

std::optional<UnixSeconds> time_claim(const nlohmann::json& payload, const char* name, bool& bad) {
  auto it = payload.find(name);
  if (it == payload.end()) return std::nullopt;
  if (!it->is_number()) {
    bad = true;
    return std::nullopt;
  }
  // NumericDate may be fractional (RFC 7519 §2); whole seconds are what we compare.
  const double value = it->get<double>();
  if (!(value > -1e15 && value < 1e15)) {
    bad = true;
    return std::nullopt;
  }
  return static_cast<UnixSeconds>(value);
}

}  // namespace

std::string_view describe(TokenError error) {
  switch (error) {
    case TokenError::no_secret: return "tokens are not accepted: no token secret is configured";
    case TokenError::malformed: return "token is not a well-formed JWT";
    case TokenError::wrong_algorithm: return "token must be signed with HS256";
    case TokenError::bad_signature: return "token signature does not verify";
    case TokenError::expired: return "token has expired";
    case TokenError::not_yet_valid: return "token is not valid yet";
    case TokenError::bad_claims: return "token claims are invalid (sub, rooms, exp, nbf)";
  }
  return "invalid token";
}

Result<TokenClaims, TokenError> verify_token(std::string_view token, std::string_view secret, UnixSeconds now) {
  if (secret.empty()) return failure(TokenError::no_secret);
  if (!well_formed(token)) return failure(TokenError::malformed);

  nlohmann::json payload;
  try {
    std::error_code ec;
    // verify(false): decode header and payload only. The signature is checked below in constant
    // time, and expiry against `now` (cpp-jwt's own check reads the system clock).
    auto object = jwt::decode(jwt::string_view{token.data(), token.size()}, jwt::params::algorithms({"HS256"}), ec,
                              jwt::params::verify(false));
    if (ec) return failure(TokenError::malformed);
    if (object.header().algo() != jwt::algorithm::HS256) return failure(TokenError::wrong_algorithm);

    const auto last_dot = token.rfind('.');
    const std::string_view signing_input = token.substr(0, last_dot);
    const std::string_view signature_text = token.substr(last_dot + 1);
    auto [expected, sign_error] = jwt::HMACSign<jwt::algo::HS256>::sign(
        jwt::string_view{secret.data(), secret.size()}, jwt::string_view{signing_input.data(), signing_input.size()});
    if (sign_error) return failure(TokenError::bad_signature);
    const std::string given = jwt::base64_uri_decode(signature_text.data(), signature_text.size());
    if (given.size() != expected.size() || CRYPTO_memcmp(given.data(), expected.data(), expected.size()) != 0) {
      return failure(TokenError::bad_signature);
    }
    payload = object.payload().create_json_obj();
  } catch (const std::exception&) {
    // cpp-jwt reports some malformed headers (e.g. a non-string "alg") by throwing.
    return failure(TokenError::malformed);
  }

  if (!payload.is_object()) return failure(TokenError::bad_claims);
  TokenClaims claims;
  auto sub = payload.find("sub");
  if (sub == payload.end() || !sub->is_string() || sub->get_ref<const std::string&>().empty()) {
    return failure(TokenError::bad_claims);
  }
  claims.subject = sub->get<std::string>();
  if (auto rooms = payload.find("rooms"); rooms != payload.end()) {
    if (!rooms->is_array()) return failure(TokenError::bad_claims);
    std::vector<std::string> list;
    for (const auto& room : *rooms) {
      if (!room.is_string()) return failure(TokenError::bad_claims);
      list.push_back(room.get<std::string>());
    }
    claims.rooms = std::move(list);
  }
  bool bad = false;
  claims.expires_at = time_claim(payload, "exp", bad);
  claims.not_before = time_claim(payload, "nbf", bad);
  if (bad) return failure(TokenError::bad_claims);
  // RFC 7519 §4.1.4: the token must not be accepted on or after exp.
  if (claims.expires_at && now >= *claims.expires_at) return failure(TokenError::expired);
  if (claims.not_before && now < *claims.not_before) return failure(TokenError::not_yet_valid);
  return claims;
}

std::string sign_token(std::string_view secret, const TokenClaims& claims) {
  jwt::jwt_object object{jwt::params::algorithm("HS256"),
                         jwt::params::secret(jwt::string_view{secret.data(), secret.size()})};
  object.add_claim("sub", claims.subject);
  if (claims.rooms) object.payload().add_claim("rooms", nlohmann::json(*claims.rooms));
  if (claims.expires_at) object.payload().add_claim("exp", *claims.expires_at);
  if (claims.not_before) object.payload().add_claim("nbf", *claims.not_before);
  return object.signature();
}

}  // namespace iceway::signaling
