// CreatePermission end to end (RFC 8656 §10.2).
#include <gtest/gtest.h>

#include "tests/turn/turn_server_fixture.hpp"

namespace iceway::turn::test {
namespace {

using CreatePermission = TurnServerTest;

TEST_F(CreatePermission, InstallsEveryPeerIpForFiveMinutes) {
  const FiveTuple tuple = client_tuple();
  ASSERT_EQ(allocate(tuple, alice()).message_class(), stun::Class::success);
  const Answer answer = create_permission(tuple, alice(), {kPeer, kPeer2});
  ASSERT_EQ(answer.message_class(), stun::Class::success);
  EXPECT_TRUE(stun::verify_message_integrity(answer.view(), alice().key()));
  const Allocation& allocation = *server->table().find(tuple);
  EXPECT_TRUE(allocation.permissions.allows(kPeer.address, now));
  EXPECT_TRUE(allocation.permissions.allows(kPeer2.address, now));
  EXPECT_FALSE(allocation.permissions.allows(kPeer.address, now + Seconds(300)));
  EXPECT_EQ(server->counters().permissions_active.value(), 2);
  EXPECT_EQ(server->expire(now + Seconds(300)).permissions, 2u);
}

TEST_F(CreatePermission, AScanOfOurOwnPortsRunsOutOfRefusalsAndThenLearnsNothing) {
  settings.refused_peers_per_minute = 60;  // one a second after a burst of 10
  rebuild();
  const FiveTuple tuple = client_tuple(40000);
  ASSERT_EQ(allocate(tuple, alice()).message_class(), stun::Class::success);
  const Endpoint bob_relay = allocated(client_tuple(40001), bob());
  const auto code = [&](const Endpoint& peer, std::uint8_t id) {
    return create_permission(tuple, alice(), {peer}, id).error_code().value_or(200);
  };
  // Before the budget is spent, a live relay answers 200 and a dead port 403.
  EXPECT_EQ(code(bob_relay, 1), 200);
  std::uint8_t id = 2;
  for (int i = 0; i < 10; ++i) EXPECT_EQ(code(Endpoint{kRelayIpv4, static_cast<std::uint16_t>(40000 + i)}, id++), 403);
  // Spent: the live relay looks like every dead port.
  EXPECT_EQ(code(bob_relay, id++), 403);
  EXPECT_EQ(channel_bind(tuple, alice(), 0x4001, bob_relay, id++).error_code(), 403);
  EXPECT_EQ(server->table().find(tuple)->counters.refused_peers, 12u);
  // A second later one token is back: one more port can be told apart.
  now += Seconds(1);
  EXPECT_EQ(code(bob_relay, id++), 200);
  // Public peers never touch the budget.
  EXPECT_EQ(code(kPeer, id++), 200);
}

TEST_F(CreatePermission, ADeniedPeerIs403AndInstallsNothing) {
  const FiveTuple tuple = client_tuple();
  ASSERT_EQ(allocate(tuple, alice()).message_class(), stun::Class::success);
  struct Case {
    const char* name;
    Endpoint peer;
    PeerReason reason;
  };
  const Case cases[] = {
      {"private", kPrivatePeer, PeerReason::default_range},
      {"loopback", *Endpoint::parse("127.0.0.1:9"), PeerReason::loopback},
      {"cloud metadata", *Endpoint::parse("169.254.169.254:80"), PeerReason::default_range},
      {"our own relay IP, not a live relay", Endpoint{kRelayIpv4, 22}, PeerReason::server_address},
  };
  std::uint8_t id = 70;
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const Answer answer = create_permission(tuple, alice(), {kPeer, c.peer}, id++);
    EXPECT_EQ(answer.error_code(), 403);
    EXPECT_EQ(answer.result.peer_denied, c.reason);
    EXPECT_FALSE(server->table().find(tuple)->permissions.allows(kPeer.address, now));  // all or nothing
  }
  EXPECT_EQ(server->counters().peer_denied[static_cast<std::size_t>(PeerReason::default_range)].value(), 2u);
}

TEST_F(CreatePermission, LoopbackPeersWorkWithAllowLoopbackPeers) {
  settings.allow_loopback_peers = true;
  rebuild();
  const FiveTuple tuple = client_tuple();
  ASSERT_EQ(allocate(tuple, alice()).message_class(), stun::Class::success);
  EXPECT_EQ(create_permission(tuple, alice(), {*Endpoint::parse("127.0.0.1:3480")}).message_class(),
            stun::Class::success);
}

TEST_F(CreatePermission, TwoRelayOnlyClientsMayReachEachOther) {
  const FiveTuple first = client_tuple(40000);
  const FiveTuple second = client_tuple(40001);
  const Endpoint first_relay = allocated(first, alice());
  const Endpoint second_relay = allocated(second, bob());
  EXPECT_EQ(create_permission(first, alice(), {second_relay}).message_class(), stun::Class::success);
  EXPECT_EQ(create_permission(second, bob(), {first_relay}).message_class(), stun::Class::success);
}

TEST_F(CreatePermission, MalformedRequestsAre400And443) {
  const FiveTuple tuple = client_tuple();
  ASSERT_EQ(allocate(tuple, alice()).message_class(), stun::Class::success);
  EXPECT_EQ(create_permission(tuple, alice(), {}).error_code(), 400);
  EXPECT_EQ(create_permission(tuple, alice(), {*Endpoint::parse("[2606:4700::1]:9")}, 31).error_code(), 443);
  const Answer malformed = request(
      stun::Method::create_permission, transaction(32),
      [](stun::MessageBuilder& b) { b.add_raw(stun::AttributeType::xor_peer_address, as_byte_span("\0\1\2")); },
      tuple, alice());
  EXPECT_EQ(malformed.error_code(), 400);
}

TEST_F(CreatePermission, PastThePerAllocationLimitIs508) {
  settings.max_permissions_per_allocation = 2;
  rebuild();
  const FiveTuple tuple = client_tuple();
  ASSERT_EQ(allocate(tuple, alice()).message_class(), stun::Class::success);
  ASSERT_EQ(create_permission(tuple, alice(), {kPeer, kPeer2}).message_class(), stun::Class::success);
  EXPECT_EQ(create_permission(tuple, alice(), {*Endpoint::parse("93.184.216.36:1")}, 31).error_code(), 508);
  // Refreshing what is there still works.
  EXPECT_EQ(create_permission(tuple, alice(), {kPeer}, 32).message_class(), stun::Class::success);
}

}  // namespace
}  // namespace iceway::turn::test
