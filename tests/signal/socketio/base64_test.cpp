// base64 as Engine.IO polling payloads carry binary: RFC 4648 §10's vectors both ways, and the
// texts an encoder cannot have produced refused.
#include "signal/socketio/base64.hpp"

#include <gtest/gtest.h>

#include "common/bytes.hpp"

namespace iceway::signaling::socketio {
namespace {

TEST(Base64, Rfc4648VectorsBothWays) {
  const struct {
    std::string_view plain;
    std::string_view encoded;
  } cases[] = {{"", ""},         {"f", "Zg=="},         {"fo", "Zm8="},         {"foo", "Zm9v"},
               {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"}};
  for (const auto& c : cases) {
    SCOPED_TRACE(c.plain);
    std::string encoded;
    append_base64(as_byte_span(c.plain), encoded);
    EXPECT_EQ(encoded, c.encoded);
    EXPECT_EQ(base64_encoded_size(c.plain.size()), c.encoded.size());
    std::string decoded;
    ASSERT_TRUE(append_base64_decoded(c.encoded, decoded));
    EXPECT_EQ(decoded, c.plain);
  }
}

TEST(Base64, EngineIoExampleAndAllByteValues) {
  std::string decoded;
  ASSERT_TRUE(append_base64_decoded("AQIDBA==", decoded));
  EXPECT_EQ(decoded, std::string("\x01\x02\x03\x04", 4));
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  std::string encoded;
  append_base64(as_byte_span(all), encoded);
  std::string round_trip;
  ASSERT_TRUE(append_base64_decoded(encoded, round_trip));
  EXPECT_EQ(round_trip, all);
}

TEST(Base64, PaddingIsOptionalOnInput) {
  std::string decoded;
  ASSERT_TRUE(append_base64_decoded("Zm8", decoded));
  EXPECT_EQ(decoded, "fo");
}

TEST(Base64, RefusesWhatNoEncoderWrites) {
  for (const std::string_view text : {"Z", "Zm9vY", "Zh==", "Zm9=", "Zm$v", "Zm9v=", "====", "Z===", "Zg=a", "Zm 9v"}) {
    SCOPED_TRACE(text);
    std::string out = "kept";
    EXPECT_FALSE(append_base64_decoded(text, out));
    EXPECT_EQ(out, "kept");
  }
}

}  // namespace
}  // namespace iceway::signaling::socketio
