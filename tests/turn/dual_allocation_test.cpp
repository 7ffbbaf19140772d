// Dual allocations (RFC 8656 §7.2 step 9, ADDITIONAL-ADDRESS-FAMILY): one Allocate gets an
// IPv4 and an IPv6 relayed address; each family relays from its own socket under the same
// permissions, channels, lifetime and quota slot; Refresh with REQUESTED-ADDRESS-FAMILY and
// LIFETIME 0 drops one family (§8.2); when only IPv4 can be served the success says why.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "stun/channel_data.hpp"
#include "tests/turn/turn_server_fixture.hpp"

namespace iceway::turn::test {
namespace {

// Public IPv6 peers (the policy refuses documentation and private prefixes).
const Endpoint kPeerIpv6 = *Endpoint::parse("[2606:4700::1111]:7000");
const Endpoint kPrivatePeerIpv6 = *Endpoint::parse("[fd00::1]:7000");

class DualAllocation : public TurnServerTest {
 protected:
  void SetUp() override {
    settings.relay_ipv6 = kRelayIpv6;
    rebuild();
  }

  static Attributes dual() {
    return [](stun::MessageBuilder& b) { b.add(stun::AdditionalAddressFamily{AddressFamily::ipv6}); };
  }

  // Every XOR-RELAYED-ADDRESS of an answer, in order.
  static std::vector<Endpoint> relayed_addresses(const Answer& answer) {
    std::vector<Endpoint> out;
    const auto view = answer.view();
    for (const auto& attribute : view.attributes()) {
      if (attribute.type != stun::AttributeType::xor_relayed_address) continue;
      out.push_back(stun::XorRelayedAddress::decode(attribute, view.transaction_id()).value().endpoint);
    }
    return out;
  }

  Answer refresh_family(const FiveTuple& tuple, AddressFamily family, std::uint32_t lifetime, std::uint8_t id) {
    return request(
        stun::Method::refresh, transaction(id),
        [&](stun::MessageBuilder& b) { b.add(stun::Lifetime{lifetime}).add(stun::RequestedAddressFamily{family}); },
        tuple, alice());
  }
};

TEST_F(DualAllocation, OneAllocateGetsAnIpv4AndAnIpv6RelayedAddress) {
  const Answer answer = allocate(client_tuple(), alice(), dual());
  ASSERT_EQ(answer.message_class(), stun::Class::success) << answer.error_code().value_or(0);
  const auto relayed = relayed_addresses(answer);
  ASSERT_EQ(relayed.size(), 2u);
  EXPECT_EQ(relayed[0].address, kRelayIpv4);
  EXPECT_EQ(relayed[1].address, kRelayIpv6);
  EXPECT_FALSE(answer.get<stun::AddressErrorCode>());
  ASSERT_EQ(ports.opened.size(), 2u);
  EXPECT_EQ(ports.opened[0].family, AddressFamily::ipv4);
  EXPECT_EQ(ports.opened[1].family, AddressFamily::ipv6);
  ASSERT_TRUE(answer.result.created);
  EXPECT_EQ(answer.result.created->relayed, relayed[0]);
  EXPECT_EQ(answer.result.created->relayed_ipv6, relayed[1]);
  EXPECT_EQ(quota.active(), 1u) << "one allocation, one quota slot";
  EXPECT_EQ(server->counters().allocations_active[0][0].value(), 1);  // udp, counted as IPv4
  EXPECT_EQ(server->counters().allocations_active[0][1].value(), 0);
  EXPECT_TRUE(server->table().contains(relayed[1])) << "the IPv6 address is one of ours for the peer policy";
  EXPECT_NE(server->table().find_by_relay(relayed[1]), nullptr);
}

TEST_F(DualAllocation, EachFamilyRelaysFromItsOwnSocketBothWays) {
  const FiveTuple tuple = client_tuple();
  const auto relayed = relayed_addresses(allocate(tuple, alice(), dual()));
  ASSERT_EQ(relayed.size(), 2u);
  ASSERT_EQ(create_permission(tuple, alice(), {kPeer, kPeerIpv6}).message_class(), stun::Class::success);

  const Answer to_v4 = deliver(send_indication(kPeer, "four"), tuple);
  ASSERT_TRUE(to_v4.result.to_peer);
  EXPECT_EQ(to_v4.result.to_peer->relayed, relayed[0]);
  const Answer to_v6 = deliver(send_indication(kPeerIpv6, "six"), tuple);
  ASSERT_TRUE(to_v6.result.to_peer);
  EXPECT_EQ(to_v6.result.to_peer->relayed, relayed[1]);
  EXPECT_EQ(to_v6.result.to_peer->peer, kPeerIpv6);

  ASSERT_EQ(channel_bind(tuple, alice(), 0x4001, kPeerIpv6).message_class(), stun::Class::success);
  const Answer over_channel = deliver(channel_data(0x4001, "six again"), tuple);
  ASSERT_TRUE(over_channel.result.to_peer);
  EXPECT_EQ(over_channel.result.to_peer->relayed, relayed[1]);

  // From the IPv6 peer back to the client, on the allocation's one id.
  std::array<std::byte, 2048> buffer{};
  std::memcpy(buffer.data() + kPeerHeadroom, "reply", 5);
  const Allocation* allocation = server->table().find(tuple);
  ASSERT_NE(allocation, nullptr);
  EXPECT_TRUE(server->on_peer_datagram(allocation->id, kPeerIpv6, buffer, 5, now));
}

TEST_F(DualAllocation, ThePeerPolicyAppliesToBothFamilies) {
  const FiveTuple tuple = client_tuple();
  allocate(tuple, alice(), dual());
  const Answer v6 = create_permission(tuple, alice(), {kPrivatePeerIpv6});
  EXPECT_EQ(v6.error_code(), 403);
  const Answer v4 = create_permission(tuple, alice(), {kPrivatePeer}, 31);
  EXPECT_EQ(v4.error_code(), 403);
  EXPECT_EQ(channel_bind(tuple, alice(), 0x4002, kPrivatePeerIpv6).error_code(), 403);
}

TEST_F(DualAllocation, WithoutAnIpv6RelayOrPortTheIpv4PartSucceedsAndSaysWhy) {
  ports.fail_ipv6_with = RelayPortError::no_port;
  const Answer no_port = allocate(client_tuple(40000), alice(), dual());
  ASSERT_EQ(no_port.message_class(), stun::Class::success);
  EXPECT_EQ(relayed_addresses(no_port).size(), 1u);
  const auto error = no_port.get<stun::AddressErrorCode>();
  ASSERT_TRUE(error);
  EXPECT_EQ(error->family, AddressFamily::ipv6);
  EXPECT_EQ(error->code, 508);
  EXPECT_FALSE(no_port.result.created->relayed_ipv6);

  settings.relay_ipv6.reset();
  rebuild();
  const Answer no_family = allocate(client_tuple(40001), alice(), dual());
  ASSERT_EQ(no_family.message_class(), stun::Class::success);
  EXPECT_EQ(no_family.get<stun::AddressErrorCode>()->code, 440);
}

TEST_F(DualAllocation, RefreshWithTheIpv6FamilyAndLifetimeZeroDropsOnlyIpv6) {
  const FiveTuple tuple = client_tuple();
  const auto relayed = relayed_addresses(allocate(tuple, alice(), dual()));
  ASSERT_EQ(create_permission(tuple, alice(), {kPeer, kPeerIpv6}).message_class(), stun::Class::success);

  const Answer dropped = refresh_family(tuple, AddressFamily::ipv6, 0, 51);
  ASSERT_EQ(dropped.message_class(), stun::Class::success);
  EXPECT_EQ(dropped.get<stun::Lifetime>()->seconds, 0u);
  EXPECT_FALSE(dropped.result.ended);
  ASSERT_TRUE(dropped.result.released);
  EXPECT_EQ(dropped.result.released->relayed, relayed[1]);
  EXPECT_FALSE(server->table().contains(relayed[1]));
  EXPECT_EQ(server->table().find_by_relay(relayed[1]), nullptr);

  // IPv4 relays on; IPv6 is now another family: 443 and nothing sent.
  EXPECT_TRUE(deliver(send_indication(kPeer, "x"), tuple).result.to_peer);
  EXPECT_FALSE(deliver(send_indication(kPeerIpv6, "x"), tuple).result.to_peer);
  EXPECT_EQ(create_permission(tuple, alice(), {kPeerIpv6}, 32).error_code(), 443);
  EXPECT_EQ(refresh_family(tuple, AddressFamily::ipv6, 600, 52).error_code(), 443);
  EXPECT_EQ(quota.active(), 1u);
}

TEST_F(DualAllocation, DroppingIpv4LeavesAnIpv6Allocation) {
  const FiveTuple tuple = client_tuple();
  const auto relayed = relayed_addresses(allocate(tuple, alice(), dual()));
  const Answer dropped = refresh_family(tuple, AddressFamily::ipv4, 0, 51);
  ASSERT_EQ(dropped.message_class(), stun::Class::success);
  ASSERT_TRUE(dropped.result.released);
  EXPECT_EQ(dropped.result.released->relayed, relayed[0]);
  const Allocation* allocation = server->table().find(tuple);
  ASSERT_NE(allocation, nullptr);
  EXPECT_EQ(allocation->relayed, relayed[1]);
  EXPECT_FALSE(allocation->relayed_ipv6);
  EXPECT_EQ(server->counters().allocations_active[0][0].value(), 0);
  EXPECT_EQ(server->counters().allocations_active[0][1].value(), 1);
  EXPECT_EQ(create_permission(tuple, alice(), {kPeer}).error_code(), 443);
  ASSERT_EQ(create_permission(tuple, alice(), {kPeerIpv6}, 31).message_class(), stun::Class::success);
  // Now a single-family allocation: LIFETIME 0 with its family ends it.
  const Answer gone = refresh_family(tuple, AddressFamily::ipv6, 0, 52);
  ASSERT_TRUE(gone.result.ended);
  EXPECT_EQ(gone.result.ended->relayed, relayed[1]);
  EXPECT_FALSE(gone.result.ended->relayed_ipv6);
  EXPECT_EQ(server->counters().allocations_active[0][1].value(), 0);
}

TEST_F(DualAllocation, EndingItClosesBothRelaysAndARefreshKeepsBoth) {
  const FiveTuple tuple = client_tuple();
  const auto relayed = relayed_addresses(allocate(tuple, alice(), dual()));
  const Answer refreshed = refresh_family(tuple, AddressFamily::ipv6, 900, 51);
  ASSERT_EQ(refreshed.message_class(), stun::Class::success);
  EXPECT_TRUE(server->table().contains(relayed[0]));
  EXPECT_TRUE(server->table().contains(relayed[1]));

  const Answer deleted = refresh(tuple, alice(), 0, 52);
  ASSERT_TRUE(deleted.result.ended);
  EXPECT_EQ(deleted.result.ended->relayed, relayed[0]);
  EXPECT_EQ(deleted.result.ended->relayed_ipv6, relayed[1]);
  EXPECT_EQ(server->table().size(), 0u);
  EXPECT_EQ(quota.active(), 0u);
}

TEST_F(DualAllocation, ARetransmissionTheCacheDroppedNamesBothAddresses) {
  const auto [first, second] = allocate_twice_past_the_cache(client_tuple(40000), dual());
  ASSERT_EQ(second.message_class(), stun::Class::success);
  EXPECT_EQ(relayed_addresses(second), relayed_addresses(first));
  EXPECT_EQ(relayed_addresses(second).size(), 2u);
}

TEST_F(DualAllocation, TheDraftCodePointOfOlderCoturnClientsAsksForOneToo) {
  // Debian 12's turnutils_uclient -Z sends ADDITIONAL-ADDRESS-FAMILY as 0x8032.
  const Answer answer = allocate(client_tuple(40000), alice(), [](stun::MessageBuilder& b) {
    b.add(stun::AdditionalAddressFamilyDraft{AddressFamily::ipv6});
  });
  ASSERT_EQ(answer.message_class(), stun::Class::success);
  EXPECT_EQ(relayed_addresses(answer).size(), 2u);

  // Anything but IPv6 there is an unknown optional attribute: ignored, one IPv4 relay.
  const Answer ipv4 = allocate(client_tuple(40001), alice(), [](stun::MessageBuilder& b) {
    b.add(stun::AdditionalAddressFamilyDraft{AddressFamily::ipv4});
  });
  ASSERT_EQ(ipv4.message_class(), stun::Class::success);
  EXPECT_EQ(relayed_addresses(ipv4).size(), 1u);
  EXPECT_FALSE(ipv4.get<stun::AddressErrorCode>());

  // The RFC attribute wins when both are there.
  const Answer both = allocate(client_tuple(40002), alice(), [](stun::MessageBuilder& b) {
    b.add(stun::AdditionalAddressFamily{AddressFamily::ipv4}).add(stun::AdditionalAddressFamilyDraft{AddressFamily::ipv6});
  });
  EXPECT_EQ(both.error_code(), 400);
}

TEST_F(DualAllocation, RequestErrorsStayAsRfc8656Section7_2Says) {
  const auto token = [](stun::MessageBuilder& b) {
    b.add(stun::ReservationToken{}).add(stun::AdditionalAddressFamily{AddressFamily::ipv6});
  };
  EXPECT_EQ(allocate(client_tuple(40000), alice(), token).error_code(), 400);
  const auto with_requested = [](stun::MessageBuilder& b) {
    b.add(stun::RequestedAddressFamily{AddressFamily::ipv4}).add(stun::AdditionalAddressFamily{AddressFamily::ipv6});
  };
  EXPECT_EQ(allocate(client_tuple(40001), alice(), with_requested).error_code(), 400);
  const auto with_r = [](stun::MessageBuilder& b) {
    b.add(stun::EvenPort{true}).add(stun::AdditionalAddressFamily{AddressFamily::ipv6});
  };
  EXPECT_EQ(allocate(client_tuple(40002), alice(), with_r).error_code(), 400);
  EXPECT_TRUE(ports.opened.empty());
  EXPECT_EQ(quota.active(), 0u);
}

}  // namespace
}  // namespace iceway::turn::test
