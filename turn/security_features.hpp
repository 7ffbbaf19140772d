#pragma once
// RFC 8489 §9.2: the security features a server announces in its NONCE. Every nonce iceway
// issues starts with the cookie "obMatJos2" and four base64 characters of 24 feature bits,
// bit 0 first: bit 0 "Password algorithms" (we send PASSWORD-ALGORITHMS and accept
// PASSWORD-ALGORITHM), bit 1 "Username anonymity" (we accept USERHASH for static users).
// Bits 0 and 1 set is 0xC00000, base64 "wAAA".
//
// A nonce without the cookie is not one we issued, so auth answers it 438 with a fresh one:
// an attacker who strips the cookie to make an RFC 8489 client believe we lack the features
// (a bid-down, §9.2.1) gets the same as one who forges a nonce.
#include <array>
#include <cstddef>
#include <string_view>

#include "stun/attributes/security.hpp"

namespace iceway::turn {

inline constexpr std::string_view kNonceCookie = "obMatJos2wAAA";

// PASSWORD-ALGORITHMS as sent in every 401 and 438, and as a client must echo it: SHA-256
// (preferred) then MD5, neither with parameters.
inline const stun::PasswordAlgorithms kOfferedPasswordAlgorithms{stun::PasswordAlgorithms::kSha256AndMd5};

}  // namespace iceway::turn
