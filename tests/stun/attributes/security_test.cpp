#include "stun/attributes/security.hpp"

#include "round_trip.hpp"

namespace iceway::stun {
namespace {

using namespace test;

TEST(SecurityAttributes, RoundTripThroughKnownWireBytes) {
  static const auto parameters = bytes_of("010203");
  static const auto list = bytes_of("0002 0000 0001 0000");
  run_cases({
      {"PASSWORD-ALGORITHM SHA-256",
       [] { expect_round_trip(PasswordAlgorithm{PasswordAlgorithmId::sha256, {}}, "0002 0000"); }},
      {"PASSWORD-ALGORITHM with padded parameters",
       [] { expect_round_trip(PasswordAlgorithm{PasswordAlgorithmId::md5, parameters}, "0001 0003 01020300"); }},
      {"PASSWORD-ALGORITHMS", [] { expect_round_trip(PasswordAlgorithms{list}, "0002 0000 0001 0000"); }},
      {"PASSWORD-ALGORITHMS we offer",
       [] { expect_round_trip(PasswordAlgorithms{PasswordAlgorithms::kSha256AndMd5}, "0002 0000 0001 0000"); }},
      {"USERHASH",
       [] {
         UserHash hash;
         hash.hash.fill(std::byte{0x5a});
         std::string hex;
         for (int i = 0; i < 32; ++i) hex += "5a";
         expect_round_trip(hash, hex);
       }},
  });
}

TEST(PasswordAlgorithms, FindsAlgorithmsInTheList) {
  const PasswordAlgorithms offered{PasswordAlgorithms::kSha256AndMd5};
  EXPECT_TRUE(offered.contains(PasswordAlgorithmId::md5));
  EXPECT_TRUE(offered.contains(PasswordAlgorithmId::sha256));
  const auto md5_only = bytes_of("0001 0004 aabbccdd");
  EXPECT_FALSE(PasswordAlgorithms{md5_only}.contains(PasswordAlgorithmId::sha256));
  EXPECT_TRUE(PasswordAlgorithms{md5_only}.contains(PasswordAlgorithmId::md5));
}

TEST(SecurityAttributes, RejectWrongLengths) {
  run_cases({
      {"MESSAGE-INTEGRITY 19 bytes",
       [] { expect_rejected<MessageIntegrity>(std::string(38, '0'), DecodeReason::bad_attribute_length, 19); }},
      {"MESSAGE-INTEGRITY-SHA256 12 bytes",
       [] { expect_rejected<MessageIntegritySha256>(std::string(24, '0'), DecodeReason::bad_attribute_length, 12); }},
      {"MESSAGE-INTEGRITY-SHA256 33 bytes",
       [] { expect_rejected<MessageIntegritySha256>(std::string(66, '0'), DecodeReason::bad_attribute_length, 33); }},
      {"FINGERPRINT 3 bytes", [] { expect_rejected<Fingerprint>("000000", DecodeReason::bad_attribute_length, 3); }},
      {"PASSWORD-ALGORITHM 2 bytes", [] { expect_rejected<PasswordAlgorithm>("0001", DecodeReason::bad_attribute_length, 2); }},
      {"PASSWORD-ALGORITHM parameters past the end",
       [] { expect_rejected<PasswordAlgorithm>("0001 0008 00000000", DecodeReason::bad_attribute_length, 8); }},
      {"PASSWORD-ALGORITHM parameters unpadded",
       [] { expect_rejected<PasswordAlgorithm>("0001 0001 aa", DecodeReason::bad_attribute_length, 5); }},
      {"PASSWORD-ALGORITHMS entry cut",
       [] { expect_rejected<PasswordAlgorithms>("0002 0000 0001", DecodeReason::bad_attribute_length, 6); }},
      {"PASSWORD-ALGORITHMS parameters past the end",
       [] { expect_rejected<PasswordAlgorithms>("0002 0008 00000000", DecodeReason::bad_attribute_length, 8); }},
      {"USERHASH 31 bytes", [] { expect_rejected<UserHash>(std::string(62, '0'), DecodeReason::bad_attribute_length, 31); }},
  });
}

TEST(PasswordAlgorithms, RefuseToEncodeAMalformedList) {
  static const auto cut = bytes_of("0002 0004 00");
  std::vector<std::byte> buffer(64);
  MessageBuilder builder(buffer);
  builder.start({Method::allocate, Class::error}, kRoundTripId).add(PasswordAlgorithms{cut});
  auto bytes = builder.finish();
  ASSERT_FALSE(bytes);
  EXPECT_EQ(bytes.error().reason, BuildErrorReason::invalid_value);
}

}  // namespace
}  // namespace iceway::stun
