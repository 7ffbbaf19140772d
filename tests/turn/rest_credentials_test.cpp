#include "turn/rest_credentials.hpp"

#include <gtest/gtest.h>

#include "common/hex.hpp"

namespace iceway::turn {
namespace {

// Vectors computed outside iceway with the openssl command line:
//   printf '%s' 1700000000:alice | openssl dgst -sha1 -hmac s3cret -binary | base64
//   printf '%s' user:iceway:pass | openssl dgst -md5
constexpr UnixSeconds kNow = 1'700'000'000 - 3600;

std::string hex(const LongTermKey& key) { return to_hex(ByteSpan(key)); }

TEST(RestCredentials, PasswordIsBase64OfHmacSha1OfTheUsername) {
  EXPECT_EQ(rest_password("s3cret", "1700000000:alice"), "TtElzSjT0GdnTQ9xdcRNxx96yQs=");
  EXPECT_EQ(rest_password("rotated", "1700000000:alice"), "iHxBMIMHNzDu7P5moqs91AgxTO0=");
}

TEST(RestCredentials, MakeCredentialSignsWithTheFirstSecret) {
  const Credentials credentials({"s3cret", "older"}, {}, "iceway");
  auto credential = credentials.make_credential("alice", Seconds(3600), kNow);
  ASSERT_TRUE(credential);
  EXPECT_EQ(credential.value().username, "1700000000:alice");
  EXPECT_EQ(credential.value().password, "TtElzSjT0GdnTQ9xdcRNxx96yQs=");
  EXPECT_EQ(credential.value().expires, 1'700'000'000);
}

TEST(RestCredentials, MakeCredentialRefusesWhatCannotBeSigned) {
  struct Case {
    const char* name;
    std::vector<std::string> secrets;
    const char* user;
    Seconds ttl;
    CredentialError error;
  };
  const Case cases[] = {
      {"no secret", {}, "alice", Seconds(60), CredentialError::no_secret},
      {"empty user", {"s"}, "", Seconds(60), CredentialError::bad_user_id},
      {"zero ttl", {"s"}, "alice", Seconds(0), CredentialError::bad_ttl},
      {"negative ttl", {"s"}, "alice", Seconds(-5), CredentialError::bad_ttl},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const Credentials credentials(c.secrets, {}, "iceway");
    auto credential = credentials.make_credential(c.user, c.ttl, kNow);
    ASSERT_FALSE(credential);
    EXPECT_EQ(credential.error(), c.error);
  }
}

TEST(RestCredentials, EverySecretVerifiesAndTheKeysFollowTheSecretsOrder) {
  const Credentials credentials({"new", "s3cret"}, {}, "iceway");
  auto keys = credentials.keys_for("1700000000:alice", kNow);
  ASSERT_TRUE(keys);
  EXPECT_EQ(keys.value().user_id, "alice");
  ASSERT_EQ(keys.value().keys.size(), 2u);
  // A backend still signing with the older secret is accepted during rotation.
  EXPECT_EQ(keys.value().keys[1], stun::long_term_key("1700000000:alice", "iceway", "TtElzSjT0GdnTQ9xdcRNxx96yQs="));
  EXPECT_EQ(keys.value().keys[0],
            stun::long_term_key("1700000000:alice", "iceway", rest_password("new", "1700000000:alice")));
}

TEST(RestCredentials, AWrongSecretGivesKeysThatDoNotMatch) {
  const Credentials server({"server-secret"}, {}, "iceway");
  const Credentials other({"other-secret"}, {}, "iceway");
  auto issued = other.make_credential("mallory", Seconds(60), kNow).value();
  auto keys = server.keys_for(issued.username, kNow).value();
  ASSERT_EQ(keys.keys.size(), 1u);
  EXPECT_NE(keys.keys[0], stun::long_term_key(issued.username, "iceway", issued.password));
}

TEST(RestCredentials, ExpiresAfterItsUnixExpiry) {
  const Credentials credentials({"s3cret"}, {}, "iceway");
  EXPECT_TRUE(credentials.keys_for("1700000000:alice", 1'700'000'000));
  auto expired = credentials.keys_for("1700000000:alice", 1'700'000'001);
  ASSERT_FALSE(expired);
  EXPECT_EQ(expired.error(), CredentialError::expired_username);
  EXPECT_EQ(label(expired.error()), "expired_username");
}

TEST(RestCredentials, MalformedUsernamesAreUnknownUsers) {
  const Credentials credentials({"s3cret"}, {}, "iceway");
  for (const char* username : {"alice", ":alice", "17x:alice", "-5:alice", "99999999999999999999999:alice", ""}) {
    SCOPED_TRACE(username);
    auto keys = credentials.keys_for(username, kNow);
    ASSERT_FALSE(keys);
    EXPECT_EQ(keys.error(), CredentialError::unknown_user);
  }
}

TEST(RestCredentials, UserIdMayContainColonsAndBeEmpty) {
  const Credentials credentials({"s3cret"}, {}, "iceway");
  EXPECT_EQ(credentials.keys_for("1700000000:room:7:alice", kNow).value().user_id, "room:7:alice");
  EXPECT_EQ(credentials.keys_for("1700000000:", kNow).value().user_id, "");
}

TEST(RestCredentials, WithoutSecretsRestUsernamesAreUnknown) {
  const Credentials credentials({}, {}, "iceway");
  EXPECT_EQ(credentials.keys_for("1700000000:alice", kNow).error(), CredentialError::unknown_user);
}

TEST(RestCredentials, StaticUsersHaveOneKeyAndNeverExpire) {
  const Credentials credentials({"s3cret"}, {StaticUser{"user", "pass"}, StaticUser{"1:bob", "pw"}}, "iceway");
  auto keys = credentials.keys_for("user", 4'000'000'000);
  ASSERT_TRUE(keys);
  EXPECT_EQ(keys.value().user_id, "user");
  ASSERT_EQ(keys.value().keys.size(), 1u);
  EXPECT_EQ(hex(keys.value().keys[0]), "72b3f5d0f00acd4d496b0848e251f5e5");
  // A static name in the REST form wins over the REST reading (which would be expired).
  auto bob = credentials.keys_for("1:bob", kNow);
  ASSERT_TRUE(bob);
  EXPECT_EQ(bob.value().keys[0], stun::long_term_key("1:bob", "iceway", "pw"));
  EXPECT_EQ(credentials.keys_for("nobody", kNow).error(), CredentialError::unknown_user);
}

}  // namespace
}  // namespace iceway::turn
