#pragma once
// Shared by the STUN tests: hex helpers and the RFC 5769 test vectors, as the RFC prints
// them (RFC 5769 §2.1-§2.4, cross-checked against two independent implementations' copies).
#include <gtest/gtest.h>

#include <cstddef>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.hpp"
#include "common/hex.hpp"

namespace iceway::stun::test {

inline std::vector<std::byte> bytes_of(std::string_view hex) {
  auto bytes = from_hex(hex);
  EXPECT_TRUE(bytes.has_value()) << "bad hex in test: " << hex;
  return bytes.value_or(std::vector<std::byte>{});
}

inline std::string hex_of(ByteSpan bytes) { return to_hex(bytes); }

// §2.1 Sample Request: Binding request with SOFTWARE, PRIORITY, ICE-CONTROLLED, USERNAME
// (padded with spaces), MESSAGE-INTEGRITY (short-term) and FINGERPRINT.
inline constexpr std::string_view kSampleRequest =
    "00 01 00 58 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae"
    "80 22 00 10 53 54 55 4e 20 74 65 73 74 20 63 6c 69 65 6e 74"
    "00 24 00 04 6e 00 01 ff"
    "80 29 00 08 93 2f f9 b1 51 26 3b 36"
    "00 06 00 09 65 76 74 6a 3a 68 36 76 59 20 20 20"
    "00 08 00 14 9a ea a7 0c bf d8 cb 56 78 1e f2 b5 b2 d3 f2 49 c1 b5 71 a2"
    "80 28 00 04 e5 7a 3b cf";

// §2.2 Sample IPv4 Response: SOFTWARE "test vector", XOR-MAPPED-ADDRESS 192.0.2.1:32853.
inline constexpr std::string_view kSampleIpv4Response =
    "01 01 00 3c 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae"
    "80 22 00 0b 74 65 73 74 20 76 65 63 74 6f 72 20"
    "00 20 00 08 00 01 a1 47 e1 12 a6 43"
    "00 08 00 14 2b 91 f5 99 fd 9e 90 c3 8c 74 89 f9 2a f9 ba 53 f0 6b e7 d7"
    "80 28 00 04 c0 7d 4c 96";

// §2.3 Sample IPv6 Response: XOR-MAPPED-ADDRESS [2001:db8:1234:5678:11:2233:4455:6677]:32853.
inline constexpr std::string_view kSampleIpv6Response =
    "01 01 00 48 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae"
    "80 22 00 0b 74 65 73 74 20 76 65 63 74 6f 72 20"
    "00 20 00 14 00 02 a1 47 01 13 a9 fa a5 d3 f1 79 bc 25 f4 b5 be d2 b9 d9"
    "00 08 00 14 a3 82 95 4e 4b e6 7b f1 17 84 c9 7c 82 92 c2 75 bf e3 ed 41"
    "80 28 00 04 c8 fb 0b 4c";

// §2.4 Sample Request with Long-Term Authentication: USERNAME "マトリックス", NONCE, REALM
// "example.org", MESSAGE-INTEGRITY under MD5(username:realm:"TheMatrIX"); no FINGERPRINT.
inline constexpr std::string_view kSampleLongTermRequest =
    "00 01 00 60 21 12 a4 42 78 ad 34 33 c6 ad 72 c0 29 da 41 2e"
    "00 06 00 12 e3 83 9e e3 83 88 e3 83 aa e3 83 83 e3 82 af e3 82 b9 00 00"
    "00 15 00 1c 66 2f 2f 34 39 39 6b 39 35 34 64 36 4f 4c 33 34 6f 4c 39 46 53 54 76 79 36 34 73 41"
    "00 14 00 0b 65 78 61 6d 70 6c 65 2e 6f 72 67 00"
    "00 08 00 14 f6 70 24 65 6d d6 4a 3e 02 b8 e0 71 2e 85 c9 a2 8c a8 96 66";

inline constexpr std::string_view kShortTermPassword = "VOkJxbRl1RmTxUk/WvJxBt";
// "マトリックス" (MATORIKKUSU) in UTF-8.
inline constexpr std::string_view kLongTermUsername = "\xe3\x83\x9e\xe3\x83\x88\xe3\x83\xaa\xe3\x83\x83\xe3\x82\xaf\xe3\x82\xb9";
// The §2.4 password "The\u00adM\u00aatr\u2168x" after SASLprep (see stun/integrity.hpp).
inline constexpr std::string_view kLongTermPassword = "TheMatrIX";
inline constexpr std::string_view kLongTermRealm = "example.org";
inline constexpr std::string_view kLongTermNonce = "f//499k954d6OL34oL9FSTvy64sA";

}  // namespace iceway::stun::test

namespace iceway::stun::test {

inline constexpr std::string_view kTransactionIdHex = "0102030405060708090a0b0c";

// A message as raw bytes: `type_hex` (4 hex digits), the cookie, kTransactionIdHex and
// `body_hex`; the length field counts the body unless `length` overrides it. For building
// malformed messages that MessageBuilder refuses to write.
inline std::vector<std::byte> raw_message(std::string_view type_hex, std::string_view body_hex, int length = -1) {
  auto body = bytes_of(body_hex);
  const unsigned field = length >= 0 ? static_cast<unsigned>(length) : static_cast<unsigned>(body.size());
  char length_hex[8];
  std::snprintf(length_hex, sizeof length_hex, "%04x", field & 0xFFFFu);
  auto message = bytes_of(std::string(type_hex) + length_hex + "2112a442" + std::string(kTransactionIdHex));
  message.insert(message.end(), body.begin(), body.end());
  return message;
}

}  // namespace iceway::stun::test
