#include "stun/integrity.hpp"

#include <gtest/gtest.h>

#include <array>
#include <vector>

#include "stun/attributes.hpp"
#include "stun/message_builder.hpp"
#include "test_support.hpp"

namespace iceway::stun {
namespace {

using test::hex_of;

const TransactionId kId = TransactionId::from(test::bytes_of(test::kTransactionIdHex));

std::vector<std::byte> signed_request(ByteSpan key) {
  std::array<std::byte, 256> buffer{};
  MessageBuilder builder(buffer);
  builder.start({Method::allocate, Class::request}, kId)
      .add(RequestedTransport{})
      .add(Username{"1700000000:alice"})
      .add(Realm{"iceway"})
      .add(Nonce{"nonce"})
      .add_message_integrity(key)
      .add_message_integrity_sha256(key)
      .add_fingerprint();
  auto bytes = builder.finish();
  EXPECT_TRUE(bytes);
  return {bytes.value().begin(), bytes.value().end()};
}

TEST(LongTermKey, IsMd5OfUsernameRealmPassword) {
  // md5("user:realm:pass") and sha256("user:realm:pass"), computed independently.
  EXPECT_EQ(hex_of(long_term_key("user", "realm", "pass")), "8493fbc53ba582fb4c044c456bdc40eb");
  EXPECT_EQ(hex_of(long_term_key_sha256("user", "realm", "pass")),
            "07e934117abd40836e7c6329b54731b2b2d2a5f9a71f544922d75e0730d8251b");
}

TEST(ShortTermKey, IsThePasswordBytes) {
  EXPECT_EQ(as_string_view(short_term_key("VOkJxbRl1RmTxUk/WvJxBt")), "VOkJxbRl1RmTxUk/WvJxBt");
}

TEST(VerifyMessageIntegrity, AcceptsTheRightKeyOnly) {
  const auto key = long_term_key("1700000000:alice", "iceway", "secret");
  const auto bytes = signed_request(key);
  auto parsed = MessageView::parse(bytes);
  ASSERT_TRUE(parsed);
  EXPECT_TRUE(verify_message_integrity(parsed.value(), key));
  EXPECT_TRUE(verify_message_integrity_sha256(parsed.value(), key));
  const auto wrong = long_term_key("1700000000:alice", "iceway", "Secret");
  EXPECT_FALSE(verify_message_integrity(parsed.value(), wrong));
  EXPECT_FALSE(verify_message_integrity_sha256(parsed.value(), wrong));
  EXPECT_FALSE(verify_message_integrity(parsed.value(), {}));
}

TEST(VerifyMessageIntegrity, FailsWhenAnyCoveredByteChanges) {
  const auto key = long_term_key("1700000000:alice", "iceway", "secret");
  const auto original = signed_request(key);
  auto parsed = MessageView::parse(original);
  ASSERT_TRUE(parsed);
  const std::size_t integrity_end = parsed.value().message_integrity()->offset;
  // Every byte of the header and attributes before MESSAGE-INTEGRITY is covered. (The length
  // field bytes are skipped: changing them breaks parsing before integrity is checked.)
  for (std::size_t i = 0; i < integrity_end; ++i) {
    if (i == 2 || i == 3) continue;
    SCOPED_TRACE(i);
    auto bytes = original;
    bytes[i] ^= std::byte{0x01};
    auto tampered = MessageView::parse(bytes);
    if (!tampered) continue;  // e.g. an attribute length now runs past the end
    EXPECT_FALSE(verify_message_integrity(tampered.value(), key));
    EXPECT_FALSE(verify_message_integrity_sha256(tampered.value(), key));
    EXPECT_FALSE(verify_fingerprint(tampered.value()));
  }
}

TEST(VerifyMessageIntegrity, IsFalseWhenTheAttributeIsAbsent) {
  const auto bytes = test::raw_message("0001", "");
  auto parsed = MessageView::parse(bytes);
  ASSERT_TRUE(parsed);
  EXPECT_FALSE(verify_message_integrity(parsed.value(), short_term_key("k")));
  EXPECT_FALSE(verify_message_integrity_sha256(parsed.value(), short_term_key("k")));
  EXPECT_FALSE(verify_fingerprint(parsed.value()));
}

TEST(VerifyMessageIntegrity, WorksWithAnEmptyKey) {
  // An empty key is still a key for HMAC; both sides must agree on it.
  std::array<std::byte, 64> buffer{};
  MessageBuilder builder(buffer);
  builder.start({Method::binding, Class::request}, kId).add_message_integrity({});
  auto bytes = builder.finish();
  ASSERT_TRUE(bytes);
  auto parsed = MessageView::parse(bytes.value());
  ASSERT_TRUE(parsed);
  EXPECT_TRUE(verify_message_integrity(parsed.value(), {}));
  EXPECT_FALSE(verify_message_integrity(parsed.value(), short_term_key("x")));
}

TEST(VerifyMessageIntegrity, IgnoresAttributesAppendedAfterIt) {
  // RFC 8489 §14.5: attributes after MESSAGE-INTEGRITY are ignored, so appending one (and
  // fixing the length) neither breaks verification nor shows up in find().
  const auto key = short_term_key("secret");
  std::array<std::byte, 128> buffer{};
  MessageBuilder builder(buffer);
  builder.start({Method::binding, Class::request}, kId).add(Username{"u"}).add_message_integrity(key);
  auto signed_bytes = builder.finish();
  ASSERT_TRUE(signed_bytes);
  std::vector<std::byte> bytes(signed_bytes.value().begin(), signed_bytes.value().end());
  const auto extra = test::bytes_of("00130004 61626364");  // DATA "abcd"
  bytes.insert(bytes.end(), extra.begin(), extra.end());
  store_u16(bytes.data() + 2, static_cast<std::uint16_t>(bytes.size() - kHeaderSize));
  auto parsed = MessageView::parse(bytes);
  ASSERT_TRUE(parsed) << parsed.error().to_string();
  EXPECT_TRUE(verify_message_integrity(parsed.value(), key));
  EXPECT_FALSE(parsed.value().find(AttributeType::data));
}

}  // namespace
}  // namespace iceway::stun
