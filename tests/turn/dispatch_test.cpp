// The steps every method shares (turn/dispatch.hpp): classification, the auth step with its
// 401/438/400 answers and their size and rate limits, 437, 441, Binding.
#include <gtest/gtest.h>

#include "stun/binding.hpp"
#include "tests/turn/turn_server_fixture.hpp"
#include "turn/handlers/response.hpp"

namespace iceway::turn::test {
namespace {

class Dispatch : public TurnServerTest {
 protected:
  Answer with_credentials(const FiveTuple& tuple, const User& user, const std::string& nonce, std::uint8_t id = 3) {
    return deliver(build(stun::Method::allocate, stun::Class::request, transaction(id), udp, &user, nonce), tuple);
  }
};

TEST_F(Dispatch, CredentialFailuresAre401WithAFreshChallengeAndCounted) {
  struct Case {
    const char* name;
    User user;
    AuthFailure reason;
  };
  const User good = alice();
  const auto expired = turn::Credentials::from(settings).make_credential("carol", Seconds(60), kNowUnix - 61).value();
  const auto other_secret = turn::Credentials({"another-secret"}, {}, "iceway").make_credential("eve", Seconds(60), kNowUnix).value();
  const Case cases[] = {
      {"wrong password", User{good.username, "not-the-password"}, AuthFailure::bad_integrity},
      {"signed with another secret", User{other_secret.username, other_secret.password}, AuthFailure::bad_integrity},
      {"expired REST username", User{expired.username, expired.password}, AuthFailure::expired_username},
      {"unknown user", User{"nobody", "x"}, AuthFailure::unknown_user},
      {"wrong static password", User{"static", "nope"}, AuthFailure::bad_integrity},
      {"another realm", User{good.username, good.password, "elsewhere"}, AuthFailure::wrong_realm},
  };
  std::uint16_t port = 40000;
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const FiveTuple tuple = client_tuple(port++);
    const auto& failures = server->counters().auth_failures[static_cast<std::size_t>(c.reason)];
    const std::uint64_t before = failures.value();
    const Answer answer = with_credentials(tuple, c.user, challenge(tuple));
    EXPECT_EQ(answer.error_code(), 401);
    EXPECT_FALSE(answer.nonce().empty());
    EXPECT_EQ(answer.get<stun::Realm>()->value, "iceway");
    EXPECT_FALSE(answer.view().message_integrity());
    EXPECT_EQ(failures.value(), before + 1);
    EXPECT_EQ(server->table().find(tuple), nullptr);
  }
  EXPECT_TRUE(ports.opened.empty());
  // A 401 after credentials is a failed allocation; the first challenge is not.
  EXPECT_EQ(server->counters().allocations_failed[error_index(stun::ErrorCode::unauthenticated)].value(), 6u);
}

TEST_F(Dispatch, RotatedSecretsStillVerify) {
  const User issued_with_old = alice();
  settings.secrets = {"new-secret", "s3cret"};
  rebuild();
  EXPECT_EQ(allocate(client_tuple(), issued_with_old).message_class(), stun::Class::success);
}

TEST_F(Dispatch, StaleNonceIs438WithANewNonceThatWorks) {
  const FiveTuple tuple = client_tuple();
  const std::string old_nonce = challenge(tuple);
  now += settings.nonce_lifetime + Seconds(1);
  const Answer stale = with_credentials(tuple, alice(), old_nonce);
  EXPECT_EQ(stale.error_code(), 438);
  EXPECT_NE(stale.nonce(), old_nonce);
  EXPECT_EQ(server->counters().auth_failures[static_cast<std::size_t>(AuthFailure::stale_nonce)].value(), 1u);
  const Answer retried = with_credentials(tuple, alice(), stale.nonce(), 4);
  EXPECT_EQ(retried.message_class(), stun::Class::success);
}

TEST_F(Dispatch, ANonceFromAnotherClientAddressIsRefused) {
  const std::string nonce = challenge(client_tuple(40000));
  const Answer answer = with_credentials(client_tuple(40001), alice(), nonce);
  EXPECT_EQ(answer.error_code(), 438);
  EXPECT_EQ(server->counters().auth_failures[static_cast<std::size_t>(AuthFailure::invalid_nonce)].value(), 1u);
  EXPECT_EQ(with_credentials(client_tuple(40000), alice(), "1.forged-nonce-xxxxxxxxxxxxx").error_code(), 438);
}

TEST_F(Dispatch, IntegrityWithoutUsernameRealmOrNonceIs400) {
  const FiveTuple tuple = client_tuple();
  std::array<std::byte, 512> buffer;
  stun::MessageBuilder builder(buffer);
  builder.start({stun::Method::allocate, stun::Class::request}, transaction(5));
  udp(builder);
  builder.add(stun::Username{alice().username});  // no REALM, no NONCE
  builder.add_message_integrity(alice().key()).add_fingerprint();
  const auto bytes = builder.finish().value();
  const Answer answer = deliver({bytes.begin(), bytes.end()}, tuple);
  EXPECT_EQ(answer.error_code(), 400);
  EXPECT_FALSE(answer.get<stun::Nonce>());
}

TEST_F(Dispatch, UnauthenticatedAnswersStaySmall) {
  const FiveTuple tuple = client_tuple();
  const Answer challenge_answer =
      deliver(build(stun::Method::allocate, stun::Class::request, transaction(1), udp), tuple);
  const std::size_t bound = max_unauthenticated_response_size(settings.realm.size());
  EXPECT_EQ(bound, 108u);
  EXPECT_LE(challenge_answer.bytes.size(), bound);
  const Answer stale = with_credentials(tuple, alice(), "1.xxxxxxxxxxxxxxxxxxxxxx");
  EXPECT_EQ(stale.error_code(), 438);
  EXPECT_LE(stale.bytes.size(), bound);
  // No SOFTWARE in answers to strangers.
  EXPECT_FALSE(challenge_answer.get<stun::Software>());
}

TEST_F(Dispatch, UnauthenticatedAnswersAreRateLimitedPerSourceIp) {
  settings.unauthenticated_per_ip_rate = 1;
  settings.unauthenticated_per_ip_burst = 2;
  rebuild();
  const auto request_bytes = build(stun::Method::allocate, stun::Class::request, transaction(1), udp);
  EXPECT_FALSE(deliver(request_bytes, client_tuple(40000)).empty());
  EXPECT_FALSE(deliver(request_bytes, client_tuple(40001)).empty());
  const Answer dropped = deliver(request_bytes, client_tuple(40002));  // same IP, third in a second
  EXPECT_TRUE(dropped.empty());
  EXPECT_EQ(server->counters().auth_failures[static_cast<std::size_t>(AuthFailure::rate_limited)].value(), 1u);
  // Another source is not affected, and the budget comes back with time.
  const FiveTuple elsewhere{*Endpoint::parse("192.0.2.99:1000"), kServer, Transport::udp};
  EXPECT_FALSE(deliver(request_bytes, elsewhere).empty());
  now += Seconds(1);
  EXPECT_FALSE(deliver(request_bytes, client_tuple(40003)).empty());
}

TEST_F(Dispatch, RequestsOtherThanAllocateNeedAnAllocation437) {
  struct Case {
    const char* name;
    stun::Method method;
    Attributes attributes;
  };
  const Case cases[] = {
      {"Refresh", stun::Method::refresh, [](stun::MessageBuilder&) {}},
      {"CreatePermission", stun::Method::create_permission,
       [](stun::MessageBuilder& b) { b.add(stun::XorPeerAddress{kPeer}); }},
      {"ChannelBind", stun::Method::channel_bind,
       [](stun::MessageBuilder& b) { b.add(stun::ChannelNumber{0x4000}).add(stun::XorPeerAddress{kPeer}); }},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const Answer answer = request(c.method, transaction(9), c.attributes, client_tuple(), alice());
    EXPECT_EQ(answer.error_code(), 437);
    EXPECT_TRUE(stun::verify_message_integrity(answer.view(), alice().key()));
  }
}

TEST_F(Dispatch, AnotherUsersRequestOnTheAllocationIs441) {
  const FiveTuple tuple = client_tuple();
  ASSERT_EQ(allocate(tuple, alice()).message_class(), stun::Class::success);
  const Answer refresh_answer = refresh(tuple, bob(), 1200);
  EXPECT_EQ(refresh_answer.error_code(), 441);
  EXPECT_EQ(server->counters().auth_failures[static_cast<std::size_t>(AuthFailure::wrong_credentials)].value(), 1u);
  EXPECT_EQ(create_permission(tuple, bob(), {kPeer}).error_code(), 441);
  EXPECT_FALSE(server->table().find(tuple)->permissions.allows(kPeer.address, now));
  EXPECT_EQ(server->table().find(tuple)->expires, kStart + Seconds(600));
}

TEST_F(Dispatch, UnknownComprehensionRequiredAttributeIs420BeforeAuthentication) {
  const auto bytes = build(stun::Method::allocate, stun::Class::request, transaction(1), [](stun::MessageBuilder& b) {
    udp(b);
    b.add_raw(static_cast<stun::AttributeType>(0x7777), as_byte_span("abcd"));
  });
  const Answer answer = deliver(bytes, client_tuple());
  EXPECT_EQ(answer.error_code(), 420);
  EXPECT_EQ(answer.get<stun::UnknownAttributes>()->types[0], static_cast<stun::AttributeType>(0x7777));
}

TEST_F(Dispatch, BindingRequestsAreAnsweredWithTheMappedAddress) {
  const FiveTuple tuple = client_tuple();
  const Answer answer = deliver(build(stun::Method::binding, stun::Class::request, transaction(1), {}), tuple);
  ASSERT_EQ(answer.message_class(), stun::Class::success);
  EXPECT_EQ(answer.get<stun::XorMappedAddress>()->endpoint, tuple.client);
  EXPECT_EQ(server->counters().requests[0][static_cast<std::size_t>(CountedMethod::binding)][0].value(), 1u);
}

TEST_F(Dispatch, ResponsesAndGarbageAreDropped) {
  const FiveTuple tuple = client_tuple();
  EXPECT_TRUE(deliver(build(stun::Method::allocate, stun::Class::success, transaction(1), {}), tuple).empty());
  const std::vector<std::byte> garbage(40, std::byte{0xFF});
  EXPECT_TRUE(deliver(garbage, tuple).empty());
  EXPECT_TRUE(deliver({}, tuple).empty());
}

TEST_F(Dispatch, UnsupportedMethodsAre400) {
  const Answer answer = deliver(build(stun::Method::connect, stun::Class::request, transaction(1), {}), client_tuple());
  EXPECT_EQ(answer.error_code(), 400);
}

TEST_F(Dispatch, SendIndicationWithoutAnAllocationIsIgnored) {
  const auto bytes = build(stun::Method::send, stun::Class::indication, transaction(1), [](stun::MessageBuilder& b) {
    b.add(stun::XorPeerAddress{kPeer}).add(stun::Data{as_byte_span("hello")});
  });
  const Answer answer = deliver(bytes, client_tuple());
  EXPECT_TRUE(answer.empty());
  EXPECT_FALSE(answer.result.to_peer);
}

}  // namespace
}  // namespace iceway::turn::test
