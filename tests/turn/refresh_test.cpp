// Refresh end to end (RFC 8656 §8.2).
#include <gtest/gtest.h>

#include "tests/turn/turn_server_fixture.hpp"

namespace iceway::turn::test {
namespace {

using Refresh = TurnServerTest;

TEST_F(Refresh, ExtendsTheLifetimeFromNow) {
  const FiveTuple tuple = client_tuple();
  ASSERT_EQ(allocate(tuple, alice()).message_class(), stun::Class::success);
  now += Seconds(500);
  const Answer answer = refresh(tuple, alice(), 1200);
  ASSERT_EQ(answer.message_class(), stun::Class::success);
  EXPECT_EQ(answer.get<stun::Lifetime>()->seconds, 1200u);
  EXPECT_TRUE(stun::verify_message_integrity(answer.view(), alice().key()));
  EXPECT_TRUE(server->expire(kStart + Seconds(600)).allocations.empty());
  EXPECT_EQ(server->expire(kStart + Seconds(500 + 1200)).allocations.size(), 1u);
}

TEST_F(Refresh, WithoutLifetimeGetsTheDefaultAndMayShorten) {
  const FiveTuple tuple = client_tuple();
  ASSERT_EQ(allocate(tuple, alice(), [](stun::MessageBuilder& b) { b.add(stun::Lifetime{3600}); })
                .get<stun::Lifetime>()
                ->seconds,
            3600u);
  const Answer answer = refresh(tuple, alice(), std::nullopt);
  EXPECT_EQ(answer.get<stun::Lifetime>()->seconds, 600u);
  EXPECT_EQ(server->expire(kStart + Seconds(600)).allocations.size(), 1u);
}

TEST_F(Refresh, LifetimeZeroDeletesTheAllocation) {
  const FiveTuple tuple = client_tuple();
  const Endpoint relayed = allocated(tuple, alice());
  const Answer answer = refresh(tuple, alice(), 0);
  ASSERT_EQ(answer.message_class(), stun::Class::success);
  EXPECT_EQ(answer.get<stun::Lifetime>()->seconds, 0u);
  ASSERT_TRUE(answer.result.ended);
  EXPECT_EQ(answer.result.ended->relayed, relayed);
  EXPECT_EQ(answer.result.ended->reason, EndReason::deleted);
  EXPECT_EQ(server->table().size(), 0u);
  EXPECT_EQ(quota.active(), 0u);
  // The allocation is gone: a later Refresh is 437 (RFC 8656 §8.3 says the client treats
  // that as success for a delete).
  EXPECT_EQ(refresh(tuple, alice(), 0, 51).error_code(), 437);
}

TEST_F(Refresh, ARetransmittedDeleteGetsTheSameSuccess) {
  const FiveTuple tuple = client_tuple();
  ASSERT_EQ(allocate(tuple, alice()).message_class(), stun::Class::success);
  const User user = alice();
  const std::string nonce = challenge(tuple);
  const auto bytes = build(stun::Method::refresh, stun::Class::request, transaction(60),
                           [](stun::MessageBuilder& b) { b.add(stun::Lifetime{0}); }, &user, nonce);
  const Answer first = deliver(bytes, tuple);
  ASSERT_EQ(first.message_class(), stun::Class::success);
  const Answer second = deliver(bytes, tuple);
  EXPECT_EQ(second.bytes, first.bytes);
  EXPECT_FALSE(second.result.ended);  // nothing is deleted twice
}

TEST_F(Refresh, AnotherAddressFamilyIs443) {
  const FiveTuple tuple = client_tuple();
  ASSERT_EQ(allocate(tuple, alice()).message_class(), stun::Class::success);
  const Answer answer = request(
      stun::Method::refresh, transaction(61),
      [](stun::MessageBuilder& b) { b.add(stun::RequestedAddressFamily{AddressFamily::ipv6}); }, tuple, alice());
  EXPECT_EQ(answer.error_code(), 443);
  const Answer same = request(
      stun::Method::refresh, transaction(62),
      [](stun::MessageBuilder& b) { b.add(stun::RequestedAddressFamily{AddressFamily::ipv4}); }, tuple, alice());
  EXPECT_EQ(same.message_class(), stun::Class::success);
}

}  // namespace
}  // namespace iceway::turn::test
