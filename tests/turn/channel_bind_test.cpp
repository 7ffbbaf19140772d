// ChannelBind end to end (RFC 8656 §12.2).
#include <gtest/gtest.h>

#include "tests/turn/turn_server_fixture.hpp"

namespace iceway::turn::test {
namespace {

using ChannelBind = TurnServerTest;

TEST_F(ChannelBind, BindsTheChannelAndInstallsThePermission) {
  const FiveTuple tuple = client_tuple();
  ASSERT_EQ(allocate(tuple, alice()).message_class(), stun::Class::success);
  const Answer answer = channel_bind(tuple, alice(), 0x4000, kPeer);
  ASSERT_EQ(answer.message_class(), stun::Class::success);
  EXPECT_TRUE(stun::verify_message_integrity(answer.view(), alice().key()));
  const Allocation& allocation = *server->table().find(tuple);
  ASSERT_NE(allocation.channels.peer_of(0x4000, now), nullptr);
  EXPECT_EQ(*allocation.channels.peer_of(0x4000, now), kPeer);
  EXPECT_TRUE(allocation.permissions.allows(kPeer.address, now));
  EXPECT_EQ(server->counters().channels_active.value(), 1);
}

TEST_F(ChannelBind, RebindingRulesAre400) {
  const FiveTuple tuple = client_tuple();
  ASSERT_EQ(allocate(tuple, alice()).message_class(), stun::Class::success);
  ASSERT_EQ(channel_bind(tuple, alice(), 0x4000, kPeer).message_class(), stun::Class::success);
  struct Case {
    const char* name;
    std::uint16_t number;
    Endpoint peer;
    std::optional<std::uint16_t> code;  // nullopt: success
  };
  const Case cases[] = {
      {"same number, same peer refreshes", 0x4000, kPeer, std::nullopt},
      {"same number, another peer", 0x4000, kPeer2, 400},
      {"same peer, another number", 0x4001, kPeer, 400},
      {"same address, another port is another peer", 0x4000, Endpoint{kPeer.address, 7002}, 400},
      {"below the range", 0x3FFF, kPeer2, 400},
      {"above the range", 0x8000, kPeer2, 400},
      {"0x7FFF (RFC 5766 range) binds", 0x7FFF, kPeer2, std::nullopt},
  };
  std::uint8_t id = 80;
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const Answer answer = channel_bind(tuple, alice(), c.number, c.peer, id++);
    if (c.code) {
      EXPECT_EQ(answer.error_code(), *c.code);
    } else {
      EXPECT_EQ(answer.message_class(), stun::Class::success);
    }
  }
  EXPECT_EQ(*server->table().find(tuple)->channels.peer_of(0x4000, now), kPeer);
}

TEST_F(ChannelBind, RefreshingTheChannelRefreshesItsPermission) {
  const FiveTuple tuple = client_tuple();
  ASSERT_EQ(allocate(tuple, alice()).message_class(), stun::Class::success);
  ASSERT_EQ(channel_bind(tuple, alice(), 0x4000, kPeer).message_class(), stun::Class::success);
  now += Seconds(240);
  ASSERT_EQ(channel_bind(tuple, alice(), 0x4000, kPeer, 41).message_class(), stun::Class::success);
  server->expire(kStart + Seconds(300));
  EXPECT_TRUE(server->table().find(tuple)->permissions.allows(kPeer.address, kStart + Seconds(300)));
}

TEST_F(ChannelBind, MissingAttributesDeniedPeersFamiliesAndCapacity) {
  settings.max_channels_per_allocation = 1;
  rebuild();
  const FiveTuple tuple = client_tuple();
  ASSERT_EQ(allocate(tuple, alice()).message_class(), stun::Class::success);
  const Answer no_peer = request(
      stun::Method::channel_bind, transaction(90), [](stun::MessageBuilder& b) { b.add(stun::ChannelNumber{0x4000}); },
      tuple, alice());
  EXPECT_EQ(no_peer.error_code(), 400);
  const Answer no_number = request(
      stun::Method::channel_bind, transaction(91), [](stun::MessageBuilder& b) { b.add(stun::XorPeerAddress{kPeer}); },
      tuple, alice());
  EXPECT_EQ(no_number.error_code(), 400);
  const Answer denied = channel_bind(tuple, alice(), 0x4000, kPrivatePeer, 92);
  EXPECT_EQ(denied.error_code(), 403);
  EXPECT_EQ(server->table().find(tuple)->channels.size(), 0u);
  EXPECT_FALSE(server->table().find(tuple)->permissions.allows(kPrivatePeer.address, now));
  EXPECT_EQ(channel_bind(tuple, alice(), 0x4000, *Endpoint::parse("[2606:4700::1]:9"), 93).error_code(), 443);
  ASSERT_EQ(channel_bind(tuple, alice(), 0x4000, kPeer, 94).message_class(), stun::Class::success);
  EXPECT_EQ(channel_bind(tuple, alice(), 0x4001, kPeer2, 95).error_code(), 508);
}

}  // namespace
}  // namespace iceway::turn::test
