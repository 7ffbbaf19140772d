// EVEN-PORT with the R bit and RESERVATION-TOKEN on bytes (RFC 8656 §7.2 steps 5 and 8): the
// first Allocate of an RTP/RTCP pair gets an even port and a token for the next one, the
// second (from another 5-tuple) gets that port with the token, once, within 30 s.
#include <gtest/gtest.h>

#include "tests/turn/turn_server_fixture.hpp"

namespace iceway::turn::test {
namespace {

using EvenPortReservation = TurnServerTest;

const auto even_port_r = [](stun::MessageBuilder& b) { b.add(stun::EvenPort{true}); };

Attributes with_token(const stun::ReservationToken& token) {
  return [token](stun::MessageBuilder& b) { b.add(token); };
}

TEST_F(EvenPortReservation, RBitGivesAnEvenPortAndATokenForTheNextPort) {
  const Answer answer = allocate(client_tuple(40000), alice(), even_port_r);
  ASSERT_EQ(answer.message_class(), stun::Class::success) << answer.error_code().value_or(0);
  const Endpoint relayed = answer.get<stun::XorRelayedAddress>()->endpoint;
  EXPECT_EQ(relayed.port % 2, 0);
  ASSERT_EQ(ports.opened.size(), 1u);
  EXPECT_TRUE(ports.opened[0].even_port);
  EXPECT_TRUE(ports.opened[0].reserve_next);
  const auto token = answer.get<stun::ReservationToken>();
  ASSERT_TRUE(token);
  EXPECT_NE(token->token, (std::array<std::byte, 8>{})) << "zero reads as no token to coturn's client";
  EXPECT_EQ(reservations->size(), 1u);
  EXPECT_EQ(quota.active(), 2u) << "the reserved port counts against the quota like an allocation";
  // Without the R bit there is no token.
  const Answer plain = allocate(client_tuple(40001), alice(), [](stun::MessageBuilder& b) { b.add(stun::EvenPort{false}); });
  ASSERT_EQ(plain.message_class(), stun::Class::success);
  EXPECT_FALSE(plain.get<stun::ReservationToken>());
  EXPECT_FALSE(ports.opened[1].reserve_next);
}

TEST_F(EvenPortReservation, TheTokenGivesTheNextPortToAnotherFiveTupleOnce) {
  const Answer rtp = allocate(client_tuple(40000), alice(), even_port_r);
  ASSERT_EQ(rtp.message_class(), stun::Class::success);
  const Endpoint rtp_relayed = rtp.get<stun::XorRelayedAddress>()->endpoint;
  const stun::ReservationToken token = *rtp.get<stun::ReservationToken>();

  now += Seconds(29);
  const Answer rtcp = allocate(client_tuple(40001), alice(), with_token(token));
  ASSERT_EQ(rtcp.message_class(), stun::Class::success) << rtcp.error_code().value_or(0);
  const Endpoint rtcp_relayed = rtcp.get<stun::XorRelayedAddress>()->endpoint;
  EXPECT_EQ(rtcp_relayed, (Endpoint{rtp_relayed.address, static_cast<std::uint16_t>(rtp_relayed.port + 1)}));
  EXPECT_FALSE(rtcp.get<stun::ReservationToken>());
  EXPECT_EQ(ports.adopted, std::vector<Endpoint>{rtcp_relayed});
  EXPECT_EQ(ports.opened.size(), 1u) << "the reserved socket is used, not a new one";
  ASSERT_TRUE(rtcp.result.created);
  EXPECT_EQ(rtcp.result.created->relayed, rtcp_relayed);
  EXPECT_EQ(reservations->size(), 0u);
  EXPECT_EQ(quota.active(), 2u) << "the reservation's quota lease became the allocation's";
  EXPECT_TRUE(ports.closed.empty());

  // Once: the same token again is 508, whoever sends it.
  const Answer again = allocate(client_tuple(40002), bob(), with_token(token));
  EXPECT_EQ(again.error_code(), 508);
  EXPECT_EQ(again.result.refusal, Refusal::reservation_token);
  EXPECT_EQ(server->table().size(), 2u);
}

TEST_F(EvenPortReservation, AfterThirtySecondsTheTokenIs508AndThePortAndQuotaAreFreed) {
  const Answer rtp = allocate(client_tuple(40000), alice(), even_port_r);
  const Endpoint rtp_relayed = rtp.get<stun::XorRelayedAddress>()->endpoint;
  const stun::ReservationToken token = *rtp.get<stun::ReservationToken>();
  const Endpoint reserved{rtp_relayed.address, static_cast<std::uint16_t>(rtp_relayed.port + 1)};

  now += Seconds(30);
  // Refused at 30 s even before the expiry tick has run.
  const Answer late = allocate(client_tuple(40001), alice(), with_token(token));
  EXPECT_EQ(late.error_code(), 508);
  EXPECT_EQ(late.result.refusal, Refusal::reservation_token);
  EXPECT_TRUE(ports.closed.empty());

  server->expire(now);
  EXPECT_EQ(reservations->size(), 0u);
  EXPECT_EQ(ports.closed, std::vector<Endpoint>{reserved});
  EXPECT_EQ(quota.active(), 1u) << "only the RTP allocation is left";
}

TEST_F(EvenPortReservation, TheReservationCountsAgainstTheQuota) {
  quota.set_limits({100, 1, 100});
  const Answer refused = allocate(client_tuple(40000), alice(), even_port_r);
  EXPECT_EQ(refused.error_code(), 486);
  EXPECT_EQ(refused.result.refusal, Refusal::quota_per_user);
  EXPECT_TRUE(ports.opened.empty());
  EXPECT_EQ(quota.active(), 0u);

  quota.set_limits({100, 2, 100});
  const Answer rtp = allocate(client_tuple(40001), alice(), even_port_r);
  ASSERT_EQ(rtp.message_class(), stun::Class::success);
  // Both slots are used; the claim needs no third.
  EXPECT_EQ(allocate(client_tuple(40002), alice()).error_code(), 486);
  const Answer rtcp = allocate(client_tuple(40003), alice(), with_token(*rtp.get<stun::ReservationToken>()));
  EXPECT_EQ(rtcp.message_class(), stun::Class::success) << rtcp.error_code().value_or(0);
  EXPECT_EQ(quota.active(), 2u);
}

TEST_F(EvenPortReservation, NoFreePairIs508SayingSoAndHoldsNothing) {
  ports.no_pair = true;
  const Answer refused = allocate(client_tuple(40000), alice(), even_port_r);
  EXPECT_EQ(refused.error_code(), 508);
  EXPECT_EQ(refused.result.refusal, Refusal::even_port_reservation);
  EXPECT_EQ(quota.active(), 0u);
  EXPECT_EQ(reservations->size(), 0u);
  EXPECT_EQ(server->table().size(), 0u);
}

TEST_F(EvenPortReservation, ARetransmissionTheCacheDroppedGetsTheSameToken) {
  const auto [first, second] = allocate_twice_past_the_cache(client_tuple(40000), even_port_r);
  ASSERT_EQ(second.message_class(), stun::Class::success);
  ASSERT_TRUE(first.get<stun::ReservationToken>());
  EXPECT_EQ(second.get<stun::ReservationToken>(), first.get<stun::ReservationToken>());
  EXPECT_EQ(reservations->size(), 1u) << "no second reservation";
}

TEST_F(EvenPortReservation, AClaimFromATcpClientAsksForDontFragmentAndAFailedAdoptIsAnswered) {
  const Answer rtp = allocate(client_tuple(40000), alice(), even_port_r);
  const auto token = *rtp.get<stun::ReservationToken>();
  ports.refuse_dont_fragment = true;
  const Answer refused = allocate(client_tuple(40001, Transport::tcp), alice(), [&](stun::MessageBuilder& b) {
    b.add(token).add(stun::DontFragment{});
  });
  EXPECT_EQ(refused.error_code(), 420);
  EXPECT_EQ(quota.active(), 1u) << "the reservation's lease went with it";
  EXPECT_EQ(server->table().size(), 1u);
}

TEST_F(EvenPortReservation, AClaimWhileDrainingGoesToTheAlternate) {
  const Endpoint alternate{*IpAddress::parse("198.51.100.9"), 3478};
  settings.alternate_servers = {alternate};
  rebuild();
  const Answer rtp = allocate(client_tuple(40000), alice(), even_port_r);
  const auto token = *rtp.get<stun::ReservationToken>();
  ports.fail_with = RelayPortError::draining;
  const Answer redirected = allocate(client_tuple(40001), alice(), with_token(token));
  EXPECT_EQ(redirected.error_code(), 300);
  EXPECT_EQ(redirected.get<stun::AlternateServer>()->endpoint, alternate);
}

TEST_F(EvenPortReservation, AReservationOutlivesAReload) {
  const Answer rtp = allocate(client_tuple(40000), alice(), even_port_r);
  const auto token = *rtp.get<stun::ReservationToken>();
  server->reconfigure(shared_state());
  const Answer rtcp = allocate(client_tuple(40001), alice(), with_token(token));
  EXPECT_EQ(rtcp.message_class(), stun::Class::success) << rtcp.error_code().value_or(0);
}

}  // namespace
}  // namespace iceway::turn::test
