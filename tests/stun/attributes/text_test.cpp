#include "stun/attributes/text.hpp"

#include <string>

#include "round_trip.hpp"

namespace iceway::stun {
namespace {

using namespace test;

TEST(TextAttributes, RoundTripThroughKnownWireBytes) {
  run_cases({
      {"USERNAME", [] { expect_round_trip(Username{"1700000000:alice"}, "313730303030303030303a616c696365"); }},
      {"USERNAME empty", [] { expect_round_trip(Username{""}, ""); }},
      {"REALM", [] { expect_round_trip(Realm{"iceway"}, "696365776179"); }},
      {"NONCE", [] { expect_round_trip(Nonce{"f//499k954d6OL34oL9FSTvy64sA"}, "662f2f3439396b39353464364f4c33346f4c394653547679363473"
                                                                             "41"); }},
      {"SOFTWARE UTF-8", [] { expect_round_trip(Software{"ice\xc3\xa9"}, "696365c3a9"); }},
  });
}

TEST(TextAttributes, AcceptTheLongestValuesTheRfcAllows) {
  static const std::string username(513, 'u');
  static const std::string realm(127, 'r');
  static const std::string nonce_utf8 = [] {
    std::string text;
    for (int i = 0; i < 127; ++i) text += "\xe2\x82\xac";  // 127 characters, 381 bytes
    return text;
  }();
  run_cases({
      {"USERNAME 513 bytes", [] { expect_round_trip(Username{username}, to_hex(as_byte_span(username))); }},
      {"REALM 127 characters", [] { expect_round_trip(Realm{realm}, to_hex(as_byte_span(realm))); }},
      {"NONCE 127 three-byte characters", [] { expect_round_trip(Nonce{nonce_utf8}, to_hex(as_byte_span(nonce_utf8))); }},
  });
}

TEST(TextAttributes, RefuseToEncodeValuesPastTheLimits) {
  static const std::string username(514, 'u');
  static const std::string realm(128, 'r');
  static const std::string nonce_utf8 = [] {
    std::string text;
    for (int i = 0; i < 128; ++i) text += "\xc3\xa9";  // 128 characters in 256 bytes
    return text;
  }();
  static const std::string software(764, 's');
  run_cases({
      {"USERNAME 514 bytes", [] { expect_not_encodable(Username{username}); }},
      {"REALM 128 characters", [] { expect_not_encodable(Realm{realm}); }},
      {"NONCE 128 characters in 256 bytes", [] { expect_not_encodable(Nonce{nonce_utf8}); }},
      {"SOFTWARE 764 bytes", [] { expect_not_encodable(Software{software}); }},
  });
}

TEST(TextAttributes, RejectValuesPastTheByteLimitOnDecode) {
  run_cases({
      {"USERNAME 514 bytes",
       [] { expect_rejected<Username>(to_hex(as_byte_span(std::string(514, 'u'))), DecodeReason::value_too_long, 514); }},
      {"REALM 764 bytes",
       [] { expect_rejected<Realm>(to_hex(as_byte_span(std::string(764, 'r'))), DecodeReason::value_too_long, 764); }},
      {"NONCE 764 bytes",
       [] { expect_rejected<Nonce>(to_hex(as_byte_span(std::string(764, 'n'))), DecodeReason::value_too_long, 764); }},
      {"SOFTWARE 764 bytes",
       [] { expect_rejected<Software>(to_hex(as_byte_span(std::string(764, 's'))), DecodeReason::value_too_long, 764); }},
  });
}

TEST(Utf8Length, CountsCharactersNotBytes) {
  EXPECT_EQ(utf8_length(""), 0u);
  EXPECT_EQ(utf8_length("abc"), 3u);
  EXPECT_EQ(utf8_length(kLongTermUsername), 6u);  // マトリックス
}

}  // namespace
}  // namespace iceway::stun
