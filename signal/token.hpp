#pragma once
// Signaling tokens (SPEC §6.1): a JWT signed with HS256 and signal.token_secret, claims
// `sub` = peer id, optional `rooms` (the only rooms the peer may join) and optional `exp`/`nbf`.
// Verification takes the wall-clock time as an argument (STYLE.md "Time is an argument"); the
// library's own expiry check, which reads the system clock, is not used.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.hpp"
#include "common/result.hpp"

namespace iceway::signaling {

struct TokenClaims {
  std::string subject;
  std::optional<std::vector<std::string>> rooms;  // absent = any room
  std::optional<UnixSeconds> expires_at;
  std::optional<UnixSeconds> not_before;
};

enum class TokenError {
  no_secret,        // the server has no token secret configured
  malformed,        // not three base64url parts, bad JSON, too long
  wrong_algorithm,  // anything but HS256 (in particular "none")
  bad_signature,
  expired,
  not_yet_valid,
  bad_claims,  // sub missing or not a string, rooms not a list of strings, exp not a number
};

std::string_view describe(TokenError error);

// Tokens longer than this are rejected before any decoding: a URL query carries them.
inline constexpr std::size_t kMaxTokenLength = 8192;

Result<TokenClaims, TokenError> verify_token(std::string_view token, std::string_view secret, UnixSeconds now);

// Issues a token (for tests and for tools such as an app backend's helper).
std::string sign_token(std::string_view secret, const TokenClaims& claims);

}  // namespace iceway::signaling
