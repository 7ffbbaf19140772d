// RFC 8489's security features in the long-term credential check (§9.2): the nonce cookie
// and PASSWORD-ALGORITHMS in challenges, PASSWORD-ALGORITHM SHA-256, MESSAGE-INTEGRITY-SHA256,
// USERHASH for static users, and the bid-down protection of §9.2.4.
#include <gtest/gtest.h>

#include "common/hex.hpp"
#include "stun/attributes/security.hpp"
#include "tests/turn/turn_server_fixture.hpp"
#include "turn/security_features.hpp"

namespace iceway::turn::test {
namespace {

// How an RFC 8489 client signs: which name attribute, which key, which integrity attribute,
// and what it echoes of the server's PASSWORD-ALGORITHMS.
struct Rfc8489Client {
  std::string username;
  std::string password;
  bool userhash = false;
  std::optional<stun::PasswordAlgorithmId> algorithm = stun::PasswordAlgorithmId::sha256;
  bool echo_algorithms = true;
  ByteSpan echoed = stun::PasswordAlgorithms::kSha256AndMd5;
  bool sha256_integrity = true;
  std::size_t integrity_length = 32;

  std::array<std::byte, 32> sha256_key() const { return stun::long_term_key_sha256(username, "iceway", password); }
  stun::LongTermKey md5_key() const { return stun::long_term_key(username, "iceway", password); }
};

class Rfc8489Auth : public TurnServerTest {
 protected:
  Answer send(stun::Method method, const FiveTuple& tuple, const Rfc8489Client& client, const std::string& nonce,
              const Attributes& attributes = {}, std::uint8_t id = 7) {
    std::array<std::byte, 2048> buffer;
    stun::MessageBuilder builder(buffer);
    builder.start({method, stun::Class::request}, transaction(id));
    if (attributes) attributes(builder);
    if (client.userhash) {
      builder.add(stun::UserHash{stun::user_hash(client.username, "iceway")});
    } else {
      builder.add(stun::Username{client.username});
    }
    builder.add(stun::Realm{"iceway"}).add(stun::Nonce{nonce});
    if (client.echo_algorithms) builder.add(stun::PasswordAlgorithms{client.echoed});
    if (client.algorithm) builder.add(stun::PasswordAlgorithm{*client.algorithm, {}});
    const bool sha256_key = client.algorithm == stun::PasswordAlgorithmId::sha256;
    const auto sha256 = client.sha256_key();
    const auto md5 = client.md5_key();
    const ByteSpan key = sha256_key ? ByteSpan(sha256) : ByteSpan(md5);
    if (client.sha256_integrity) {
      builder.add_message_integrity_sha256(key, client.integrity_length);
    } else {
      builder.add_message_integrity(key);
    }
    builder.add_fingerprint();
    const auto bytes = builder.finish();
    EXPECT_TRUE(bytes);
    return deliver({bytes.value().begin(), bytes.value().end()}, tuple);
  }

  Answer allocate_with(const FiveTuple& tuple, const Rfc8489Client& client) {
    return send(stun::Method::allocate, tuple, client, challenge(tuple), udp, 1);
  }

  Rfc8489Client static_user() const { return {"static", "static-pass"}; }
  Rfc8489Client rest_user() const {
    const User user = alice();
    return {user.username, user.password};
  }
};

TEST_F(Rfc8489Auth, ChallengeCarriesTheNonceCookieAndOffersSha256ThenMd5) {
  const FiveTuple tuple = client_tuple();
  const Answer answer = deliver(build(stun::Method::allocate, stun::Class::request, transaction(1), udp), tuple);
  ASSERT_EQ(answer.error_code(), 401);
  // "obMatJos2" then base64 of the 24 feature bits: "wAAA" is 0xC00000, bit 0 (password
  // algorithms) and bit 1 (username anonymity) set.
  EXPECT_TRUE(answer.nonce().starts_with("obMatJos2wAAA")) << answer.nonce();
  const auto offered = answer.get<stun::PasswordAlgorithms>();
  ASSERT_TRUE(offered);
  EXPECT_EQ(iceway::to_hex(offered->list), "0002000000010000");
}

TEST_F(Rfc8489Auth, StaleNonceAnswerOffersThePasswordAlgorithmsToo) {
  const FiveTuple tuple = client_tuple();
  const std::string nonce = challenge(tuple);
  now += settings.nonce_lifetime + Seconds(1);
  const Answer answer = send(stun::Method::allocate, tuple, static_user(), nonce, udp);
  ASSERT_EQ(answer.error_code(), 438);
  EXPECT_TRUE(answer.nonce().starts_with(kNonceCookie));
  EXPECT_TRUE(answer.get<stun::PasswordAlgorithms>());
}

TEST_F(Rfc8489Auth, Sha256KeyAndIntegrityAllocateThenRefreshAreAnsweredWithIntegritySha256) {
  const FiveTuple tuple = client_tuple();
  const Rfc8489Client client = static_user();
  const Answer allocated = allocate_with(tuple, client);
  ASSERT_EQ(allocated.message_class(), stun::Class::success) << allocated.error_code().value_or(0);
  const auto key = client.sha256_key();
  EXPECT_TRUE(stun::verify_message_integrity_sha256(allocated.view(), key));
  ASSERT_TRUE(allocated.view().message_integrity_sha256());
  EXPECT_EQ(allocated.view().message_integrity_sha256()->value.size(), 32u);
  EXPECT_FALSE(allocated.view().message_integrity());  // the client used SHA-256 only

  const Answer refreshed = send(
      stun::Method::refresh, tuple, client, challenge(tuple),
      [](stun::MessageBuilder& builder) { builder.add(stun::Lifetime{300}); }, 2);
  ASSERT_EQ(refreshed.message_class(), stun::Class::success) << refreshed.error_code().value_or(0);
  EXPECT_TRUE(stun::verify_message_integrity_sha256(refreshed.view(), key));
}

TEST_F(Rfc8489Auth, UserhashNamesAStaticUser) {
  Rfc8489Client client = static_user();
  client.userhash = true;
  const FiveTuple tuple = client_tuple();
  const Answer answer = allocate_with(tuple, client);
  ASSERT_EQ(answer.message_class(), stun::Class::success) << answer.error_code().value_or(0);
  EXPECT_TRUE(stun::verify_message_integrity_sha256(answer.view(), client.sha256_key()));
  // The allocation belongs to the static user: a Refresh by name on it is the same user.
  const Answer refreshed = send(stun::Method::refresh, tuple, static_user(), challenge(tuple), {}, 3);
  EXPECT_EQ(refreshed.message_class(), stun::Class::success) << refreshed.error_code().value_or(0);
}

TEST_F(Rfc8489Auth, UserhashOfARestUserIsAnUnknownUser) {
  Rfc8489Client client = rest_user();
  client.userhash = true;
  const Answer answer = allocate_with(client_tuple(), client);
  EXPECT_EQ(answer.error_code(), 401);
  EXPECT_EQ(server->counters().auth_failures[static_cast<std::size_t>(AuthFailure::unknown_user)].value(), 1u);
}

TEST_F(Rfc8489Auth, RestUsersMayUseTheSha256KeyByName) {
  const Rfc8489Client client = rest_user();
  const Answer answer = allocate_with(client_tuple(), client);
  ASSERT_EQ(answer.message_class(), stun::Class::success) << answer.error_code().value_or(0);
  EXPECT_TRUE(stun::verify_message_integrity_sha256(answer.view(), client.sha256_key()));
}

TEST_F(Rfc8489Auth, Md5KeyWithIntegritySha256IsAnsweredWithIntegritySha256UnderTheMd5Key) {
  Rfc8489Client client = static_user();
  client.algorithm = stun::PasswordAlgorithmId::md5;
  const Answer answer = allocate_with(client_tuple(), client);
  ASSERT_EQ(answer.message_class(), stun::Class::success) << answer.error_code().value_or(0);
  EXPECT_TRUE(stun::verify_message_integrity_sha256(answer.view(), client.md5_key()));
}

TEST_F(Rfc8489Auth, Sha1ClientWithoutPasswordAlgorithmIsUnchanged) {
  Rfc8489Client client = static_user();
  client.algorithm.reset();
  client.echo_algorithms = false;
  client.sha256_integrity = false;
  const Answer answer = allocate_with(client_tuple(), client);
  ASSERT_EQ(answer.message_class(), stun::Class::success) << answer.error_code().value_or(0);
  EXPECT_TRUE(stun::verify_message_integrity(answer.view(), client.md5_key()));
  EXPECT_FALSE(answer.view().message_integrity_sha256());
}

TEST_F(Rfc8489Auth, WrongSha256KeyIs401) {
  Rfc8489Client client = static_user();
  client.password = "not-the-password";
  EXPECT_EQ(allocate_with(client_tuple(), client).error_code(), 401);
  EXPECT_EQ(server->counters().auth_failures[static_cast<std::size_t>(AuthFailure::bad_integrity)].value(), 1u);
}

// RFC 8489 §14.6: truncation only where the usage allows it; TURN does not.
TEST_F(Rfc8489Auth, TruncatedIntegritySha256Is401) {
  Rfc8489Client client = static_user();
  client.integrity_length = 16;
  EXPECT_EQ(allocate_with(client_tuple(), client).error_code(), 401);
}

// §9.2.4: with the cookie's "password algorithms" bit in our nonce, a request with one of
// PASSWORD-ALGORITHM/PASSWORD-ALGORITHMS must have both, the list exactly as offered.
TEST_F(Rfc8489Auth, BidDownAttemptsAre400) {
  const auto mismatches = [&] {
    return server->counters().auth_failures[static_cast<std::size_t>(AuthFailure::password_algorithm_mismatch)].value();
  };
  {  // PASSWORD-ALGORITHM without the echoed PASSWORD-ALGORITHMS
    Rfc8489Client client = static_user();
    client.echo_algorithms = false;
    EXPECT_EQ(allocate_with(client_tuple(40001), client).error_code(), 400);
  }
  {  // PASSWORD-ALGORITHMS echoed without PASSWORD-ALGORITHM
    Rfc8489Client client = static_user();
    client.algorithm.reset();
    EXPECT_EQ(allocate_with(client_tuple(40002), client).error_code(), 400);
  }
  {  // a man in the middle removed SHA-256 from our list, so the client echoes MD5 only
    static constexpr std::array<std::byte, 4> kMd5Only{std::byte{0}, std::byte{1}, std::byte{0}, std::byte{0}};
    Rfc8489Client client = static_user();
    client.algorithm = stun::PasswordAlgorithmId::md5;
    client.echoed = kMd5Only;
    EXPECT_EQ(allocate_with(client_tuple(40003), client).error_code(), 400);
  }
  {  // an algorithm we never offered
    Rfc8489Client client = static_user();
    client.algorithm = static_cast<stun::PasswordAlgorithmId>(0x0003);
    EXPECT_EQ(allocate_with(client_tuple(40004), client).error_code(), 400);
  }
  EXPECT_EQ(mismatches(), 4u);
}

// Stripping the cookie from our nonce (so a client believes we offer nothing) yields a nonce
// we did not issue: 438 with a fresh, cookied one.
TEST_F(Rfc8489Auth, NonceWithTheCookieStrippedIsNotOurs) {
  const FiveTuple tuple = client_tuple();
  const std::string nonce = challenge(tuple);
  ASSERT_TRUE(nonce.starts_with(kNonceCookie));
  Rfc8489Client client = static_user();
  client.algorithm.reset();
  client.echo_algorithms = false;
  client.sha256_integrity = false;
  const Answer answer = send(stun::Method::allocate, tuple, client, nonce.substr(kNonceCookie.size()), udp);
  EXPECT_EQ(answer.error_code(), 438);
  EXPECT_TRUE(answer.nonce().starts_with(kNonceCookie));
}

}  // namespace
}  // namespace iceway::turn::test
