// The steps every method shares (turn/dispatch.hpp): classification, the auth step with its
// 401/438/400 answers and their size and rate limits, 437, 441, Binding.
#include <gtest/gtest.h>

#include "stun/attributes/nat_behavior.hpp"
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
  // The normal renewal of a long-lived allocation: counted apart, not as an auth failure.
  EXPECT_EQ(server->counters().stale_nonces.value(), 1u);
  EXPECT_FALSE(stale.result.auth_failure);
  for (const auto& failures : server->counters().auth_failures) EXPECT_EQ(failures.value(), 0u);
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
  EXPECT_EQ(bound, 132u);
  EXPECT_LE(challenge_answer.bytes.size(), bound);
  const Answer stale = with_credentials(tuple, alice(), "1.xxxxxxxxxxxxxxxxxxxxxx");
  EXPECT_EQ(stale.error_code(), 438);
  EXPECT_LE(stale.bytes.size(), bound);
  // No SOFTWARE in answers to strangers.
  EXPECT_FALSE(challenge_answer.get<stun::Software>());
}

// Finding 5: every answer a forged source could receive is charged to one byte budget per
// source: Binding, 420, and the auth step's 401. Each kind drains the same budget, and the
// bytes answered never exceed it.
TEST_F(Dispatch, EveryUnauthenticatedAnswerIsChargedToTheSourcesByteBudget) {
  struct Case {
    const char* name;
    std::vector<std::byte> request;
  };
  const Case cases[] = {
      {"Binding", build(stun::Method::binding, stun::Class::request, transaction(1), {})},
      {"420", build(stun::Method::binding, stun::Class::request, transaction(1),
                    [](stun::MessageBuilder& b) { b.add_raw(static_cast<stun::AttributeType>(0x7777), as_byte_span("abcd")); })},
      {"401 challenge", build(stun::Method::allocate, stun::Class::request, transaction(1), udp)},
  };
  settings.unauthenticated_bytes_per_second = 1000;
  settings.unauthenticated_burst_bytes = 2000;
  std::uint8_t network = 1;
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    rebuild();
    const std::string address = "198.51.100." + std::to_string(network++);
    std::size_t answered = 0;
    std::size_t answers = 0;
    for (std::uint16_t port = 1; port <= 200; ++port) {
      const FiveTuple tuple{*Endpoint::parse(address + ":" + std::to_string(port)), kServer, Transport::udp};
      const Answer answer = deliver(c.request, tuple);
      answered += answer.bytes.size();
      answers += answer.empty() ? 0 : 1;
      if (answer.empty()) {
        EXPECT_TRUE(answer.result.rate_limited);
      }
    }
    EXPECT_LE(answered, 2000u);
    EXPECT_GT(answered, 2000u - 120u);  // the budget is used, not refused early
    EXPECT_LT(answers, 200u);
    // A second later, one second's worth more.
    now += Seconds(1);
    std::size_t later = 0;
    for (std::uint16_t port = 201; port <= 400; ++port) {
      const FiveTuple tuple{*Endpoint::parse(address + ":" + std::to_string(port)), kServer, Transport::udp};
      later += deliver(c.request, tuple).bytes.size();
    }
    EXPECT_LE(later, 1000u);
    EXPECT_GT(later, 1000u - 120u);
  }
}

TEST_F(Dispatch, DroppedAnswersAreCountedAsRateLimitedNotAsSuccessOrAuthFailure) {
  settings.unauthenticated_bytes_per_second = 1;
  settings.unauthenticated_burst_bytes = 600;
  rebuild();
  const auto allocate = build(stun::Method::allocate, stun::Class::request, transaction(1), udp);
  std::size_t dropped = 0;
  for (std::uint16_t port = 40000; port < 40020; ++port) dropped += deliver(allocate, client_tuple(port)).empty();
  ASSERT_GT(dropped, 10u);
  const auto& requests = server->counters().requests[0][static_cast<std::size_t>(CountedMethod::allocate)];
  EXPECT_EQ(requests[static_cast<std::size_t>(RequestResult::rate_limited)].value(), dropped);
  EXPECT_EQ(requests[static_cast<std::size_t>(RequestResult::success)].value(), 0u);
  EXPECT_EQ(requests[static_cast<std::size_t>(RequestResult::error)].value(), 20u - dropped);
  EXPECT_EQ(server->counters().challenges.value(), 20u - dropped);
  for (const auto& failures : server->counters().auth_failures) EXPECT_EQ(failures.value(), 0u);
}

TEST_F(Dispatch, AnotherSourceKeepsItsBudgetAndTheBudgetComesBack) {
  settings.unauthenticated_bytes_per_second = 100;
  settings.unauthenticated_burst_bytes = 512;
  rebuild();
  const auto request_bytes = build(stun::Method::allocate, stun::Class::request, transaction(1), udp);
  std::uint16_t port = 40000;
  while (!deliver(request_bytes, client_tuple(port++)).empty()) ASSERT_LT(port, 40100);
  const FiveTuple elsewhere{*Endpoint::parse("192.0.2.99:1000"), kServer, Transport::udp};
  EXPECT_FALSE(deliver(request_bytes, elsewhere).empty());
  now += Seconds(2);
  EXPECT_FALSE(deliver(request_bytes, client_tuple(port)).empty());
}

// Finding 6 for the limiter: one budget per IPv6 /64 (server.ipv6_prefix).
TEST_F(Dispatch, AnIpv6SlashSixtyFourSharesOneBudget) {
  settings.unauthenticated_bytes_per_second = 1;
  settings.unauthenticated_burst_bytes = 1000;
  rebuild();
  const auto binding = build(stun::Method::binding, stun::Class::request, transaction(1), {});
  std::size_t answered = 0;
  for (unsigned host = 1; host <= 200; ++host) {
    char text[64];
    std::snprintf(text, sizeof text, "[2001:db8:5:6::%x]:5000", host);
    answered += deliver(binding, FiveTuple{*Endpoint::parse(text), kServer, Transport::udp}).bytes.size();
  }
  EXPECT_LE(answered, 1000u);
  // Another /64 has its own.
  EXPECT_FALSE(deliver(binding, FiveTuple{*Endpoint::parse("[2001:db8:5:7::1]:5000"), kServer, Transport::udp}).empty());
}

// Finding 11: the budget is the process's, not each worker's. Two TurnServers (two workers)
// built from one SharedTurnState answer one source only up to one budget together.
TEST_F(Dispatch, WorkersShareOneBudget) {
  settings.unauthenticated_bytes_per_second = 1;
  settings.unauthenticated_burst_bytes = 1000;
  rebuild();
  FakePorts other_ports;
  TurnServer second_worker(shared_state(), quota, other_ports);
  const auto allocate = build(stun::Method::allocate, stun::Class::request, transaction(1), udp);
  std::size_t answered = 0;
  std::array<std::byte, 2048> other_out{};
  for (std::uint16_t port = 40000; port < 40100; ++port) {
    answered += deliver(allocate, client_tuple(port)).bytes.size();
    answered += second_worker.on_client_message(allocate, client_tuple(port), now, kNowUnix, other_out).response.size();
  }
  EXPECT_LE(answered, 1000u);
  EXPECT_GT(answered, 800u);
}

// Finding 5: a small request gets only what the RFC requires; a request as large as the full
// answer gets SOFTWARE and MAPPED-ADDRESS too, so no answer is larger than its request
// unless it has to be.
TEST_F(Dispatch, AutomaticAnswersToSmallRequestsCarryOnlyWhatTheRfcRequires) {
  const Answer binding = deliver(build(stun::Method::binding, stun::Class::request, transaction(1), {}), client_tuple());
  ASSERT_EQ(binding.message_class(), stun::Class::success);
  EXPECT_FALSE(binding.get<stun::Software>());
  EXPECT_FALSE(binding.get<stun::MappedAddress>());
  EXPECT_EQ(binding.bytes.size(), stun::binding_success_size(false, 0, false));  // 40 bytes
  const Answer unknown = deliver(build(stun::Method::binding, stun::Class::request, transaction(2),
                                       [](stun::MessageBuilder& b) {
                                         b.add_raw(static_cast<stun::AttributeType>(0x7777), as_byte_span("abcd"));
                                       }),
                                 client_tuple());
  EXPECT_EQ(unknown.error_code(), 420);
  EXPECT_FALSE(unknown.get<stun::Software>());

  const auto padded = build(stun::Method::binding, stun::Class::request, transaction(3), [](stun::MessageBuilder& b) {
    b.add(stun::Software{std::string(60, 'p')});
  });
  const Answer full = deliver(padded, client_tuple());
  EXPECT_EQ(full.get<stun::Software>()->value, "iceway-test");
  EXPECT_TRUE(full.get<stun::MappedAddress>());
  EXPECT_LE(full.bytes.size(), padded.size());
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

TEST_F(Dispatch, ChangeRequestIs420WithoutAnAlternateAddress) {
  const auto change = build(stun::Method::binding, stun::Class::request, transaction(1),
                            [](stun::MessageBuilder& b) { b.add(stun::ChangeRequest{true, true}); });
  const Answer answer = deliver(change, client_tuple());
  EXPECT_EQ(answer.error_code(), 420);
  EXPECT_EQ(answer.get<stun::UnknownAttributes>()->types[0], stun::AttributeType::change_request);
  EXPECT_FALSE(answer.result.reply_to);
}

TEST_F(Dispatch, WithAnAlternateAddressBindingAnswersNatBehaviourDiscovery) {
  const Endpoint alternate = *Endpoint::parse("203.0.113.11:3479");
  settings.nat_behavior = stun::NatAddresses{kServer, alternate};
  rebuild();
  const FiveTuple tuple = client_tuple();

  // A plain request: answered on its own 5-tuple, with where a changed answer would come from.
  const Answer plain = deliver(build(stun::Method::binding, stun::Class::request, transaction(1), {}), tuple);
  ASSERT_EQ(plain.message_class(), stun::Class::success);
  EXPECT_EQ(plain.get<stun::XorMappedAddress>()->endpoint, tuple.client);
  EXPECT_EQ(plain.get<stun::ResponseOrigin>()->endpoint, kServer);
  EXPECT_EQ(plain.get<stun::OtherAddress>()->endpoint, alternate);
  EXPECT_FALSE(plain.result.reply_to);

  // Change IP and port, to another port of the client: it leaves from the alternate address.
  const Answer changed = deliver(build(stun::Method::binding, stun::Class::request, transaction(2), [](stun::MessageBuilder& b) {
                                   b.add(stun::ChangeRequest{true, true}).add(stun::ResponsePort{41000});
                                 }),
                                 tuple);
  ASSERT_EQ(changed.message_class(), stun::Class::success);
  EXPECT_EQ(changed.get<stun::ResponseOrigin>()->endpoint, alternate);
  ASSERT_TRUE(changed.result.reply_to);
  EXPECT_EQ(changed.result.reply_to->server, alternate);
  EXPECT_EQ(changed.result.reply_to->client, (Endpoint{tuple.client.address, 41000}));

  // Over TCP a change is refused.
  const Answer over_tcp = deliver(build(stun::Method::binding, stun::Class::request, transaction(3),
                                        [](stun::MessageBuilder& b) { b.add(stun::ChangeRequest{true, false}); }),
                                  client_tuple(40001, Transport::tcp));
  EXPECT_EQ(over_tcp.error_code(), 400);
  EXPECT_FALSE(over_tcp.result.reply_to);
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

// RFC 8489 §6.3: discarded silently; a 400 would reflect bytes onto a forged source.
TEST_F(Dispatch, UnsupportedMethodsAndMalformedRequestsAreDropped) {
  // ConnectionAttempt exists only as an indication from the server (RFC 6062 §5.3).
  EXPECT_TRUE(
      deliver(build(stun::Method::connection_attempt, stun::Class::request, transaction(1), {}), client_tuple()).empty());
  auto malformed = build(stun::Method::binding, stun::Class::request, transaction(2), {});
  // One attribute whose length runs past the end of the message.
  const std::array<std::byte, 8> attribute{std::byte{0x80}, std::byte{0x22}, std::byte{0x00}, std::byte{0x10},
                                           std::byte{'x'},  std::byte{'x'},  std::byte{'x'},  std::byte{'x'}};
  malformed.insert(malformed.end(), attribute.begin(), attribute.end());
  malformed[3] = std::byte{16};  // FINGERPRINT (8) and the broken attribute (8)
  EXPECT_TRUE(deliver(malformed, client_tuple()).empty());
  for (const auto& by_method : server->counters().requests[0])
    for (const auto& counter : by_method) EXPECT_EQ(counter.value(), 0u);
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
