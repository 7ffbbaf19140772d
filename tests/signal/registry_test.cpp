#include "signal/registry.hpp"

#include <gtest/gtest.h>

#include "test_support.hpp"

namespace iceway::signaling {
namespace {

using testing::address;

const TimePoint kNow = TimePoint{} + std::chrono::hours(1);

class RegistryTest : public ::testing::Test {
 protected:
  Registry::Connection* add(ConnectionId id, Protocol protocol = Protocol::native,
                            std::string_view ip = "192.0.2.1") {
    auto added = registry.add(id, protocol, address(ip), kNow, 10);
    return added ? added.value() : nullptr;
  }

  Counters counters;
  Registry registry{RegistryLimits{3, 2, 3}, counters};
};

TEST_F(RegistryTest, AddedConnectionIsFoundAndCounted) {
  ASSERT_NE(add(1), nullptr);
  ASSERT_NE(add(2, Protocol::yjs), nullptr);
  EXPECT_EQ(registry.find(1)->protocol, Protocol::native);
  EXPECT_EQ(registry.connection_count(), 2u);
  EXPECT_EQ(counters.connections_active[index(Protocol::native)].value(), 1);
  EXPECT_EQ(counters.connections_active[index(Protocol::yjs)].value(), 1);
  EXPECT_EQ(registry.find(3), nullptr);
}

TEST_F(RegistryTest, DuplicateConnectionIdIsRefused) {
  ASSERT_NE(add(1), nullptr);
  auto again = registry.add(1, Protocol::native, address("192.0.2.9"), kNow, 10);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error(), Registry::AddError::duplicate_connection);
}

TEST_F(RegistryTest, ConnectionsPerAddressAreCappedAcrossProtocols) {
  ASSERT_NE(add(1, Protocol::native), nullptr);
  ASSERT_NE(add(2, Protocol::peerjs), nullptr);
  ASSERT_NE(add(3, Protocol::yjs), nullptr);
  auto fourth = registry.add(4, Protocol::relay, address("192.0.2.1"), kNow, 10);
  ASSERT_FALSE(fourth);
  EXPECT_EQ(fourth.error(), Registry::AddError::too_many_from_address);
  // Another address is not affected; a departure frees a slot.
  EXPECT_NE(add(5, Protocol::native, "2001:db8::1"), nullptr);
  registry.remove(2);
  EXPECT_EQ(registry.connections_from(address("192.0.2.1")), 2u);
  EXPECT_NE(add(4, Protocol::relay), nullptr);
}

// Issue 11, finding 6: one subscriber holds a whole /64.
TEST_F(RegistryTest, ConnectionsFromOneIpv6PrefixShareOneCap) {
  struct Case {
    const char* name;
    unsigned prefix;
    const char* other;
    bool shared;
  };
  const Case cases[] = {
      {"/64: another address of the /64", 64, "2001:db8:1:2::ffff", true},
      {"/64: the next /64", 64, "2001:db8:1:3::1", false},
      {"/48: another /64 of the /48", 48, "2001:db8:1:ffff::1", true},
      {"/128: another address", 128, "2001:db8:1:2::2", false},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    Counters own_counters;
    Registry own(RegistryLimits{2, 2, 3, c.prefix}, own_counters);
    ConnectionId id = 1;
    ASSERT_TRUE(own.add(id++, Protocol::native, address("2001:db8:1:2::1"), kNow, 10));
    ASSERT_TRUE(own.add(id++, Protocol::native, address("2001:db8:1:2::1"), kNow, 10));
    const auto third = own.add(id++, Protocol::native, address(c.other), kNow, 10);
    EXPECT_EQ(!third, c.shared);
    EXPECT_EQ(own.connections_from(address("2001:db8:1:2::1")), 2u);
  }
}

TEST_F(RegistryTest, AConnectionLeavesTheCountItWasAddedTo) {
  Counters own_counters;
  Registry own(RegistryLimits{1, 2, 3, 64}, own_counters);
  ASSERT_TRUE(own.add(1, Protocol::native, address("2001:db8:1:2::1"), kNow, 10));
  own.set_limits(RegistryLimits{1, 2, 3, 128});  // a reload changes the prefix meanwhile
  own.remove(1);
  own.set_limits(RegistryLimits{1, 2, 3, 64});
  EXPECT_EQ(own.connections_from(address("2001:db8:1:2::1")), 0u);
  EXPECT_TRUE(own.add(2, Protocol::native, address("2001:db8:1:2::7"), kNow, 10));
}

TEST_F(RegistryTest, PeerIdsAreUniquePerProtocolOnly) {
  add(1, Protocol::native);
  add(2, Protocol::native, "192.0.2.2");
  add(3, Protocol::peerjs, "192.0.2.3");
  add(4, Protocol::relay, "192.0.2.4");
  EXPECT_TRUE(registry.claim_id(1, "alice"));
  EXPECT_FALSE(registry.claim_id(2, "alice"));
  EXPECT_TRUE(registry.claim_id(3, "alice"));
  EXPECT_TRUE(registry.claim_id(4, "alice"));
  EXPECT_EQ(registry.holder(Protocol::native, "alice"), ConnectionId{1});
  EXPECT_EQ(registry.holder(Protocol::peerjs, "alice"), ConnectionId{3});
  EXPECT_EQ(registry.holder(Protocol::relay, "alice"), ConnectionId{4});
  EXPECT_FALSE(registry.holder(Protocol::yjs, "alice"));
  EXPECT_TRUE(registry.claim_id(1, "alice"));  // claiming what one holds is fine
  EXPECT_FALSE(registry.claim_id(1, ""));
  EXPECT_FALSE(registry.claim_id(99, "ghost"));
}

TEST_F(RegistryTest, ClaimingAgainReplacesTheId) {
  add(1);
  ASSERT_TRUE(registry.claim_id(1, "a"));
  ASSERT_TRUE(registry.claim_id(1, "b"));
  EXPECT_FALSE(registry.holder(Protocol::native, "a"));
  EXPECT_EQ(registry.find(1)->peer_id, "b");
  registry.release_id(1);
  EXPECT_FALSE(registry.holder(Protocol::native, "b"));
  EXPECT_TRUE(registry.find(1)->peer_id.empty());
}

TEST_F(RegistryTest, TakeOverMovesTheIdAndLeavesTheOldConnectionAnonymous) {
  add(1, Protocol::peerjs);
  add(2, Protocol::peerjs);
  ASSERT_TRUE(registry.claim_id(1, "p"));
  EXPECT_EQ(registry.take_over_id(2, "p"), ConnectionId{1});
  EXPECT_EQ(registry.holder(Protocol::peerjs, "p"), ConnectionId{2});
  EXPECT_TRUE(registry.find(1)->peer_id.empty());
  auto departure = registry.remove(1);
  ASSERT_TRUE(departure);
  EXPECT_TRUE(departure->peer_id.empty());
  EXPECT_EQ(registry.holder(Protocol::peerjs, "p"), ConnectionId{2});
  EXPECT_FALSE(registry.take_over_id(2, "nobody"));
}

TEST_F(RegistryTest, JoinReportsOthersInJoinOrder) {
  add(1);
  add(2);
  add(3);
  EXPECT_TRUE(registry.join(1, "r").value().others.empty());
  EXPECT_EQ(registry.join(2, "r").value().others, (std::vector<ConnectionId>{1}));
  auto third = registry.join(3, "r");
  ASSERT_TRUE(third);
  EXPECT_FALSE(third.value().already_member);
  EXPECT_EQ(third.value().others, (std::vector<ConnectionId>{1, 2}));
  auto members = registry.members(Protocol::native, "r");
  EXPECT_EQ(std::vector<ConnectionId>(members.begin(), members.end()), (std::vector<ConnectionId>{1, 2, 3}));
  EXPECT_EQ(counters.rooms_active.value(), 1);
}

TEST_F(RegistryTest, JoiningTwiceIsAlreadyMember) {
  add(1);
  add(2);
  ASSERT_TRUE(registry.join(1, "r"));
  ASSERT_TRUE(registry.join(2, "r"));
  auto again = registry.join(1, "r");
  ASSERT_TRUE(again);
  EXPECT_TRUE(again.value().already_member);
  EXPECT_EQ(again.value().others, (std::vector<ConnectionId>{2}));
  EXPECT_EQ(registry.find(1)->rooms.size(), 1u);
}

TEST_F(RegistryTest, PeersPerRoomLimit) {
  for (ConnectionId id = 1; id <= 4; ++id) add(id, Protocol::native, id <= 3 ? "192.0.2.1" : "192.0.2.2");
  for (ConnectionId id = 1; id <= 3; ++id) ASSERT_TRUE(registry.join(id, "r"));
  auto full = registry.join(4, "r");
  ASSERT_FALSE(full);
  EXPECT_EQ(full.error(), Registry::JoinError::room_full);
  registry.leave(1, "r");
  EXPECT_TRUE(registry.join(4, "r"));
}

TEST_F(RegistryTest, RoomsPerConnectionLimit) {
  add(1);
  ASSERT_TRUE(registry.join(1, "a"));
  ASSERT_TRUE(registry.join(1, "b"));
  auto third = registry.join(1, "c");
  ASSERT_FALSE(third);
  EXPECT_EQ(third.error(), Registry::JoinError::too_many_rooms);
  // Rejoining a room it is in is not a new room.
  EXPECT_TRUE(registry.join(1, "a"));
  EXPECT_FALSE(registry.join(42, "a"));
}

TEST_F(RegistryTest, LimitsChangeForTheNextJoin) {
  add(1);
  ASSERT_TRUE(registry.join(1, "a"));
  ASSERT_TRUE(registry.join(1, "b"));
  registry.set_limits({3, 1, 3});
  EXPECT_EQ(registry.find(1)->rooms.size(), 2u);  // nobody is evicted
  EXPECT_FALSE(registry.join(1, "c"));
  registry.set_limits({3, 5, 3});
  EXPECT_TRUE(registry.join(1, "c"));
}

TEST_F(RegistryTest, LeaveReturnsRemainingAndDropsEmptyRooms) {
  add(1);
  add(2);
  ASSERT_TRUE(registry.join(1, "r"));
  ASSERT_TRUE(registry.join(2, "r"));
  EXPECT_FALSE(registry.leave(1, "elsewhere"));
  auto remaining = registry.leave(1, "r");
  ASSERT_TRUE(remaining);
  EXPECT_EQ(*remaining, (std::vector<ConnectionId>{2}));
  EXPECT_FALSE(registry.is_member(1, "r"));
  EXPECT_FALSE(registry.leave(1, "r"));
  EXPECT_TRUE(registry.leave(2, "r")->empty());
  EXPECT_EQ(registry.room_count(Protocol::native), 0u);
  EXPECT_EQ(counters.rooms_active.value(), 0);
}

TEST_F(RegistryTest, RemoveReportsIdAndEveryRoomLeft) {
  add(1);
  add(2);
  add(3);
  registry.claim_id(1, "alice");
  ASSERT_TRUE(registry.join(1, "a"));
  ASSERT_TRUE(registry.join(1, "b"));
  ASSERT_TRUE(registry.join(2, "a"));
  ASSERT_TRUE(registry.join(3, "b"));
  ASSERT_TRUE(registry.join(2, "b"));
  auto departure = registry.remove(1);
  ASSERT_TRUE(departure);
  EXPECT_EQ(departure->peer_id, "alice");
  ASSERT_EQ(departure->rooms.size(), 2u);
  EXPECT_EQ(departure->rooms[0].room, "a");
  EXPECT_EQ(departure->rooms[0].remaining, (std::vector<ConnectionId>{2}));
  EXPECT_EQ(departure->rooms[1].room, "b");
  EXPECT_EQ(departure->rooms[1].remaining, (std::vector<ConnectionId>{3, 2}));
  EXPECT_FALSE(registry.holder(Protocol::native, "alice"));
  EXPECT_FALSE(registry.remove(1));
  EXPECT_EQ(counters.connections_active[index(Protocol::native)].value(), 2);
}

TEST_F(RegistryTest, RoomNamespacesAreSeparate) {
  add(1, Protocol::native);
  add(2, Protocol::yjs);
  ASSERT_TRUE(registry.join(1, "doc"));
  auto yjs = registry.join(2, "doc");
  ASSERT_TRUE(yjs);
  EXPECT_TRUE(yjs.value().others.empty());
  EXPECT_EQ(registry.members(Protocol::native, "doc").size(), 1u);
  EXPECT_EQ(registry.members(Protocol::yjs, "doc").size(), 1u);
  EXPECT_EQ(counters.rooms_active.value(), 2);
}

TEST_F(RegistryTest, PeerIdsAreListedSorted) {
  add(1, Protocol::peerjs);
  add(2, Protocol::peerjs);
  add(3, Protocol::native);
  registry.claim_id(1, "zed");
  registry.claim_id(2, "amy");
  registry.claim_id(3, "native-only");
  EXPECT_EQ(registry.peer_ids(Protocol::peerjs), (std::vector<std::string>{"amy", "zed"}));
  EXPECT_EQ(registry.peer_count(Protocol::peerjs), 2u);
}

}  // namespace
}  // namespace iceway::signaling
