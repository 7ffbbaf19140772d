#include "stun/fingerprint.hpp"

#include <gtest/gtest.h>

#include "test_support.hpp"

namespace iceway::stun {
namespace {

TEST(Crc32, MatchesThePublishedCheckValue) {
  // The CRC-32/ISO-HDLC check value of "123456789".
  EXPECT_EQ(crc32(as_byte_span("123456789")), 0xCBF43926u);
  EXPECT_EQ(crc32({}), 0u);
}

TEST(Crc32, ContinuesAcrossPieces) {
  const auto whole = as_byte_span("The quick brown fox jumps over the lazy dog");
  EXPECT_EQ(crc32(whole), 0x414FA339u);
  for (std::size_t split = 0; split <= whole.size(); ++split) {
    SCOPED_TRACE(split);
    EXPECT_EQ(crc32_update(crc32(whole.first(split)), whole.subspan(split)), crc32(whole));
  }
}

TEST(FingerprintValue, IsTheCrcXoredWithStun) {
  // RFC 5769 §2.2: the CRC over the message before FINGERPRINT, length counting it.
  const auto bytes = test::bytes_of(test::kSampleIpv4Response);
  const ByteSpan message(bytes);
  EXPECT_EQ(fingerprint_value(message.first(20), message.subspan(20, bytes.size() - 28)), 0xc07d4c96u);
  EXPECT_EQ(kFingerprintXor, 0x5354554eu);
}

}  // namespace
}  // namespace iceway::stun
