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

// RFC 8489 Appendix B.1 as corrected by erratum 6268 (the published vector had no
// PASSWORD-ALGORITHM and a MESSAGE-INTEGRITY-SHA256 nobody could reproduce): a Binding
// request with USERHASH, NONCE, REALM, PASSWORD-ALGORITHM SHA-256 and MESSAGE-INTEGRITY-SHA256
// under the SHA-256 long-term key. Username "マトリックス" (UTF-8, unchanged by OpaqueString),
// password "TheMatrIX" (the OpaqueString form of "The\u00adM\u00aatr\u2168x").
constexpr std::string_view kB1Username = "\xe3\x83\x9e\xe3\x83\x88\xe3\x83\xaa\xe3\x83\x83\xe3\x82\xaf\xe3\x82\xb9";
constexpr std::string_view kB1Realm = "example.org";
constexpr std::string_view kB1Nonce = "obMatJos2AAACf//499k954d6OL34oL9FSTvy64sA";
constexpr std::string_view kB1Vector =
    "000100902112a44278ad3433c6ad72c029da412e"
    "001e0020"
    "4a3cf38fef6992bda952c6780417da0f24819415569e60b205c46e41407f1704"
    "00150029"
    "6f624d61744a6f733241414143662f2f3439396b39353464364f4c33346f4c39465354767936347341000000"
    "0014000b6578616d706c652e6f726700"
    "001d000400020000"
    "001c0020"
    "b5c7bf005b6c52a21c51c5e892f81924136296cb927c43149309278cc6518e65";

std::vector<std::byte> b1_vector() {
  return test::bytes_of(kB1Vector);
}

TEST(Rfc8489VectorB1, UserhashIsSha256OfUsernameColonRealm) {
  EXPECT_EQ(hex_of(user_hash(kB1Username, kB1Realm)),
            "4a3cf38fef6992bda952c6780417da0f24819415569e60b205c46e41407f1704");
}

TEST(Rfc8489VectorB1, VerifiesWithTheSha256KeyOnly) {
  const auto bytes = b1_vector();
  ASSERT_EQ(bytes.size(), 164u);
  const auto parsed = MessageView::parse(bytes);
  ASSERT_TRUE(parsed);
  const auto key = long_term_key_sha256(kB1Username, kB1Realm, "TheMatrIX");
  EXPECT_TRUE(verify_message_integrity_sha256(parsed.value(), key));
  // The MD5 key (what the uncorrected vector implied) does not verify it.
  EXPECT_FALSE(verify_message_integrity_sha256(parsed.value(), long_term_key(kB1Username, kB1Realm, "TheMatrIX")));
  const auto algorithm = parsed.value().get<PasswordAlgorithm>();
  ASSERT_TRUE(algorithm && algorithm.value());
  EXPECT_EQ(algorithm.value()->algorithm, PasswordAlgorithmId::sha256);
  const auto userhash = parsed.value().get<UserHash>();
  ASSERT_TRUE(userhash && userhash.value());
  EXPECT_EQ(userhash.value()->hash, user_hash(kB1Username, kB1Realm));
}

TEST(Rfc8489VectorB1, RebuildsByteForByteWithTheBuilder) {
  std::array<std::byte, 256> buffer{};
  MessageBuilder builder(buffer);
  TransactionId id;
  const auto id_bytes = test::bytes_of("78ad3433c6ad72c029da412e");
  std::copy(id_bytes.begin(), id_bytes.end(), id.bytes.begin());
  builder.start({Method::binding, Class::request}, id)
      .add(UserHash{user_hash(kB1Username, kB1Realm)})
      .add(Nonce{kB1Nonce})
      .add(Realm{kB1Realm})
      .add(PasswordAlgorithm{PasswordAlgorithmId::sha256, {}})
      .add_message_integrity_sha256(long_term_key_sha256(kB1Username, kB1Realm, "TheMatrIX"));
  const auto bytes = builder.finish();
  ASSERT_TRUE(bytes);
  EXPECT_EQ(hex_of(bytes.value()), hex_of(b1_vector()));
}

}  // namespace
}  // namespace iceway::stun
