// RFC 5769 "Test Vectors for STUN": every vector parses, its MESSAGE-INTEGRITY and
// FINGERPRINT verify, every attribute decodes to the documented value, and MessageBuilder
// writes the same bytes back.
#include <gtest/gtest.h>

#include <array>

#include "stun/attributes.hpp"
#include "stun/integrity.hpp"
#include "stun/message.hpp"
#include "stun/message_builder.hpp"
#include "test_support.hpp"

namespace iceway::stun {
namespace {

using test::bytes_of;
using test::hex_of;

template <class T>
T get_or_fail(const MessageView& message) {
  auto result = message.get<T>();
  EXPECT_TRUE(result.has_value()) << (result ? "" : result.error().to_string());
  EXPECT_TRUE(result && result.value().has_value()) << "attribute 0x" << std::hex << to_wire(T::kType) << " missing";
  return result && result.value() ? *result.value() : T{};
}

TEST(Rfc5769, SampleRequestParsesVerifiesAndDecodes) {
  const auto bytes = bytes_of(test::kSampleRequest);
  ASSERT_EQ(bytes.size(), 108u);
  auto parsed = MessageView::parse(bytes);
  ASSERT_TRUE(parsed) << parsed.error().to_string();
  const MessageView& message = parsed.value();
  EXPECT_EQ(message.type(), (MessageType{Method::binding, Class::request}));
  EXPECT_EQ(hex_of(message.transaction_id().span()), "b7e7a701bc34d686fa87dfae");

  EXPECT_EQ(get_or_fail<Software>(message).value, "STUN test client");
  EXPECT_EQ(get_or_fail<Priority>(message).value, 0x6e0001ffu);
  EXPECT_EQ(get_or_fail<IceControlled>(message).tie_breaker, 0x932ff9b151263b36u);
  EXPECT_EQ(get_or_fail<Username>(message).value, "evtj:h6vY");
  EXPECT_EQ(get_or_fail<MessageIntegrity>(message).hmac.size(), 20u);
  EXPECT_EQ(get_or_fail<Fingerprint>(message).value, 0xe57a3bcfu);

  EXPECT_TRUE(verify_message_integrity(message, short_term_key(test::kShortTermPassword)));
  EXPECT_FALSE(verify_message_integrity(message, short_term_key("VOkJxbRl1RmTxUk/WvJxBT")));
  EXPECT_TRUE(verify_fingerprint(message));
}

TEST(Rfc5769, SampleResponsesDecodeTheDocumentedAddresses) {
  struct Case {
    const char* name;
    std::string_view hex;
    const char* mapped;
  };
  const Case cases[] = {
      {"IPv4 (§2.2)", test::kSampleIpv4Response, "192.0.2.1:32853"},
      {"IPv6 (§2.3)", test::kSampleIpv6Response, "[2001:db8:1234:5678:11:2233:4455:6677]:32853"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const auto bytes = bytes_of(c.hex);
    auto parsed = MessageView::parse(bytes);
    ASSERT_TRUE(parsed) << parsed.error().to_string();
    const MessageView& message = parsed.value();
    EXPECT_EQ(message.type(), (MessageType{Method::binding, Class::success}));
    EXPECT_EQ(get_or_fail<Software>(message).value, "test vector");
    EXPECT_EQ(get_or_fail<XorMappedAddress>(message).endpoint, Endpoint::parse(c.mapped).value());
    EXPECT_TRUE(verify_message_integrity(message, short_term_key(test::kShortTermPassword)));
    EXPECT_TRUE(verify_fingerprint(message));
  }
}

TEST(Rfc5769, LongTermRequestVerifiesUnderTheMd5Key) {
  const auto bytes = bytes_of(test::kSampleLongTermRequest);
  auto parsed = MessageView::parse(bytes);
  ASSERT_TRUE(parsed) << parsed.error().to_string();
  const MessageView& message = parsed.value();
  EXPECT_EQ(hex_of(message.transaction_id().span()), "78ad3433c6ad72c029da412e");
  EXPECT_EQ(get_or_fail<Username>(message).value, test::kLongTermUsername);
  EXPECT_EQ(get_or_fail<Nonce>(message).value, test::kLongTermNonce);
  EXPECT_EQ(get_or_fail<Realm>(message).value, test::kLongTermRealm);
  EXPECT_FALSE(message.fingerprint().has_value());
  EXPECT_FALSE(verify_fingerprint(message));

  // The key is computed from the decoded attributes, as a server does.
  const auto key = long_term_key(get_or_fail<Username>(message).value, get_or_fail<Realm>(message).value,
                                 test::kLongTermPassword);
  EXPECT_TRUE(verify_message_integrity(message, key));
  EXPECT_FALSE(verify_message_integrity(message, long_term_key(test::kLongTermUsername, "example.org", "TheMatrix")));
  EXPECT_FALSE(verify_message_integrity(message, short_term_key(test::kLongTermPassword)));
}

TEST(Rfc5769, BuilderReproducesTheSampleRequest) {
  const auto want = bytes_of(test::kSampleRequest);
  std::array<std::byte, 256> buffer{};
  MessageBuilder builder(buffer);
  builder.set_padding_byte(std::byte{0x20});  // the RFC pads USERNAME with spaces
  builder.start({Method::binding, Class::request}, TransactionId::from(ByteSpan(want).subspan(8, 12)))
      .add(Software{"STUN test client"})
      .add(Priority{0x6e0001ff})
      .add(IceControlled{0x932ff9b151263b36})
      .add(Username{"evtj:h6vY"})
      .add_message_integrity(short_term_key(test::kShortTermPassword))
      .add_fingerprint();
  auto got = builder.finish();
  ASSERT_TRUE(got) << got.error().to_string();
  EXPECT_EQ(hex_of(got.value()), hex_of(want));
}

TEST(Rfc5769, BuilderReproducesTheSampleResponses) {
  struct Case {
    const char* name;
    std::string_view hex;
    const char* mapped;
  };
  const Case cases[] = {
      {"IPv4 (§2.2)", test::kSampleIpv4Response, "192.0.2.1:32853"},
      {"IPv6 (§2.3)", test::kSampleIpv6Response, "[2001:db8:1234:5678:11:2233:4455:6677]:32853"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const auto want = bytes_of(c.hex);
    std::array<std::byte, 256> buffer{};
    MessageBuilder builder(buffer);
    builder.set_padding_byte(std::byte{0x20});  // SOFTWARE "test vector" is padded with a space
    builder.start({Method::binding, Class::success}, TransactionId::from(ByteSpan(want).subspan(8, 12)))
        .add(Software{"test vector"})
        .add(XorMappedAddress{Endpoint::parse(c.mapped).value()})
        .add_message_integrity(short_term_key(test::kShortTermPassword))
        .add_fingerprint();
    auto got = builder.finish();
    ASSERT_TRUE(got) << got.error().to_string();
    EXPECT_EQ(hex_of(got.value()), hex_of(want));
  }
}

TEST(Rfc5769, BuilderReproducesTheLongTermRequest) {
  const auto want = bytes_of(test::kSampleLongTermRequest);
  std::array<std::byte, 256> buffer{};
  MessageBuilder builder(buffer);  // this vector pads with zeros, our default
  builder.start({Method::binding, Class::request}, TransactionId::from(ByteSpan(want).subspan(8, 12)))
      .add(Username{test::kLongTermUsername})
      .add(Nonce{test::kLongTermNonce})
      .add(Realm{test::kLongTermRealm})
      .add_message_integrity(long_term_key(test::kLongTermUsername, test::kLongTermRealm, test::kLongTermPassword));
  auto got = builder.finish();
  ASSERT_TRUE(got) << got.error().to_string();
  EXPECT_EQ(hex_of(got.value()), hex_of(want));
}

TEST(Rfc5769, EveryAttributeOfEveryVectorIsWalkedInOrder) {
  struct Case {
    const char* name;
    std::string_view hex;
    std::vector<AttributeType> types;
  };
  const Case cases[] = {
      {"§2.1", test::kSampleRequest,
       {AttributeType::software, AttributeType::priority, AttributeType::ice_controlled, AttributeType::username,
        AttributeType::message_integrity, AttributeType::fingerprint}},
      {"§2.2", test::kSampleIpv4Response,
       {AttributeType::software, AttributeType::xor_mapped_address, AttributeType::message_integrity,
        AttributeType::fingerprint}},
      {"§2.3", test::kSampleIpv6Response,
       {AttributeType::software, AttributeType::xor_mapped_address, AttributeType::message_integrity,
        AttributeType::fingerprint}},
      {"§2.4", test::kSampleLongTermRequest,
       {AttributeType::username, AttributeType::nonce, AttributeType::realm, AttributeType::message_integrity}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const auto bytes = bytes_of(c.hex);
    auto parsed = MessageView::parse(bytes);
    ASSERT_TRUE(parsed);
    std::vector<AttributeType> seen;
    for (const Attribute& attribute : parsed.value().attributes()) seen.push_back(attribute.type);
    EXPECT_EQ(seen, c.types);
  }
}

}  // namespace
}  // namespace iceway::stun
