#include "stun/message_builder.hpp"

#include <gtest/gtest.h>

#include <array>
#include <string>
#include <vector>

#include "stun/attributes.hpp"
#include "stun/integrity.hpp"
#include "test_support.hpp"

namespace iceway::stun {
namespace {

using test::hex_of;

const TransactionId kId = TransactionId::from(test::bytes_of(test::kTransactionIdHex));

std::string reason_of(const Result<ByteSpan, BuildError>& result) {
  return result ? "ok" : result.error().to_string();
}

TEST(MessageBuilder, WritesHeaderAttributesZeroPaddingAndKeepsTheLengthCurrent) {
  std::array<std::byte, 64> buffer{};
  buffer.fill(std::byte{0xEE});
  MessageBuilder builder(buffer);
  builder.start({Method::allocate, Class::request}, kId);
  EXPECT_EQ(builder.size(), kHeaderSize);
  builder.add(Username{"abcde"});
  EXPECT_EQ(builder.size(), 32u);
  EXPECT_EQ(load_u16(buffer.data() + 2), 12u) << "the length field counts the attribute and its padding";
  builder.add(RequestedTransport{RequestedTransport::kUdp});
  auto bytes = builder.finish();
  ASSERT_TRUE(bytes) << reason_of(bytes);
  EXPECT_EQ(hex_of(bytes.value()),
            "00030014" "2112a442" "0102030405060708090a0b0c"
            "00060005" "6162636465000000"
            "00190004" "11000000");
}

TEST(MessageBuilder, StartResetsEverythingWrittenBefore) {
  std::array<std::byte, 64> buffer{};
  MessageBuilder builder(buffer);
  builder.start({Method::binding, Class::request}, kId).add_fingerprint().add(Software{"late"});
  EXPECT_FALSE(builder.ok());
  builder.start({Method::binding, Class::indication}, kId);
  auto bytes = builder.finish();
  ASSERT_TRUE(bytes) << reason_of(bytes);
  EXPECT_EQ(bytes.value().size(), kHeaderSize);
  EXPECT_EQ(load_u16(bytes.value().data()), 0x0011);
}

TEST(MessageBuilder, FailsCleanlyForEveryBufferSizeTooSmallAndNeverWritesPastIt) {
  // Build the same message into buffers of every size; only the exact size and larger work.
  const auto build = [](MutableByteSpan out) {
    MessageBuilder builder(out);
    builder.start({Method::binding, Class::success}, kId)
        .add(XorMappedAddress{Endpoint::parse("[2001:db8::1]:3478").value()})
        .add(Software{"iceway"})
        .add_message_integrity(short_term_key("secret"))
        .add_message_integrity_sha256(short_term_key("secret"))
        .add_fingerprint();
    return builder.finish();
  };
  std::array<std::byte, 256> reference{};
  auto full = build(reference);
  ASSERT_TRUE(full) << reason_of(full);
  const std::size_t needed = full.value().size();
  for (std::size_t size = 0; size < needed; ++size) {
    SCOPED_TRACE(size);
    std::vector<std::byte> backing(needed + 16, std::byte{0xEE});
    auto result = build(MutableByteSpan(backing.data(), size));
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().reason, BuildErrorReason::buffer_too_small);
    for (std::size_t i = size; i < backing.size(); ++i) ASSERT_EQ(backing[i], std::byte{0xEE}) << "wrote at " << i;
  }
  std::vector<std::byte> exact(needed);
  auto result = build(exact);
  ASSERT_TRUE(result) << reason_of(result);
  EXPECT_EQ(hex_of(result.value()), hex_of(full.value()));
}

TEST(MessageBuilder, ReportsTheFirstErrorAndStopsWriting) {
  struct Case {
    const char* name;
    void (*build)(MessageBuilder&);
    BuildErrorReason reason;
    AttributeType attribute;
  };
  const Case cases[] = {
      {"nothing started", [](MessageBuilder&) {}, BuildErrorReason::not_started, {}},
      {"attribute without start", [](MessageBuilder& b) { b.add(Lifetime{600}); }, BuildErrorReason::not_started,
       AttributeType::lifetime},
      {"attribute after MESSAGE-INTEGRITY",
       [](MessageBuilder& b) { b.start({}, kId).add_message_integrity(short_term_key("k")).add(Software{"x"}); },
       BuildErrorReason::out_of_order, AttributeType::software},
      {"attribute after FINGERPRINT", [](MessageBuilder& b) { b.start({}, kId).add_fingerprint().add(Lifetime{1}); },
       BuildErrorReason::out_of_order, AttributeType::lifetime},
      {"MESSAGE-INTEGRITY after FINGERPRINT",
       [](MessageBuilder& b) { b.start({}, kId).add_fingerprint().add_message_integrity(short_term_key("k")); },
       BuildErrorReason::out_of_order, AttributeType::message_integrity},
      {"two MESSAGE-INTEGRITY",
       [](MessageBuilder& b) {
         b.start({}, kId).add_message_integrity(short_term_key("k")).add_message_integrity(short_term_key("k"));
       },
       BuildErrorReason::out_of_order, AttributeType::message_integrity},
      {"MESSAGE-INTEGRITY after -SHA256",
       [](MessageBuilder& b) {
         b.start({}, kId).add_message_integrity_sha256(short_term_key("k")).add_message_integrity(short_term_key("k"));
       },
       BuildErrorReason::out_of_order, AttributeType::message_integrity},
      {"two FINGERPRINTs", [](MessageBuilder& b) { b.start({}, kId).add_fingerprint().add_fingerprint(); },
       BuildErrorReason::out_of_order, AttributeType::fingerprint},
      {"FINGERPRINT written by hand",
       [](MessageBuilder& b) { b.start({}, kId).add_raw(AttributeType::fingerprint, test::bytes_of("00000000")); },
       BuildErrorReason::out_of_order, AttributeType::fingerprint},
      {"MESSAGE-INTEGRITY written by hand",
       [](MessageBuilder& b) { b.start({}, kId).add_raw(AttributeType::message_integrity, {}); },
       BuildErrorReason::out_of_order, AttributeType::message_integrity},
      {"SHA256 truncated to 12",
       [](MessageBuilder& b) { b.start({}, kId).add_message_integrity_sha256(short_term_key("k"), 12); },
       BuildErrorReason::invalid_value, AttributeType::message_integrity_sha256},
      {"SHA256 of 18 bytes",
       [](MessageBuilder& b) { b.start({}, kId).add_message_integrity_sha256(short_term_key("k"), 18); },
       BuildErrorReason::invalid_value, AttributeType::message_integrity_sha256},
      {"USERNAME of 514 bytes", [](MessageBuilder& b) { b.start({}, kId).add(Username{std::string(514, 'u')}); },
       BuildErrorReason::invalid_value, AttributeType::username},
      {"first error wins",
       [](MessageBuilder& b) { b.start({}, kId).add(Username{std::string(514, 'u')}).add_fingerprint().add_fingerprint(); },
       BuildErrorReason::invalid_value, AttributeType::username},
      {"value over 65535 bytes",
       [](MessageBuilder& b) {
         static const std::vector<std::byte> huge(0x10000);
         b.start({}, kId).add_raw(AttributeType::data, huge);
       },
       BuildErrorReason::value_too_long, AttributeType::data},
      {"message over the 16-bit length",
       [](MessageBuilder& b) {
         static const std::vector<std::byte> big(0x8000);
         b.start({}, kId).add_raw(AttributeType::data, big).add_raw(AttributeType::data, big);
       },
       BuildErrorReason::value_too_long, AttributeType::data},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    std::vector<std::byte> buffer(0x12000);
    MessageBuilder builder(buffer);
    c.build(builder);
    auto result = builder.finish();
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().reason, c.reason) << result.error().to_string();
    EXPECT_EQ(result.error().attribute, c.attribute) << result.error().to_string();
  }
}

TEST(MessageBuilder, TheLargestMessageFitsTheLengthField) {
  std::vector<std::byte> buffer(kMaxMessageSize);
  std::vector<std::byte> value(kMaxMessageSize - kHeaderSize - kAttributeHeaderSize);
  MessageBuilder builder(buffer);
  builder.start({Method::send, Class::indication}, kId).add_raw(AttributeType::data, value);
  auto bytes = builder.finish();
  ASSERT_TRUE(bytes) << reason_of(bytes);
  EXPECT_EQ(bytes.value().size(), kMaxMessageSize);
  EXPECT_TRUE(MessageView::parse(bytes.value()));
}

TEST(MessageBuilder, AppendAttributeLetsTheCallerFillTheValueInPlace) {
  std::array<std::byte, 64> buffer{};
  MessageBuilder builder(buffer);
  builder.start({Method::data, Class::indication}, kId);
  auto value = builder.append_attribute(AttributeType::data, 3);
  ASSERT_TRUE(value);
  ASSERT_EQ(value->size(), 3u);
  (*value)[0] = std::byte{'a'};
  (*value)[1] = std::byte{'b'};
  (*value)[2] = std::byte{'c'};
  auto bytes = builder.finish();
  ASSERT_TRUE(bytes);
  auto parsed = MessageView::parse(bytes.value());
  ASSERT_TRUE(parsed);
  EXPECT_EQ(as_string_view(parsed.value().find(AttributeType::data)->value), "abc");
}

TEST(MessageBuilder, IntegrityAttributesAndFingerprintVerifyTogether) {
  for (std::size_t sha256_length : {16u, 20u, 24u, 28u, 32u}) {
    SCOPED_TRACE(sha256_length);
    std::array<std::byte, 256> buffer{};
    MessageBuilder builder(buffer);
    const auto key = long_term_key("alice", "iceway", "password");
    builder.start({Method::allocate, Class::request}, kId)
        .add(RequestedTransport{})
        .add(Username{"alice"})
        .add_message_integrity(key)
        .add_message_integrity_sha256(key, sha256_length)
        .add_fingerprint();
    auto bytes = builder.finish();
    ASSERT_TRUE(bytes) << reason_of(bytes);
    auto parsed = MessageView::parse(bytes.value());
    ASSERT_TRUE(parsed) << parsed.error().to_string();
    EXPECT_TRUE(verify_message_integrity(parsed.value(), key));
    EXPECT_TRUE(verify_message_integrity_sha256(parsed.value(), key));
    EXPECT_TRUE(verify_fingerprint(parsed.value()));
    EXPECT_EQ(parsed.value().message_integrity_sha256()->value.size(), sha256_length);
  }
}

}  // namespace
}  // namespace iceway::stun
