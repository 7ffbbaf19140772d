// append_json_string (signal/json_text.hpp): the escaping the relay fast path and the
// Socket.IO codec splice into frames, checked against nlohmann's dump(), which they must match
// byte for byte (a receiver that compares re-emitted JSON sees no difference).
#include "signal/json_text.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace iceway::signaling {
namespace {

std::string escaped(std::string_view text) {
  std::string out = "prefix:";
  append_json_string(text, out);
  return out;
}

std::string reference(std::string_view text) { return "prefix:" + Json(std::string(text)).dump(); }

TEST(AppendJsonString, EveryAsciiCharacterIsEscapedAsDumpDoes) {
  for (int c = 0; c < 128; ++c) {
    const std::string one(1, static_cast<char>(c));
    EXPECT_EQ(escaped(one), reference(one)) << "character " << c;
    // The same character between runs that need nothing, and at either end of one.
    const std::string mixed = "ab" + one + "cd" + one;
    EXPECT_EQ(escaped(mixed), reference(mixed)) << "character " << c;
  }
}

TEST(AppendJsonString, TextThatNeedsNoEscapeIsCopiedAsItIs) {
  const std::vector<std::string> texts = {
      "", "peer-1", "v=0\r\no=- 46117 2 IN IP4 127.0.0.1\r\n", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x8e\xa5",
      std::string(5000, 'x') + "\"" + std::string(3, '\\'), "\x01\x1f\x7f"};
  for (const std::string& text : texts) EXPECT_EQ(escaped(text), reference(text));
}

}  // namespace
}  // namespace iceway::signaling
