#include "stun/decode_error.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace iceway::stun {
namespace {

TEST(DecodeError, RendersWhatAndWhere) {
  struct Case {
    DecodeError error;
    std::string text;
  };
  const Case cases[] = {
      {message_error(DecodeReason::too_short, 0, 7), "7 bytes is too short (offset 0)"},
      {message_error(DecodeReason::no_magic_cookie, 4, 0x01020304),
       "magic cookie 0x01020304 is not 0x2112a442 (RFC 3489 or not STUN) (offset 4)"},
      {message_error(DecodeReason::length_mismatch, 2, 96),
       "message length 96 does not match the bytes after the header (offset 2)"},
      {attribute_error(DecodeReason::attribute_overrun, 0x0014, 52, 9),
       "attribute 0x0014: length 9 runs past the end (offset 52)"},
      {attribute_error(DecodeReason::bad_address_family, 0x0020, 24, 3),
       "attribute 0x0020: unknown address family 0x03 (offset 24)"},
      {attribute_error(DecodeReason::value_too_long, 0x0006, 20, 600),
       "attribute 0x0006: value of 600 bytes is too long (offset 20)"},
      {message_error(DecodeReason::bad_channel_number, 0, 0x3fff),
       "channel number 0x3fff is outside 0x4000-0x7fff (offset 0)"},
  };
  for (const auto& c : cases) EXPECT_EQ(c.error.to_string(), c.text);
}

TEST(DecodeError, EveryReasonHasADistinctLabel) {
  std::set<std::string_view> labels;
  for (int reason = 0; reason <= static_cast<int>(DecodeReason::channel_data_truncated); ++reason) {
    const auto label = to_string(static_cast<DecodeReason>(reason));
    EXPECT_NE(label, "unknown");
    labels.insert(label);
    EXPECT_FALSE(message_error(static_cast<DecodeReason>(reason), 0).to_string().empty());
  }
  EXPECT_EQ(labels.size(), static_cast<std::size_t>(DecodeReason::channel_data_truncated) + 1);
}

}  // namespace
}  // namespace iceway::stun
