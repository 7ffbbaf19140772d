// Allocate end to end on bytes (RFC 8656 §7.2): challenge, success, every error path.
#include <gtest/gtest.h>

#include "tests/turn/turn_server_fixture.hpp"

namespace iceway::turn::test {
namespace {

using Allocate = TurnServerTest;

TEST_F(Allocate, ChallengeThenCredentialsGivesARelayedAddress) {
  const FiveTuple tuple = client_tuple();
  // The first Allocate carries no credentials: 401 with REALM and NONCE, unsigned.
  const Answer challenge = deliver(build(stun::Method::allocate, stun::Class::request, transaction(1), udp), tuple);
  EXPECT_EQ(challenge.error_code(), 401);
  EXPECT_EQ(challenge.get<stun::Realm>()->value, "iceway");
  EXPECT_FALSE(challenge.nonce().empty());
  EXPECT_FALSE(challenge.view().message_integrity());
  EXPECT_TRUE(ports.opened.empty());

  const User user = alice();
  const Answer answer =
      deliver(build(stun::Method::allocate, stun::Class::request, transaction(2), udp, &user, challenge.nonce()), tuple);
  ASSERT_EQ(answer.message_class(), stun::Class::success) << answer.error_code().value_or(0);
  EXPECT_EQ(answer.view().transaction_id(), transaction(2));
  EXPECT_EQ(answer.get<stun::XorRelayedAddress>()->endpoint, (Endpoint{kRelayIpv4, 50001}));
  EXPECT_EQ(answer.get<stun::XorMappedAddress>()->endpoint, tuple.client);
  EXPECT_EQ(answer.get<stun::Lifetime>()->seconds, 600u);
  EXPECT_EQ(answer.get<stun::Software>()->value, "iceway-test");
  EXPECT_TRUE(stun::verify_message_integrity(answer.view(), user.key()));
  EXPECT_TRUE(stun::verify_fingerprint(answer.view()));

  ASSERT_TRUE(answer.result.created);
  EXPECT_EQ(answer.result.created->relayed, (Endpoint{kRelayIpv4, 50001}));
  const Allocation* allocation = server->table().find(tuple);
  ASSERT_NE(allocation, nullptr);
  EXPECT_EQ(allocation->id, answer.result.created->id);
  EXPECT_EQ(allocation->user_id, "alice");
  EXPECT_EQ(allocation->expires, kStart + Seconds(600));
  EXPECT_EQ(server->counters().allocations_succeeded.value(), 1u);
  EXPECT_EQ(server->counters().challenges.value(), 1u);
  EXPECT_EQ(quota.active_for_user("alice"), 1u);
  ASSERT_EQ(ports.opened.size(), 1u);
  EXPECT_EQ(ports.opened[0].family, AddressFamily::ipv4);
  EXPECT_FALSE(ports.opened[0].even_port);
  EXPECT_FALSE(ports.opened[0].dont_fragment);
}

TEST_F(Allocate, StaticUsersAuthenticateToo) {
  const Answer answer = allocate(client_tuple(), User{"static", "static-pass"});
  EXPECT_EQ(answer.message_class(), stun::Class::success);
}

TEST_F(Allocate, ExternalIpIsAdvertisedInsteadOfThePrivateRelayAddress) {
  settings.external_public_ip = *IpAddress::parse("34.1.2.3");
  settings.external_private_ip = kRelayIpv4;
  rebuild();
  const Answer answer = allocate(client_tuple(), alice());
  EXPECT_EQ(answer.get<stun::XorRelayedAddress>()->endpoint, (Endpoint{*IpAddress::parse("34.1.2.3"), 50001}));
  const Allocation* allocation = server->table().find(client_tuple());
  ASSERT_NE(allocation, nullptr);
  EXPECT_EQ(allocation->relayed, (Endpoint{kRelayIpv4, 50001}));
  EXPECT_TRUE(server->table().contains(Endpoint{*IpAddress::parse("34.1.2.3"), 50001}));
}

TEST_F(Allocate, LifetimeIsTheRequestCappedAtTheMaximumButNeverBelowTheDefault) {
  struct Case {
    std::optional<std::uint32_t> requested;
    std::uint32_t granted;
  };
  const Case cases[] = {{std::nullopt, 600}, {0, 600}, {100, 600}, {1800, 1800}, {99999, 3600}};
  std::uint16_t port = 40000;
  for (const auto& c : cases) {
    SCOPED_TRACE(c.requested.value_or(12345));
    const Answer answer = allocate(client_tuple(port++), alice(), [&](stun::MessageBuilder& builder) {
      if (c.requested) builder.add(stun::Lifetime{*c.requested});
    });
    EXPECT_EQ(answer.get<stun::Lifetime>()->seconds, c.granted);
  }
}

TEST_F(Allocate, ASecondAllocateOnTheSameFiveTupleIs437) {
  const FiveTuple tuple = client_tuple();
  ASSERT_EQ(allocate(tuple, alice(), {}, 1).message_class(), stun::Class::success);
  const Answer again = allocate(tuple, alice(), {}, 2);
  EXPECT_EQ(again.error_code(), 437);
  EXPECT_TRUE(stun::verify_message_integrity(again.view(), alice().key()));
  EXPECT_EQ(ports.opened.size(), 1u);
  EXPECT_EQ(server->counters().allocations_failed[error_index(stun::ErrorCode::allocation_mismatch)].value(), 1u);
}

TEST_F(Allocate, RetransmissionGetsTheSameAnswerAndCreatesNothingTwice) {
  const FiveTuple tuple = client_tuple();
  const User user = alice();
  const std::string nonce = challenge(tuple);
  const auto bytes = build(stun::Method::allocate, stun::Class::request, transaction(7), udp, &user, nonce);
  const Answer first = deliver(bytes, tuple);
  ASSERT_EQ(first.message_class(), stun::Class::success);
  now += Seconds(3);
  const Answer second = deliver(bytes, tuple);
  EXPECT_EQ(second.bytes, first.bytes);
  EXPECT_TRUE(second.result.from_cache);
  EXPECT_FALSE(second.result.created);
  EXPECT_EQ(ports.opened.size(), 1u);
  EXPECT_EQ(server->table().size(), 1u);
  EXPECT_EQ(quota.active(), 1u);
  EXPECT_EQ(server->counters().allocations_succeeded.value(), 1u);
}

TEST_F(Allocate, RetransmissionAfterTheCacheDroppedItStillSucceedsWithTheSameRelay) {
  const auto [first, second] = allocate_twice_past_the_cache(client_tuple());
  ASSERT_EQ(second.message_class(), stun::Class::success);
  EXPECT_EQ(second.get<stun::XorRelayedAddress>()->endpoint, first.get<stun::XorRelayedAddress>()->endpoint);
  EXPECT_EQ(second.get<stun::Lifetime>()->seconds, 597u);
  EXPECT_EQ(ports.opened.size(), 2u);  // alice's and bob's, no third
}

TEST_F(Allocate, RequestErrorsFollowRfc8656Section7_2) {
  struct Case {
    const char* name;
    Attributes attributes;  // everything but the credentials
    std::uint16_t code;
  };
  const std::array<std::byte, 8> token{};
  const Case cases[] = {
      {"no REQUESTED-TRANSPORT", [](stun::MessageBuilder&) {}, 400},
      {"REQUESTED-TRANSPORT TCP over UDP (RFC 6062 §5.1)",
       [](stun::MessageBuilder& b) { b.add(stun::RequestedTransport{6}); }, 400},
      {"REQUESTED-TRANSPORT SCTP", [](stun::MessageBuilder& b) { b.add(stun::RequestedTransport{132}); }, 442},
      {"REQUESTED-TRANSPORT malformed",
       [](stun::MessageBuilder& b) { b.add_raw(stun::AttributeType::requested_transport, as_byte_span("\x11")); },
       400},
      {"RESERVATION-TOKEN nobody issued",
       [&](stun::MessageBuilder& b) { udp(b); b.add(stun::ReservationToken{token}); }, 508},
      {"RESERVATION-TOKEN with EVEN-PORT",
       [&](stun::MessageBuilder& b) { udp(b); b.add(stun::ReservationToken{token}).add(stun::EvenPort{false}); },
       400},
      {"RESERVATION-TOKEN with REQUESTED-ADDRESS-FAMILY",
       [&](stun::MessageBuilder& b) {
         udp(b);
         b.add(stun::ReservationToken{token}).add(stun::RequestedAddressFamily{AddressFamily::ipv4});
       },
       400},
      {"both address family attributes",
       [](stun::MessageBuilder& b) {
         udp(b);
         b.add(stun::RequestedAddressFamily{AddressFamily::ipv4}).add(stun::AdditionalAddressFamily{AddressFamily::ipv6});
       },
       400},
      {"IPv6 without an IPv6 relay address",
       [](stun::MessageBuilder& b) { udp(b); b.add(stun::RequestedAddressFamily{AddressFamily::ipv6}); }, 440},
      {"unknown family byte",
       [](stun::MessageBuilder& b) {
         udp(b);
         b.add_raw(stun::AttributeType::requested_address_family, as_byte_span(std::string_view("\x03\0\0\0", 4)));
       },
       440},
      {"EVEN-PORT R with ADDITIONAL-ADDRESS-FAMILY",
       [](stun::MessageBuilder& b) {
         udp(b);
         b.add(stun::EvenPort{true}).add(stun::AdditionalAddressFamily{AddressFamily::ipv6});
       },
       400},
      {"ADDITIONAL-ADDRESS-FAMILY IPv4",
       [](stun::MessageBuilder& b) { udp(b); b.add(stun::AdditionalAddressFamily{AddressFamily::ipv4}); }, 400},
      {"LIFETIME malformed",
       [](stun::MessageBuilder& b) { udp(b); b.add_raw(stun::AttributeType::lifetime, as_byte_span("\1\2")); }, 400},
  };
  std::uint16_t port = 41000;
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const FiveTuple tuple = client_tuple(port++);
    const Answer answer = request(stun::Method::allocate, transaction(9), c.attributes, tuple, alice());
    EXPECT_EQ(answer.error_code(), c.code);
    EXPECT_TRUE(stun::verify_message_integrity(answer.view(), alice().key()));
    EXPECT_EQ(server->table().find(tuple), nullptr);
  }
  EXPECT_TRUE(ports.opened.empty());
  EXPECT_EQ(quota.active(), 0u);
}

TEST_F(Allocate, Ipv6RelayWithRequestedAddressFamily) {
  settings.relay_ipv6 = kRelayIpv6;
  rebuild();
  const Answer answer = allocate(client_tuple(), alice(), [](stun::MessageBuilder& b) {
    b.add(stun::RequestedAddressFamily{AddressFamily::ipv6});
  });
  ASSERT_EQ(answer.message_class(), stun::Class::success);
  EXPECT_EQ(answer.get<stun::XorRelayedAddress>()->endpoint.address, kRelayIpv6);
  EXPECT_EQ(ports.opened.at(0).family, AddressFamily::ipv6);
  EXPECT_EQ(server->counters().allocations_active[0][1].value(), 1);  // udp, ipv6
}

TEST_F(Allocate, NoIpv4RelayMeansEvenTheDefaultFamilyIs440) {
  settings.relay_ipv4.reset();
  rebuild();
  EXPECT_EQ(allocate(client_tuple(), alice()).error_code(), 440);
}

TEST_F(Allocate, AdditionalIpv6FamilyGetsAnIpv4RelayAndAnAddressErrorCode) {
  const Answer answer = allocate(client_tuple(), alice(), [](stun::MessageBuilder& b) {
    b.add(stun::AdditionalAddressFamily{AddressFamily::ipv6});
  });
  ASSERT_EQ(answer.message_class(), stun::Class::success);
  EXPECT_EQ(answer.get<stun::XorRelayedAddress>()->endpoint.address, kRelayIpv4);
  const auto address_error = answer.get<stun::AddressErrorCode>();
  ASSERT_TRUE(address_error);
  EXPECT_EQ(address_error->family, AddressFamily::ipv6);
  EXPECT_EQ(address_error->code, 440);
}

TEST_F(Allocate, EvenPortWithoutReservationAsksForAnEvenPort) {
  const Answer answer = allocate(client_tuple(), alice(), [](stun::MessageBuilder& b) { b.add(stun::EvenPort{false}); });
  ASSERT_EQ(answer.message_class(), stun::Class::success);
  EXPECT_TRUE(ports.opened.at(0).even_port);
  EXPECT_EQ(answer.get<stun::XorRelayedAddress>()->endpoint.port % 2, 0);
}

TEST_F(Allocate, DontFragmentFromUdpIsAcceptedWithoutSettingDf) {
  const Answer answer = allocate(client_tuple(), alice(), [](stun::MessageBuilder& b) { b.add(stun::DontFragment{}); });
  ASSERT_EQ(answer.message_class(), stun::Class::success);
  EXPECT_FALSE(ports.opened.at(0).dont_fragment);
}

TEST_F(Allocate, DontFragmentFromTcpSetsDfOrIs420ListingIt) {
  const auto with_df = [](stun::MessageBuilder& b) { b.add(stun::DontFragment{}); };
  const Answer answer = allocate(client_tuple(40000, Transport::tcp), alice(), with_df);
  ASSERT_EQ(answer.message_class(), stun::Class::success);
  EXPECT_TRUE(ports.opened.at(0).dont_fragment);

  ports.refuse_dont_fragment = true;
  const Answer refused = allocate(client_tuple(40001, Transport::tcp), alice(), with_df);
  EXPECT_EQ(refused.error_code(), 420);
  const auto unknown = refused.get<stun::UnknownAttributes>();
  ASSERT_TRUE(unknown);
  ASSERT_EQ(unknown->count, 1u);
  EXPECT_EQ(unknown->types[0], stun::AttributeType::dont_fragment);
  EXPECT_EQ(quota.active(), 1u);  // the refused one gave its slot back
}

TEST_F(Allocate, RelayPortErrorsMapToTheirCodes) {
  struct Case {
    RelayPortError error;
    std::uint16_t code;
    std::optional<Refusal> refusal;  // the cause the refusal log words
  };
  const Case cases[] = {{RelayPortError::no_port, 508, Refusal::no_relay_port},
                        {RelayPortError::family_unavailable, 440, std::nullopt},
                        {RelayPortError::draining, 508, Refusal::draining}};
  std::uint16_t port = 40000;
  for (const auto& c : cases) {
    SCOPED_TRACE(c.code);
    ports.fail_with = c.error;
    const Answer answer = allocate(client_tuple(port++), alice());
    EXPECT_EQ(answer.error_code(), c.code);
    EXPECT_EQ(answer.result.refusal, c.refusal);
  }
  EXPECT_EQ(quota.active(), 0u);
  EXPECT_EQ(server->table().size(), 0u);
}

TEST_F(Allocate, DrainingSendsTheClientToTheAlternateOfItsFamilySigned) {
  const Endpoint v6_alternate{*IpAddress::parse("2001:db8::7"), 3478};
  const Endpoint v4_alternate{*IpAddress::parse("198.51.100.7"), 3479};
  settings.alternate_servers = {v6_alternate, v4_alternate};
  rebuild();
  ports.fail_with = RelayPortError::draining;
  const Answer redirected = allocate(client_tuple(40000), alice());
  EXPECT_EQ(redirected.error_code(), 300);
  const auto alternate = redirected.get<stun::AlternateServer>();
  ASSERT_TRUE(alternate);
  EXPECT_EQ(alternate->endpoint, v4_alternate);
  // Signed with alice's key: RFC 8489 §10 has clients ignore an unauthenticated redirect.
  EXPECT_TRUE(redirected.result.authenticated);
  EXPECT_EQ(quota.active(), 0u);
  EXPECT_EQ(server->table().size(), 0u);

  // No alternate of the client's family: 508, as without the key.
  settings.alternate_servers = {v6_alternate};
  rebuild();
  const Answer refused = allocate(client_tuple(40001), alice());
  EXPECT_EQ(refused.error_code(), 508);
  EXPECT_FALSE(refused.get<stun::AlternateServer>());
}

TEST_F(Allocate, QuotaPerUserIs486UntilAnAllocationEnds) {
  quota.set_limits({100, 1, 100});
  ASSERT_EQ(allocate(client_tuple(40000), alice()).message_class(), stun::Class::success);
  const Answer refused = allocate(client_tuple(40001), alice());
  EXPECT_EQ(refused.error_code(), 486);
  EXPECT_EQ(refused.result.refusal, Refusal::quota_per_user);
  EXPECT_EQ(server->counters().allocations_failed[error_index(stun::ErrorCode::allocation_quota_reached)].value(), 1u);
  // Another user is not affected.
  EXPECT_EQ(allocate(client_tuple(40002), bob()).message_class(), stun::Class::success);
  // Deleting the first gives alice her slot back.
  ASSERT_EQ(refresh(client_tuple(40000), alice(), 0).message_class(), stun::Class::success);
  EXPECT_EQ(allocate(client_tuple(40001), alice(), {}, 3).message_class(), stun::Class::success);
}

TEST_F(Allocate, QuotaPerClientIpAndTotal) {
  quota.set_limits({100, 100, 1});
  ASSERT_EQ(allocate(client_tuple(40000), alice()).message_class(), stun::Class::success);
  const Answer per_ip = allocate(client_tuple(40001), bob());
  EXPECT_EQ(per_ip.error_code(), 486);
  EXPECT_EQ(per_ip.result.refusal, Refusal::quota_per_ip);
  quota.set_limits({1, 100, 100});
  const Answer total = allocate(client_tuple(40002), bob());
  EXPECT_EQ(total.error_code(), 486);
  EXPECT_EQ(total.result.refusal, Refusal::quota_total);
}

TEST_F(Allocate, ExpiryFreesTheRelayAndTheQuota) {
  ASSERT_EQ(allocate(client_tuple(), alice()).message_class(), stun::Class::success);
  EXPECT_EQ(server->next_deadline(), kStart + Seconds(600));
  EXPECT_TRUE(server->expire(kStart + Seconds(599)).allocations.empty());
  const auto expired = server->expire(kStart + Seconds(600));
  ASSERT_EQ(expired.allocations.size(), 1u);
  EXPECT_EQ(expired.allocations[0].relayed, (Endpoint{kRelayIpv4, 50001}));
  EXPECT_EQ(expired.allocations[0].user_id, "alice");
  EXPECT_EQ(quota.active(), 0u);
  EXPECT_EQ(server->counters().allocations_active[0][0].value(), 0);
}

TEST_F(Allocate, ClosingTheTcpConnectionEndsItsAllocation) {
  const FiveTuple tuple = client_tuple(40000, Transport::tcp);
  ASSERT_EQ(allocate(tuple, alice()).message_class(), stun::Class::success);
  EXPECT_FALSE(server->on_connection_closed(client_tuple(40001, Transport::tcp)));
  const auto ended = server->on_connection_closed(tuple);
  ASSERT_TRUE(ended);
  EXPECT_EQ(ended->reason, EndReason::closed);
  EXPECT_EQ(server->table().size(), 0u);
  EXPECT_EQ(quota.active(), 0u);
}

}  // namespace
}  // namespace iceway::turn::test

namespace iceway::turn::test {
namespace {

TEST(AdvertisedAddress, ExternalIpAppliesToItsFamilyAndItsPrivateAddressOnly) {
  Settings settings;
  const Endpoint private_relay{*IpAddress::parse("10.128.0.2"), 50000};
  const Endpoint v6_relay{*IpAddress::parse("2001:db8::2"), 50001};
  EXPECT_EQ(advertised_address(private_relay, settings), private_relay);  // no external_ip
  settings.external_public_ip = *IpAddress::parse("34.1.2.3");
  EXPECT_EQ(advertised_address(private_relay, settings), (Endpoint{*IpAddress::parse("34.1.2.3"), 50000}));
  EXPECT_EQ(advertised_address(v6_relay, settings), v6_relay);  // another family
  settings.external_private_ip = *IpAddress::parse("10.128.0.9");
  EXPECT_EQ(advertised_address(private_relay, settings), private_relay);  // not the PRIVATE address
}

TEST(DesiredLifetime, FollowsRfc8656Section7_2) {
  Settings settings;
  settings.default_lifetime = Seconds(600);
  settings.max_lifetime = Seconds(3600);
  EXPECT_EQ(desired_lifetime(std::nullopt, settings), Seconds(600));
  EXPECT_EQ(desired_lifetime(1, settings), Seconds(600));
  EXPECT_EQ(desired_lifetime(601, settings), Seconds(601));
  EXPECT_EQ(desired_lifetime(3600, settings), Seconds(3600));
  EXPECT_EQ(desired_lifetime(0xFFFFFFFF, settings), Seconds(3600));
}

}  // namespace
}  // namespace iceway::turn::test
