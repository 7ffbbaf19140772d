// The relay path end to end: Send indications and ChannelData from the client (RFC 8656
// §11.2, §12.6), datagrams from peers as ChannelData or Data indications (§11.3, §12.7).
#include <gtest/gtest.h>

#include <cstring>

#include "stun/channel_data.hpp"
#include "tests/turn/turn_server_fixture.hpp"

namespace iceway::turn::test {
namespace {

class Relay : public TurnServerTest {
 protected:
  // A peer datagram laid out as the I/O layer receives it.
  std::optional<ToClient> from_peer(AllocationId id, const Endpoint& peer, std::string_view payload) {
    std::memcpy(peer_buffer.data() + kPeerHeadroom, payload.data(), payload.size());
    return server->on_peer_datagram(id, peer, peer_buffer, payload.size(), now);
  }
  std::string text(ByteSpan bytes) { return std::string(as_string_view(bytes)); }

  std::array<std::byte, 2048> peer_buffer{};
};

TEST_F(Relay, SendIndicationWithAPermissionGoesToThePeer) {
  const FiveTuple tuple = client_tuple();
  const Endpoint relayed = allocated(tuple, alice());
  ASSERT_EQ(create_permission(tuple, alice(), {kPeer}).message_class(), stun::Class::success);
  const auto bytes = send_indication(kPeer, "hello peer");
  const Answer answer = deliver(bytes, tuple);
  EXPECT_TRUE(answer.empty());  // indications are never answered
  ASSERT_TRUE(answer.result.to_peer);
  EXPECT_EQ(answer.result.to_peer->peer, kPeer);
  EXPECT_EQ(answer.result.to_peer->relayed, relayed);
  EXPECT_EQ(text(answer.result.to_peer->payload), "hello peer");
  // Zero copy: the payload is a view into the client's message.
  EXPECT_GE(answer.result.to_peer->payload.data(), bytes.data());
  EXPECT_LT(answer.result.to_peer->payload.data(), bytes.data() + bytes.size());
  EXPECT_EQ(server->counters().relay_bytes[0].value(), 10u);
  EXPECT_EQ(server->table().find(tuple)->counters.packets_to_peer, 1u);
}

TEST_F(Relay, SendIndicationsThatMustBeDiscarded) {
  const FiveTuple tuple = client_tuple();
  ASSERT_EQ(allocate(tuple, alice()).message_class(), stun::Class::success);
  ASSERT_EQ(create_permission(tuple, alice(), {kPeer}).message_class(), stun::Class::success);
  struct Case {
    const char* name;
    std::vector<std::byte> bytes;
  };
  const Case cases[] = {
      {"no permission for the peer", send_indication(kPeer2, "x")},
      {"no DATA", build(stun::Method::send, stun::Class::indication, transaction(1),
                        [](stun::MessageBuilder& b) { b.add(stun::XorPeerAddress{kPeer}); })},
      {"no XOR-PEER-ADDRESS", build(stun::Method::send, stun::Class::indication, transaction(1),
                                    [](stun::MessageBuilder& b) { b.add(stun::Data{as_byte_span("x")}); })},
      {"another family", send_indication(*Endpoint::parse("[2606:4700::1]:9"), "x")},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const Answer answer = deliver(c.bytes, tuple);
    EXPECT_TRUE(answer.empty());
    EXPECT_FALSE(answer.result.to_peer);
  }
  EXPECT_EQ(server->table().find(tuple)->counters.dropped, 4u);
}

TEST_F(Relay, PermissionsExpireAndDataDoesNotRefreshThem) {
  const FiveTuple tuple = client_tuple();
  ASSERT_EQ(allocate(tuple, alice()).message_class(), stun::Class::success);
  ASSERT_EQ(create_permission(tuple, alice(), {kPeer}).message_class(), stun::Class::success);
  now += Seconds(299);
  EXPECT_TRUE(deliver(send_indication(kPeer, "x"), tuple).result.to_peer);
  now += Seconds(1);
  EXPECT_FALSE(deliver(send_indication(kPeer, "x"), tuple).result.to_peer);
}

TEST_F(Relay, OnTheRelayAddressOnlyLiveRelaysAreReachedByPort) {
  // Alice and Bob are both relay-only; Alice's permission for Bob's relay IP (our own IP)
  // must not let her reach any other port on it.
  const FiveTuple alice_tuple = client_tuple(40000);
  allocated(alice_tuple, alice());
  const Endpoint bob_relay = allocated(client_tuple(40001), bob());
  ASSERT_EQ(create_permission(alice_tuple, alice(), {bob_relay}).message_class(), stun::Class::success);
  EXPECT_TRUE(deliver(send_indication(bob_relay, "hi bob"), alice_tuple).result.to_peer);
  const Answer other_port = deliver(send_indication(Endpoint{kRelayIpv4, 3478}, "x"), alice_tuple);
  EXPECT_FALSE(other_port.result.to_peer);
  EXPECT_EQ(other_port.result.peer_denied, PeerReason::server_address);
}

TEST_F(Relay, AChannelToAnotherAllocationsRelayStopsWhenThatAllocationEnds) {
  // Alice binds a channel to Bob's relayed address (allowed: both relay-only). Bob leaves;
  // his port is now just a port on our own address, which nobody may reach.
  const FiveTuple alice_tuple = client_tuple(40000);
  const FiveTuple bob_tuple = client_tuple(40001);
  allocated(alice_tuple, alice());
  const Endpoint bob_relay = allocated(bob_tuple, bob());
  ASSERT_EQ(channel_bind(alice_tuple, alice(), 0x4001, bob_relay).message_class(), stun::Class::success);
  ASSERT_EQ(channel_bind(alice_tuple, alice(), 0x4002, kPeer, 41).message_class(), stun::Class::success);
  EXPECT_TRUE(deliver(channel_data(0x4001, "hi bob"), alice_tuple).result.to_peer);

  ASSERT_EQ(refresh(bob_tuple, bob(), 0).message_class(), stun::Class::success);
  const Answer after = deliver(channel_data(0x4001, "bob is gone"), alice_tuple);
  EXPECT_FALSE(after.result.to_peer);
  EXPECT_EQ(after.result.peer_denied, PeerReason::server_address);
  EXPECT_FALSE(deliver(send_indication(bob_relay, "bob is gone"), alice_tuple).result.to_peer);
  // Channels to other peers are not affected.
  EXPECT_TRUE(deliver(channel_data(0x4002, "still here"), alice_tuple).result.to_peer);
}

TEST_F(Relay, APolicyThatTightensOnReloadEndsTheRefusedPermissionsAndChannelsAtOnce) {
  const FiveTuple alice_tuple = client_tuple(40000);
  allocated(alice_tuple, alice());
  const Endpoint bob_relay = allocated(client_tuple(40001), bob());
  ASSERT_EQ(create_permission(alice_tuple, alice(), {kPeer, kPeer2, bob_relay}).message_class(), stun::Class::success);
  ASSERT_EQ(channel_bind(alice_tuple, alice(), 0x4001, kPeer).message_class(), stun::Class::success);
  ASSERT_EQ(channel_bind(alice_tuple, alice(), 0x4002, kPeer2, 41).message_class(), stun::Class::success);
  ASSERT_EQ(channel_bind(alice_tuple, alice(), 0x4003, bob_relay, 42).message_class(), stun::Class::success);
  const std::size_t permissions = server->table().permission_count();

  settings.peer_deny = {"93.184.216.34/32"};  // kPeer
  const RecheckResult removed = server->reconfigure(shared_state());
  EXPECT_EQ(removed.permissions, 1u);
  EXPECT_EQ(removed.channels, 1u);
  EXPECT_EQ(server->table().permission_count(), permissions - 1);
  EXPECT_FALSE(deliver(channel_data(0x4001, "x"), alice_tuple).result.to_peer);
  EXPECT_FALSE(deliver(send_indication(kPeer, "x"), alice_tuple).result.to_peer);
  EXPECT_FALSE(from_peer(server->table().find(alice_tuple)->id, kPeer, "x"));
  // What the new policy still allows keeps relaying, an own relay included.
  EXPECT_TRUE(deliver(channel_data(0x4002, "x"), alice_tuple).result.to_peer);
  EXPECT_TRUE(deliver(send_indication(kPeer2, "x"), alice_tuple).result.to_peer);
  EXPECT_TRUE(deliver(channel_data(0x4003, "x"), alice_tuple).result.to_peer);
  EXPECT_TRUE(deliver(send_indication(bob_relay, "x"), alice_tuple).result.to_peer);
  // Nothing left to remove the second time.
  const RecheckResult again = server->reconfigure(shared_state());
  EXPECT_EQ(again.permissions + again.channels, 0u);
}

TEST_F(Relay, ChannelDataFromTheClientGoesToTheBoundPeer) {
  const FiveTuple tuple = client_tuple();
  const Endpoint relayed = allocated(tuple, alice());
  ASSERT_EQ(channel_bind(tuple, alice(), 0x4001, kPeer).message_class(), stun::Class::success);
  const auto bytes = channel_data(0x4001, "over the channel");
  const Answer answer = deliver(bytes, tuple);
  EXPECT_TRUE(answer.empty());
  ASSERT_TRUE(answer.result.to_peer);
  EXPECT_EQ(answer.result.to_peer->peer, kPeer);
  EXPECT_EQ(answer.result.to_peer->relayed, relayed);
  EXPECT_EQ(text(answer.result.to_peer->payload), "over the channel");
  EXPECT_EQ(answer.result.to_peer->payload.data(), bytes.data() + 4);
  // An empty ChannelData is still relayed (RFC 8656 §12.6).
  const Answer empty = deliver(channel_data(0x4001, ""), tuple);
  ASSERT_TRUE(empty.result.to_peer);
  EXPECT_TRUE(empty.result.to_peer->payload.empty());
}

TEST_F(Relay, ChannelDataThatMustBeDiscarded) {
  const FiveTuple tuple = client_tuple();
  ASSERT_EQ(allocate(tuple, alice()).message_class(), stun::Class::success);
  ASSERT_EQ(channel_bind(tuple, alice(), 0x4001, kPeer).message_class(), stun::Class::success);
  const auto& counters = server->counters();
  EXPECT_FALSE(deliver(channel_data(0x4002, "unbound"), tuple).result.to_peer);
  EXPECT_EQ(counters.relay_dropped_no_permission.value(), 1u);
  EXPECT_FALSE(deliver(channel_data(0x4001, "no allocation"), client_tuple(40001)).result.to_peer);
  EXPECT_EQ(counters.relay_dropped_no_allocation.value(), 1u);
  auto truncated = channel_data(0x4001, "truncated");
  truncated.resize(6);
  EXPECT_FALSE(deliver(truncated, tuple).result.to_peer);
  EXPECT_EQ(counters.relay_dropped_malformed.value(), 1u);
  // RFC 5766's numbers above 0x4FFF decode (channel_data.hpp) but were never bound.
  EXPECT_FALSE(deliver(channel_data(0x5000, "legacy number"), tuple).result.to_peer);
  EXPECT_EQ(counters.relay_dropped_no_permission.value(), 2u);
  // The permission (300 s) lapses before the channel (600 s) unless the client refreshes.
  now += Seconds(300);
  EXPECT_FALSE(deliver(channel_data(0x4001, "late"), tuple).result.to_peer);
  EXPECT_EQ(counters.relay_dropped_no_permission.value(), 3u);
  EXPECT_EQ(counters.relay_dropped_malformed.value(), 1u);
  // Every discarded frame was counted once, under one reason.
  EXPECT_EQ(counters.relay_dropped_bandwidth.value() + counters.relay_dropped_detached.value(), 0u);
  EXPECT_EQ(counters.relay_packets[0].value() + counters.relay_packets[1].value(), 0u);
}

TEST_F(Relay, SendIndicationsWithoutAnAllocationAreCountedAsDropped) {
  const Answer answer = deliver(send_indication(kPeer, "nobody allocated"), client_tuple(40002));
  EXPECT_FALSE(answer.result.to_peer);
  EXPECT_TRUE(answer.empty()) << "indications are never answered";
  EXPECT_EQ(server->counters().relay_dropped_no_allocation.value(), 1u);
  EXPECT_EQ(server->counters().relay_dropped_no_permission.value(), 0u);
}

TEST_F(Relay, PeerDataBecomesChannelDataWhenAChannelIsBound) {
  const FiveTuple tuple = client_tuple();
  const Answer allocate_answer = allocate(tuple, alice());
  const AllocationId id = allocate_answer.result.created->id;
  ASSERT_EQ(channel_bind(tuple, alice(), 0x4001, kPeer).message_class(), stun::Class::success);
  const auto sent = from_peer(id, kPeer, "from the peer");
  ASSERT_TRUE(sent);
  EXPECT_EQ(sent->five_tuple, tuple);
  const auto frame = stun::parse_channel_data(sent->bytes).value();
  EXPECT_EQ(frame.channel_number, 0x4001);
  EXPECT_EQ(text(frame.data), "from the peer");
  EXPECT_EQ(sent->bytes.size(), 4u + 13u);  // no padding over UDP
  EXPECT_EQ(sent->bytes.data(), peer_buffer.data() + kPeerHeadroom - 4);  // built in place
  EXPECT_EQ(server->counters().relay_packets[1].value(), 1u);
}

TEST_F(Relay, ChannelDataToStreamClientsIsPadded) {
  const FiveTuple tuple = client_tuple(40000, Transport::tcp);
  const AllocationId id = allocate(tuple, alice()).result.created->id;
  ASSERT_EQ(channel_bind(tuple, alice(), 0x4001, kPeer).message_class(), stun::Class::success);
  peer_buffer.fill(std::byte{0xEE});
  const auto sent = from_peer(id, kPeer, "12345");
  ASSERT_TRUE(sent);
  ASSERT_EQ(sent->bytes.size(), 12u);  // 4 + 5 rounded up to 4
  EXPECT_EQ(sent->bytes[9], std::byte{0});
  EXPECT_EQ(sent->bytes[11], std::byte{0});
}

TEST_F(Relay, PeerDataWithoutAChannelBecomesADataIndication) {
  const FiveTuple tuple = client_tuple();
  const AllocationId id = allocate(tuple, alice()).result.created->id;
  ASSERT_EQ(create_permission(tuple, alice(), {kPeer}).message_class(), stun::Class::success);
  for (const Endpoint& peer : {kPeer, Endpoint{kPeer.address, 9999}}) {  // ports are not checked
    SCOPED_TRACE(peer.to_string());
    const auto sent = from_peer(id, peer, "datagram");
    ASSERT_TRUE(sent);
    const auto message = stun::MessageView::parse(sent->bytes);
    ASSERT_TRUE(message);
    EXPECT_EQ(message.value().method(), stun::Method::data);
    EXPECT_EQ(message.value().message_class(), stun::Class::indication);
    EXPECT_EQ(message.value().get<stun::XorPeerAddress>().value()->endpoint, peer);
    EXPECT_EQ(text(message.value().get<stun::Data>().value()->bytes), "datagram");
    EXPECT_EQ(message.value().get<stun::Data>().value()->bytes.data(), peer_buffer.data() + kPeerHeadroom);
  }
  // Two indications, two transaction ids.
  const auto first = from_peer(id, kPeer, "a");
  const auto first_id = stun::MessageView::parse(first->bytes).value().transaction_id();
  const auto second = from_peer(id, kPeer, "b");
  EXPECT_NE(stun::MessageView::parse(second->bytes).value().transaction_id(), first_id);
}

TEST_F(Relay, Ipv6PeersFitTheHeadroom) {
  settings.relay_ipv6 = kRelayIpv6;
  rebuild();
  const FiveTuple tuple = client_tuple();
  const Answer answer = allocate(tuple, alice(), [](stun::MessageBuilder& b) {
    b.add(stun::RequestedAddressFamily{AddressFamily::ipv6});
  });
  const AllocationId id = answer.result.created->id;
  const Endpoint peer = *Endpoint::parse("[2606:4700::1111]:5000");
  ASSERT_EQ(create_permission(tuple, alice(), {peer}).message_class(), stun::Class::success);
  const auto sent = from_peer(id, peer, "v6");
  ASSERT_TRUE(sent);
  EXPECT_EQ(sent->bytes.data(), peer_buffer.data());  // the whole headroom used
  EXPECT_EQ(stun::MessageView::parse(sent->bytes).value().get<stun::XorPeerAddress>().value()->endpoint, peer);
}

TEST_F(Relay, PeersWithoutPermissionAndGoneAllocationsAreDropped) {
  const FiveTuple tuple = client_tuple();
  const AllocationId id = allocate(tuple, alice()).result.created->id;
  EXPECT_FALSE(from_peer(id, kPeer, "no permission"));
  EXPECT_EQ(server->counters().relay_dropped_no_permission.value(), 1u);
  EXPECT_FALSE(from_peer(id + 100, kPeer, "no allocation"));
  EXPECT_EQ(server->counters().relay_dropped_no_allocation.value(), 1u);
  EXPECT_EQ(server->counters().relay_dropped_no_permission.value(), 1u);
}

TEST_F(Relay, TheBandwidthCapDropsWhatExceedsIt) {
  settings.bandwidth_per_allocation = 1000;  // burst: 64 KiB
  rebuild();
  const FiveTuple tuple = client_tuple();
  const AllocationId id = allocate(tuple, alice()).result.created->id;
  ASSERT_EQ(create_permission(tuple, alice(), {kPeer}).message_class(), stun::Class::success);
  const std::string big(1000, 'x');
  int relayed = 0;
  for (int i = 0; i < 70; ++i) relayed += from_peer(id, kPeer, big).has_value();
  EXPECT_EQ(relayed, 65);
  EXPECT_EQ(server->counters().relay_dropped_bandwidth.value(), 5u);
  // The client's direction shares the same bucket.
  EXPECT_FALSE(deliver(send_indication(kPeer, big), tuple).result.to_peer);
  now += Seconds(1);
  EXPECT_TRUE(deliver(send_indication(kPeer, big), tuple).result.to_peer);
}

}  // namespace
}  // namespace iceway::turn::test
