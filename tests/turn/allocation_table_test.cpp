#include "turn/allocation_table.hpp"

#include <gtest/gtest.h>

#include "tests/turn/printers.hpp"
#include "turn/session_summary.hpp"

namespace iceway::turn {
namespace {

const TimePoint kStart = TimePoint{} + std::chrono::hours(1);
const IpAddress kPeerIp = *IpAddress::parse("192.0.2.10");
const Endpoint kPeer{kPeerIp, 5000};

FiveTuple tuple(std::uint16_t client_port, Transport transport = Transport::udp) {
  return FiveTuple{Endpoint{*IpAddress::parse("198.51.100.1"), client_port}, *Endpoint::parse("203.0.113.1:3478"),
                   transport};
}

AllocationSpec spec(std::uint16_t client_port, std::uint16_t relay_port, Seconds lifetime = Seconds(600)) {
  AllocationSpec s;
  s.five_tuple = tuple(client_port);
  s.relayed = Endpoint{*IpAddress::parse("10.0.0.5"), relay_port};
  s.advertised = Endpoint{*IpAddress::parse("203.0.113.1"), relay_port};
  s.username = "1700000000:alice";
  s.user_id = "alice";
  s.expires = kStart + lifetime;
  return s;
}

class AllocationTableTest : public ::testing::Test {
 protected:
  TurnCounters counters;
  AllocationTable table{TableLimits{}, counters};
};

TEST_F(AllocationTableTest, ASessionSummaryIsWhatCtlShowsOfAnAllocation) {
  Allocation& allocation = table.create(spec(40000, 50000), kStart);
  table.install_permission(allocation, kPeerIp, kStart);
  allocation.counters.bytes_to_peer = 1200;
  allocation.counters.bytes_to_client = 34;
  const SessionSummary summary = summarize(allocation, kStart + Seconds(12));
  EXPECT_EQ(summary.id, allocation.id);
  EXPECT_EQ(summary.user, "alice");
  EXPECT_EQ(summary.transport, "udp");
  EXPECT_EQ(summary.client, "198.51.100.1:40000");
  EXPECT_EQ(summary.relayed, "203.0.113.1:50000") << "the address the client was given, not the bound one";
  EXPECT_EQ(summary.age_seconds, 12);
  EXPECT_EQ(summary.expires_in_seconds, 588);
  EXPECT_EQ(summary.bytes_to_peer, 1200u);
  EXPECT_EQ(summary.bytes_to_client, 34u);
  EXPECT_EQ(summary.permissions, 1u);
  EXPECT_EQ(summary.channels, 0u);
  EXPECT_EQ(summarize(allocation, kStart + Seconds(700)).expires_in_seconds, 0) << "never negative";
  EXPECT_EQ(label(EndReason::disconnected), "disconnected");
}

TEST_F(AllocationTableTest, RemoveAllEndsEveryAllocationWithTheGivenReason) {
  Allocation& first = table.create(spec(40000, 50000), kStart);
  table.install_permission(first, kPeerIp, kStart);
  table.create(spec(40001, 50001), kStart);
  const auto ended = table.remove_all(EndReason::shutdown);
  ASSERT_EQ(ended.size(), 2u);
  for (const auto& allocation : ended) EXPECT_EQ(allocation.reason, EndReason::shutdown);
  EXPECT_EQ(label(EndReason::shutdown), "shutdown");
  EXPECT_EQ(table.size(), 0u);
  EXPECT_EQ(counters.active(Transport::udp, AddressFamily::ipv4).value(), 0);
  EXPECT_EQ(counters.permissions_active.value(), 0);
  EXPECT_TRUE(table.remove_all(EndReason::shutdown).empty());
}

TEST_F(AllocationTableTest, FindsAnAllocationByFiveTupleRelayIdAndAdvertisedAddress) {
  Allocation& allocation = table.create(spec(40000, 50000), kStart);
  EXPECT_EQ(table.find(tuple(40000)), &allocation);
  EXPECT_EQ(table.find(tuple(40000, Transport::tcp)), nullptr);
  EXPECT_EQ(table.find(tuple(40001)), nullptr);
  EXPECT_EQ(table.find_by_relay(*Endpoint::parse("10.0.0.5:50000")), &allocation);
  EXPECT_EQ(table.find_by_relay(*Endpoint::parse("10.0.0.5:50001")), nullptr);
  EXPECT_EQ(table.find_by_id(allocation.id), &allocation);
  EXPECT_TRUE(table.contains(*Endpoint::parse("203.0.113.1:50000")));
  EXPECT_FALSE(table.contains(*Endpoint::parse("10.0.0.5:50000")));  // the private side is not advertised
  EXPECT_EQ(counters.active(Transport::udp, AddressFamily::ipv4).value(), 1);
  EXPECT_EQ(table.size(), 1u);
}

TEST_F(AllocationTableTest, AnAllocationExpiresAtItsLifetimeAndReportsWhatItRelayed) {
  Allocation& allocation = table.create(spec(40000, 50000), kStart);
  allocation.counters.bytes_to_peer = 1234;
  table.install_permission(allocation, kPeerIp, kStart);
  EXPECT_EQ(table.next_deadline(), kStart + Seconds(300));
  EXPECT_TRUE(table.expire(kStart + Seconds(599)).allocations.empty());
  auto result = table.expire(kStart + Seconds(600));
  ASSERT_EQ(result.allocations.size(), 1u);
  const auto& ended = result.allocations[0];
  EXPECT_EQ(ended.reason, EndReason::expired);
  EXPECT_EQ(ended.relayed, *Endpoint::parse("10.0.0.5:50000"));
  EXPECT_EQ(ended.username, "1700000000:alice");
  EXPECT_EQ(ended.counters.bytes_to_peer, 1234u);
  EXPECT_EQ(ended.created, kStart);
  EXPECT_EQ(table.find(tuple(40000)), nullptr);
  EXPECT_EQ(table.find_by_relay(ended.relayed), nullptr);
  EXPECT_FALSE(table.contains(ended.advertised));
  EXPECT_EQ(counters.active(Transport::udp, AddressFamily::ipv4).value(), 0);
  EXPECT_EQ(counters.permissions_active.value(), 0);
  EXPECT_FALSE(table.next_deadline());
}

TEST_F(AllocationTableTest, RefreshMovesTheDeadlineEitherWay) {
  Allocation& longer = table.create(spec(40000, 50000), kStart);
  Allocation& shorter = table.create(spec(40001, 50001), kStart);
  table.refresh(longer, kStart + Seconds(1200));
  table.refresh(shorter, kStart + Seconds(60));
  auto first = table.expire(kStart + Seconds(60));
  ASSERT_EQ(first.allocations.size(), 1u);
  EXPECT_EQ(first.allocations[0].five_tuple, tuple(40001));
  EXPECT_TRUE(table.expire(kStart + Seconds(600)).allocations.empty());
  auto second = table.expire(kStart + Seconds(1200));
  ASSERT_EQ(second.allocations.size(), 1u);
  EXPECT_EQ(second.allocations[0].five_tuple, tuple(40000));
}

TEST_F(AllocationTableTest, PermissionsExpireAfter300sUnlessRefreshed) {
  Allocation& allocation = table.create(spec(40000, 50000), kStart);
  const IpAddress other = *IpAddress::parse("192.0.2.20");
  EXPECT_EQ(table.install_permission(allocation, kPeerIp, kStart), Permissions::Install::created);
  EXPECT_EQ(table.install_permission(allocation, other, kStart), Permissions::Install::created);
  EXPECT_EQ(counters.permissions_active.value(), 2);
  EXPECT_EQ(table.install_permission(allocation, kPeerIp, kStart + Seconds(200)), Permissions::Install::refreshed);
  auto result = table.expire(kStart + Seconds(300));
  EXPECT_EQ(result.permissions, 1u);
  EXPECT_TRUE(result.allocations.empty());
  EXPECT_TRUE(allocation.permissions.allows(kPeerIp, kStart + Seconds(300)));
  EXPECT_FALSE(allocation.permissions.allows(other, kStart + Seconds(300)));
  EXPECT_EQ(table.permission_count(), 1u);
  EXPECT_EQ(counters.permissions_active.value(), 1);
  EXPECT_EQ(table.expire(kStart + Seconds(500)).permissions, 1u);
  EXPECT_EQ(counters.permissions_active.value(), 0);
}

TEST_F(AllocationTableTest, PermissionLimitIsPerAllocation) {
  table.set_limits(TableLimits{Seconds(300), Seconds(600), 2, 2});
  Allocation& allocation = table.create(spec(40000, 50000), kStart);
  table.install_permission(allocation, *IpAddress::parse("192.0.2.1"), kStart);
  table.install_permission(allocation, *IpAddress::parse("192.0.2.2"), kStart);
  EXPECT_EQ(table.install_permission(allocation, *IpAddress::parse("192.0.2.3"), kStart), Permissions::Install::full);
  EXPECT_EQ(table.permission_count(), 2u);
}

TEST_F(AllocationTableTest, ChannelBindInstallsThePermissionAndBothExpireOnTheirOwnTimers) {
  Allocation& allocation = table.create(spec(40000, 50000), kStart);
  EXPECT_EQ(table.bind_channel(allocation, 0x4000, kPeer, kStart), ChannelBindOutcome::created);
  EXPECT_TRUE(allocation.permissions.allows(kPeerIp, kStart));
  EXPECT_EQ(counters.channels_active.value(), 1);
  EXPECT_EQ(counters.permissions_active.value(), 1);
  // Permission at 300 s, channel at 600 s, allocation at 600 s.
  auto at300 = table.expire(kStart + Seconds(300));
  EXPECT_EQ(at300.permissions, 1u);
  EXPECT_EQ(at300.channels, 0u);
  EXPECT_NE(allocation.channels.peer_of(0x4000, kStart + Seconds(300)), nullptr);
  // Refreshing the channel refreshes the permission too.
  table.refresh(allocation, kStart + Seconds(1800));
  EXPECT_EQ(table.bind_channel(allocation, 0x4000, kPeer, kStart + Seconds(400)), ChannelBindOutcome::refreshed);
  EXPECT_TRUE(allocation.permissions.allows(kPeerIp, kStart + Seconds(699)));
  EXPECT_EQ(table.channel_count(), 1u);
  auto at1000 = table.expire(kStart + Seconds(1000));
  EXPECT_EQ(at1000.channels, 1u);
  EXPECT_EQ(at1000.permissions, 1u);
  EXPECT_EQ(counters.channels_active.value(), 0);
  EXPECT_EQ(counters.permissions_active.value(), 0);
  EXPECT_EQ(table.size(), 1u);
}

TEST_F(AllocationTableTest, RefusedChannelBindInstallsNoPermission) {
  Allocation& allocation = table.create(spec(40000, 50000), kStart);
  table.bind_channel(allocation, 0x4000, kPeer, kStart);
  const Endpoint other{*IpAddress::parse("192.0.2.99"), 1};
  EXPECT_EQ(table.bind_channel(allocation, 0x4000, other, kStart), ChannelBindOutcome::number_in_use);
  EXPECT_FALSE(allocation.permissions.allows(other.address, kStart));
  EXPECT_EQ(table.permission_count(), 1u);
}

TEST_F(AllocationTableTest, RemoveEndsNowAndExpireDoesNotReportItAgain) {
  Allocation& allocation = table.create(spec(40000, 50000), kStart);
  table.bind_channel(allocation, 0x4000, kPeer, kStart);
  const AllocationId id = allocation.id;
  auto ended = table.remove(id, EndReason::deleted);
  ASSERT_TRUE(ended);
  EXPECT_EQ(ended->reason, EndReason::deleted);
  EXPECT_EQ(ended->channels, 1u);
  EXPECT_EQ(ended->permissions, 1u);
  EXPECT_FALSE(table.remove(id, EndReason::deleted));
  auto later = table.expire(kStart + Seconds(3600));
  EXPECT_TRUE(later.allocations.empty());
  EXPECT_EQ(later.permissions + later.channels, 0u);
  EXPECT_EQ(counters.channels_active.value(), 0);
  EXPECT_EQ(counters.permissions_active.value(), 0);
  EXPECT_FALSE(table.next_deadline());
}

TEST_F(AllocationTableTest, EndingAnAllocationReturnsItsQuotaSlot) {
  Quota quota({10, 1, 10});
  AllocationSpec s = spec(40000, 50000, Seconds(60));
  s.lease = std::move(quota.acquire("alice", s.five_tuple.client.address)).value();
  table.create(std::move(s), kStart);
  EXPECT_FALSE(quota.acquire("alice", s.five_tuple.client.address));
  table.expire(kStart + Seconds(60));
  EXPECT_EQ(quota.active(), 0u);
}

TEST_F(AllocationTableTest, ExpireReturnsExactlyTheAllocationsDue) {
  for (std::uint16_t i = 0; i < 100; ++i) table.create(spec(40000 + i, 50000 + i, Seconds(100 + i)), kStart);
  std::size_t ended = 0;
  for (int second = 0; second <= 200; ++second) {
    auto result = table.expire(kStart + Seconds(second));
    for (const auto& allocation : result.allocations) {
      // Each one ends exactly at its own deadline.
      EXPECT_EQ(allocation.five_tuple.client.port - 40000 + 100, second);
    }
    ended += result.allocations.size();
    EXPECT_EQ(table.size(), 100 - ended);
  }
  EXPECT_EQ(ended, 100u);
}

TEST_F(AllocationTableTest, IdsAreNeverReused) {
  const AllocationId first = table.create(spec(40000, 50000), kStart).id;
  table.remove(first, EndReason::closed);
  EXPECT_NE(table.create(spec(40000, 50000), kStart).id, first);
}

TEST(AllocationTable, DestroyingTheTableKeepsTheGaugesTrue) {
  TurnCounters counters;
  {
    AllocationTable table(TableLimits{}, counters);
    Allocation& allocation = table.create(spec(40000, 50000), kStart);
    table.bind_channel(allocation, 0x4000, kPeer, kStart);
  }
  EXPECT_EQ(counters.active(Transport::udp, AddressFamily::ipv4).value(), 0);
  EXPECT_EQ(counters.permissions_active.value(), 0);
  EXPECT_EQ(counters.channels_active.value(), 0);
}

}  // namespace
}  // namespace iceway::turn
