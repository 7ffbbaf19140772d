#include "stun/message.hpp"

#include <gtest/gtest.h>

#include <unordered_set>
#include <vector>

#include "test_support.hpp"

namespace iceway::stun {
namespace {

using test::bytes_of;
using test::raw_message;

TEST(MessageType, EncodesAndDecodesEveryMethodAndClassAsRfc8489Section5) {
  struct Case {
    Method method;
    Class message_class;
    std::uint16_t wire;
  };
  // Values from RFC 8489 §5, RFC 8656 §17 and RFC 6062 §6.1.
  const Case cases[] = {
      {Method::binding, Class::request, 0x0001},           {Method::binding, Class::indication, 0x0011},
      {Method::binding, Class::success, 0x0101},           {Method::binding, Class::error, 0x0111},
      {Method::allocate, Class::request, 0x0003},          {Method::allocate, Class::success, 0x0103},
      {Method::allocate, Class::error, 0x0113},            {Method::refresh, Class::request, 0x0004},
      {Method::send, Class::indication, 0x0016},           {Method::data, Class::indication, 0x0017},
      {Method::create_permission, Class::request, 0x0008}, {Method::channel_bind, Class::request, 0x0009},
      {Method::channel_bind, Class::error, 0x0119},        {Method::connection_attempt, Class::indication, 0x001C},
      {static_cast<Method>(0xFFF), Class::error, 0x3FFF},  {static_cast<Method>(0x080), Class::request, 0x0200},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.wire);
    EXPECT_EQ(encode_message_type({c.method, c.message_class}), c.wire);
    EXPECT_EQ(decode_message_type(c.wire), (MessageType{c.method, c.message_class}));
  }
}

TEST(MessageType, NamesMethodsAndClassesForLabels) {
  EXPECT_EQ(to_string(Method::create_permission), "create_permission");
  EXPECT_EQ(to_string(static_cast<Method>(0x123)), "other");
  EXPECT_EQ(to_string(Class::indication), "indication");
}

TEST(TransactionId, ComparesAndHashesByValue) {
  const auto a = TransactionId::from(bytes_of("0102030405060708090a0b0c"));
  const auto b = TransactionId::from(bytes_of("0102030405060708090a0b0c"));
  const auto c = TransactionId::from(bytes_of("0102030405060708090a0b0d"));
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  EXPECT_LT(a, c);
  std::unordered_set<TransactionId> set{a, b, c};
  EXPECT_EQ(set.size(), 2u);
  EXPECT_EQ(std::hash<TransactionId>{}(a), std::hash<TransactionId>{}(b));
}

TEST(MessageView, ParsesAMessageWithNoAttributes) {
  const auto bytes = raw_message("0001", "");
  auto parsed = MessageView::parse(bytes);
  ASSERT_TRUE(parsed) << parsed.error().to_string();
  EXPECT_EQ(parsed.value().method(), Method::binding);
  EXPECT_EQ(parsed.value().message_class(), Class::request);
  EXPECT_EQ(parsed.value().attributes().begin(), parsed.value().attributes().end());
  EXPECT_FALSE(parsed.value().find(AttributeType::username));
  EXPECT_EQ(test::hex_of(parsed.value().transaction_id().span()), test::kTransactionIdHex);
}

struct RejectCase {
  const char* name;
  std::vector<std::byte> bytes;
  DecodeReason reason;
  std::size_t offset;
  std::string text;  // the error's to_string(), checked when not empty
};

TEST(MessageView, RejectsMalformedMessagesWithAReasonAndOffset) {
  auto bad_cookie = raw_message("0001", "");
  bad_cookie[7] = std::byte{0x43};
  auto truncated = raw_message("0001", "80220008 6963657761790000");
  truncated.resize(truncated.size() - 4);
  auto trailing = raw_message("0001", "80220004 69636577");
  trailing.push_back(std::byte{0});
  trailing.push_back(std::byte{0});
  trailing.push_back(std::byte{0});
  trailing.push_back(std::byte{0});

  const std::vector<RejectCase> cases = {
      {"empty", {}, DecodeReason::too_short, 0, "0 bytes is too short (offset 0)"},
      {"19 bytes", bytes_of("000100002112a442 0102030405060708090a0b"), DecodeReason::too_short, 0, ""},
      {"top bit set", raw_message("8001", ""), DecodeReason::not_stun, 0, ""},
      {"ChannelData first byte", raw_message("4001", ""), DecodeReason::not_stun, 0,
       "first byte 0x40 is not a STUN message type (offset 0)"},
      {"wrong magic cookie", bad_cookie, DecodeReason::no_magic_cookie, 4, ""},
      {"length not a multiple of 4", raw_message("0001", "80220003 696365", 7), DecodeReason::length_not_multiple_of_4,
       2, ""},
      {"length past the datagram", raw_message("0001", "80220004 69636577", 12), DecodeReason::length_mismatch, 2,
       ""},
      {"datagram cut short", truncated, DecodeReason::length_mismatch, 2, ""},
      {"bytes after the message", trailing, DecodeReason::length_mismatch, 2, ""},
      {"attribute runs past the end", raw_message("0001", "00140009 6578616d"), DecodeReason::attribute_overrun,
       20, "attribute 0x0014: length 9 runs past the end (offset 20)"},
      {"second attribute runs past the end", raw_message("0001", "80220004 69636577 00060010 61626364"),
       DecodeReason::attribute_overrun, 28, ""},
      {"attribute sent without its padding, then another",
       raw_message("0001", "00060005 6162636465 80220003 786978"), DecodeReason::attribute_overrun, 32, ""},
      {"attribute sent without its padding, last", raw_message("0001", "00060005 6162636465"),
       DecodeReason::length_not_multiple_of_4, 2, ""},
      {"FINGERPRINT not last", raw_message("0001", "80280004 00000000 80220004 69636577"),
       DecodeReason::fingerprint_not_last, 20, "attribute 0x8028: FINGERPRINT is not the last attribute (offset 20)"},
      {"MESSAGE-INTEGRITY of 16 bytes", raw_message("0001", "00080010 00000000000000000000000000000000"),
       DecodeReason::bad_attribute_length, 20, "attribute 0x0008: length 16 is not allowed (offset 20)"},
      {"FINGERPRINT of 8 bytes", raw_message("0001", "80280008 0000000000000000"), DecodeReason::bad_attribute_length,
       20, ""},
      {"MESSAGE-INTEGRITY-SHA256 of 12 bytes", raw_message("0001", "001c000c 000000000000000000000000"),
       DecodeReason::bad_attribute_length, 20, ""},
      {"MESSAGE-INTEGRITY-SHA256 of 18 bytes",
       raw_message("0001", "001c0012 000000000000000000000000000000000000 0000"), DecodeReason::bad_attribute_length,
       20, ""},
      {"MESSAGE-INTEGRITY-SHA256 of 36 bytes",
       raw_message("0001", "001c0024 000000000000000000000000000000000000000000000000000000000000000000000000"),
       DecodeReason::bad_attribute_length, 20, ""},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto parsed = MessageView::parse(c.bytes);
    ASSERT_FALSE(parsed);
    EXPECT_EQ(to_string(parsed.error().reason), to_string(c.reason)) << parsed.error().to_string();
    EXPECT_EQ(parsed.error().offset, c.offset) << parsed.error().to_string();
    if (!c.text.empty()) {
      EXPECT_EQ(parsed.error().to_string(), c.text);
    }
  }
}

TEST(MessageView, AcceptsIntegrityLengthsTheRfcAllows) {
  // MESSAGE-INTEGRITY-SHA256 may be truncated to 16, 20, ... 32 bytes (RFC 8489 §14.6).
  for (int length : {16, 20, 24, 28, 32}) {
    SCOPED_TRACE(length);
    char header[16];
    std::snprintf(header, sizeof header, "001c%04x", length);
    const auto bytes = raw_message("0001", std::string(header) + std::string(static_cast<std::size_t>(2 * length), '0'));
    auto parsed = MessageView::parse(bytes);
    ASSERT_TRUE(parsed) << parsed.error().to_string();
    EXPECT_EQ(parsed.value().message_integrity_sha256()->value.size(), static_cast<std::size_t>(length));
  }
}

TEST(MessageView, IgnoresAttributesAfterMessageIntegrityExceptSha256AndFingerprint) {
  // USERNAME, MESSAGE-INTEGRITY, SOFTWARE (ignored), MESSAGE-INTEGRITY-SHA256,
  // REALM (ignored), FINGERPRINT.
  const auto bytes = raw_message("0001",
                                 "00060004 75736572"
                                 "00080014 0000000000000000000000000000000000000000"
                                 "80220004 69636577"
                                 "001c0010 00000000000000000000000000000000"
                                 "00140004 7265616c"
                                 "80280004 00000000");
  auto parsed = MessageView::parse(bytes);
  ASSERT_TRUE(parsed) << parsed.error().to_string();
  const MessageView& message = parsed.value();
  std::vector<AttributeType> seen;
  for (const auto& attribute : message.attributes()) seen.push_back(attribute.type);
  EXPECT_EQ(seen, (std::vector<AttributeType>{AttributeType::username, AttributeType::message_integrity,
                                              AttributeType::message_integrity_sha256, AttributeType::fingerprint}));
  EXPECT_FALSE(message.find(AttributeType::software));
  EXPECT_FALSE(message.find(AttributeType::realm));
  EXPECT_EQ(message.message_integrity()->offset, 28u);
  EXPECT_EQ(message.message_integrity_sha256()->offset, 60u);
  EXPECT_EQ(message.fingerprint()->offset, 88u);
}

TEST(MessageView, IgnoresEverythingButFingerprintAfterMessageIntegritySha256) {
  // MESSAGE-INTEGRITY-SHA256, then a MESSAGE-INTEGRITY that no longer counts.
  const auto bytes = raw_message("0001",
                                 "001c0010 00000000000000000000000000000000"
                                 "00080014 0000000000000000000000000000000000000000");
  auto parsed = MessageView::parse(bytes);
  ASSERT_TRUE(parsed) << parsed.error().to_string();
  EXPECT_TRUE(parsed.value().message_integrity_sha256());
  EXPECT_FALSE(parsed.value().message_integrity());
  EXPECT_FALSE(parsed.value().find(AttributeType::message_integrity));
}

TEST(MessageView, FindReturnsTheFirstOccurrenceAndIterationSeesEveryOne) {
  const auto bytes = raw_message("0008",
                                 "00120008 0001a147e112a643"
                                 "00120008 0001a148e112a644");
  auto parsed = MessageView::parse(bytes);
  ASSERT_TRUE(parsed);
  const auto first = parsed.value().find(AttributeType::xor_peer_address);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->offset, 20u);
  EXPECT_EQ(test::hex_of(first->value), "0001a147e112a643");
  int count = 0;
  for (const auto& attribute : parsed.value().attributes()) count += attribute.type == AttributeType::xor_peer_address;
  EXPECT_EQ(count, 2);
}

TEST(MessageView, KeepsPaddingOutOfValuesWhateverItsBytes) {
  // RFC 5389 allowed any padding value; values exclude it.
  const auto bytes = raw_message("0001", "00060005 6162636465ffffff 80220001 78202020");
  auto parsed = MessageView::parse(bytes);
  ASSERT_TRUE(parsed) << parsed.error().to_string();
  EXPECT_EQ(as_string_view(parsed.value().find(AttributeType::username)->value), "abcde");
  EXPECT_EQ(as_string_view(parsed.value().find(AttributeType::software)->value), "x");
}

TEST(Demux, TellsStunFromChannelDataFromOtherTraffic) {
  struct Case {
    const char* name;
    std::vector<std::byte> bytes;
    bool stun;
    bool channel_data;
  };
  const Case cases[] = {
      {"Binding request", raw_message("0001", ""), true, false},
      {"STUN without cookie", bytes_of("0001 0000 00000000 0102030405060708090a0b0c"), false, false},
      {"19 bytes of STUN", bytes_of("0001 0000 2112a442 0102030405060708090a0b"), false, false},
      {"ChannelData", bytes_of("4000 0001 ff000000"), false, true},
      {"ChannelData 0x7fff", bytes_of("7fff 0000"), false, true},
      {"ChannelData header cut", bytes_of("4000 00"), false, false},
      {"DTLS record", bytes_of("16 fefd 0000000000000000 0010"), false, false},
      {"RTP", bytes_of("80 00 0000 00000000 00000000"), false, false},
      {"empty", {}, false, false},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(looks_like_stun(c.bytes), c.stun);
    EXPECT_EQ(looks_like_channel_data(c.bytes), c.channel_data);
  }
}

}  // namespace
}  // namespace iceway::stun
