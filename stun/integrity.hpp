#pragma once
// Keys and checks for MESSAGE-INTEGRITY, MESSAGE-INTEGRITY-SHA256 and FINGERPRINT
// (RFC 8489 §9, §14.5-§14.7). Pure functions over a parsed message; HMAC, MD5 and SHA-256
// come from OpenSSL.
//
// Passwords are used as the bytes given. RFC 8489 asks for OpaqueString (RFC 8265; SASLprep
// in RFC 5389) first, which is the identity for printable ASCII: that covers the TURN REST
// passwords we hand out (base64) and the static users we configure. A non-ASCII password is
// hashed as its UTF-8 bytes unprepared, so an operator should keep static passwords ASCII.
// (RFC 5769 §2.4's "The\u00adM\u00aatr\u2168x" prepares to "TheMatrIX".)
#include <array>
#include <cstddef>
#include <string_view>

#include "common/bytes.hpp"
#include "stun/message.hpp"

namespace iceway::stun {

using Sha1Hmac = std::array<std::byte, 20>;
using Sha256Hmac = std::array<std::byte, 32>;
using LongTermKey = std::array<std::byte, 16>;        // MD5, RFC 8489 §9.2.2
using LongTermKeySha256 = std::array<std::byte, 32>;  // PASSWORD-ALGORITHM SHA-256, §18.5.1.2

// RFC 8489 §9.2.2: key = MD5(username ":" realm ":" password).
LongTermKey long_term_key(std::string_view username, std::string_view realm, std::string_view password);
// RFC 8489 §9.2.2 with PASSWORD-ALGORITHM SHA-256: SHA-256 of the same string.
LongTermKeySha256 long_term_key_sha256(std::string_view username, std::string_view realm, std::string_view password);
// RFC 8489 §14.4: the USERHASH value, SHA-256(username ":" realm).
std::array<std::byte, 32> user_hash(std::string_view username, std::string_view realm);
// RFC 8489 §9.1.1: the short-term key is the password itself.
inline ByteSpan short_term_key(std::string_view password) { return as_byte_span(password); }

// True when the message has a MESSAGE-INTEGRITY that matches `key`: HMAC-SHA1 over the
// message up to that attribute, with the header length set to end right after it. The
// comparison is constant-time (CRYPTO_memcmp), so a forger learns nothing from timing.
// False when absent; a server checks presence first to choose between 400 and 401.
bool verify_message_integrity(const MessageView& message, ByteSpan key);
// The same for MESSAGE-INTEGRITY-SHA256, comparing as many bytes as the attribute carries.
bool verify_message_integrity_sha256(const MessageView& message, ByteSpan key);
// True when the message has a FINGERPRINT and it matches; false when absent or wrong.
bool verify_fingerprint(const MessageView& message);

// The HMACs over a message whose 20-byte header (length already adjusted) is `header` and
// whose attributes before the integrity attribute are `body`. MessageBuilder uses these.
Sha1Hmac hmac_sha1(ByteSpan key, ByteSpan header, ByteSpan body);
Sha256Hmac hmac_sha256(ByteSpan key, ByteSpan header, ByteSpan body);

}  // namespace iceway::stun
