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

// SPEC §3: a reload drops no allocation. The allocation keeps the key its Allocate verified
// with, so it refreshes (and installs permissions) after its secret was rotated out, while
// the same credentials cannot make a new allocation or act on someone else's.
TEST_F(Refresh, ALiveAllocationKeepsItsKeyAfterItsSecretIsRotatedOut) {
  const FiveTuple tuple = client_tuple();
  const User old_alice = alice();
  ASSERT_EQ(allocate(tuple, old_alice).message_class(), stun::Class::success);
  const FiveTuple other = client_tuple(40001);
  settings.secrets = {"n3w-secret"};
  server->reconfigure(shared_state());
  ASSERT_EQ(allocate(other, bob()).message_class(), stun::Class::success);  // signed with the new secret

  const Answer refreshed = refresh(tuple, old_alice, 600);
  ASSERT_EQ(refreshed.message_class(), stun::Class::success) << refreshed.error_code().value_or(0);
  EXPECT_TRUE(stun::verify_message_integrity(refreshed.view(), old_alice.key()));
  EXPECT_EQ(create_permission(tuple, old_alice, {kPeer}).message_class(), stun::Class::success);

  // Not a way around the rotation: a new allocation with the old credentials is refused...
  const Answer fresh = allocate(client_tuple(40002), old_alice);
  EXPECT_EQ(fresh.error_code(), 401);
  EXPECT_EQ(fresh.result.auth_failure, AuthFailure::bad_integrity);
  // ...and so is a request on another user's allocation.
  const Answer elsewhere = refresh(other, old_alice, 600, 52);
  EXPECT_EQ(elsewhere.error_code(), 401);
  EXPECT_EQ(elsewhere.result.auth_failure, AuthFailure::bad_integrity);
  // The same username signed with the new secret works too (the backend re-signed it).
  EXPECT_EQ(refresh(tuple, alice(), 600, 53).message_class(), stun::Class::success);
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
