// RFC 6062 in the TURN core: Allocate of a TCP relay (§5.1), Connect (§5.2), a peer's
// connection and ConnectionAttempt (§5.3), ConnectionBind (§5.4), and their 30 s deadlines.
#include "tests/turn/turn_server_fixture.hpp"

namespace iceway::turn::test {
namespace {

void tcp(stun::MessageBuilder& builder) { builder.add(stun::RequestedTransport{stun::RequestedTransport::kTcp}); }

class TcpRelay : public TurnServerTest {
 protected:
  const FiveTuple control = client_tuple(40000, Transport::tcp);
  std::uint8_t next_bind_ = 70;

  Answer allocate_tcp(const FiveTuple& tuple, const User& user, const Attributes& extra = {}) {
    return request(
        stun::Method::allocate, transaction(1),
        [&](stun::MessageBuilder& b) {
          tcp(b);
          if (extra) extra(b);
        },
        tuple, user);
  }
  Answer connect(const FiveTuple& tuple, const User& user, std::optional<Endpoint> peer, std::uint8_t id = 60) {
    return request(
        stun::Method::connect, transaction(id),
        [&](stun::MessageBuilder& b) {
          if (peer) b.add(stun::XorPeerAddress{*peer});
        },
        tuple, user);
  }
  // With a nonce the client got where `nonce_from` says: by default on its control connection,
  // as coturn's uclient does (RFC 6062 §5.4 sends the ConnectionBind with the same credentials).
  Answer connection_bind(const FiveTuple& tuple, const User& user, std::optional<ConnectionId> id,
                         std::optional<FiveTuple> nonce_from = std::nullopt) {
    const std::string nonce = challenge(nonce_from.value_or(control));
    // A new transaction each time: the same one on the same 5-tuple is a retransmission.
    return deliver(build(stun::Method::connection_bind, stun::Class::request, transaction(next_bind_++),
                         [&](stun::MessageBuilder& b) {
                           if (id) b.add(stun::ConnectionId{*id});
                         },
                         &user, nonce),
                   tuple);
  }
  // A TCP relay for alice on `control` and a Connect to kPeer that passed its checks.
  ConnectionId connecting() {
    EXPECT_EQ(allocate_tcp(control, alice()).message_class(), stun::Class::success);
    const Answer started = connect(control, alice(), kPeer);
    EXPECT_TRUE(started.empty()) << "answered when the connection is up";
    EXPECT_TRUE(started.result.tcp_connect);
    return started.result.tcp_connect ? started.result.tcp_connect->id : 0;
  }
  Answer answer_of(std::optional<ToClient> to_client) {
    Answer answer;
    if (to_client) answer.bytes.assign(to_client->bytes.begin(), to_client->bytes.end());
    return answer;
  }
};

TEST_F(TcpRelay, AllocateOverTcpMakesATcpRelay) {
  const Answer answer = allocate_tcp(control, alice());
  ASSERT_EQ(answer.message_class(), stun::Class::success) << answer.error_code().value_or(0);
  ASSERT_EQ(ports.opened.size(), 1u);
  EXPECT_TRUE(ports.opened[0].tcp);
  const Allocation* allocation = server->table().find(control);
  ASSERT_NE(allocation, nullptr);
  EXPECT_TRUE(allocation->tcp);
  EXPECT_EQ(answer.get<stun::XorRelayedAddress>()->endpoint, allocation->advertised);
}

TEST_F(TcpRelay, AllocateRefusalsFollowRfc6062Section5_1) {
  struct Case {
    const char* name;
    Transport transport;
    Attributes extra;
    std::uint16_t code;
  };
  const Case cases[] = {
      {"over UDP", Transport::udp, {}, 400},
      {"over DTLS", Transport::dtls, {}, 400},
      {"with DONT-FRAGMENT", Transport::tcp, [](stun::MessageBuilder& b) { b.add(stun::DontFragment{}); }, 400},
      {"with EVEN-PORT", Transport::tcp, [](stun::MessageBuilder& b) { b.add(stun::EvenPort{false}); }, 400},
      {"with RESERVATION-TOKEN", Transport::tls,
       [](stun::MessageBuilder& b) { b.add(stun::ReservationToken{std::array<std::byte, 8>{std::byte{1}}}); }, 400},
      {"with ADDITIONAL-ADDRESS-FAMILY", Transport::tcp,
       [](stun::MessageBuilder& b) { b.add(stun::AdditionalAddressFamily{AddressFamily::ipv6}); }, 400},
  };
  std::uint16_t port = 41000;
  for (const auto& c : cases) {
    const Answer answer = allocate_tcp(client_tuple(port++, c.transport), alice(), c.extra);
    EXPECT_EQ(answer.error_code(), c.code) << c.name;
  }
  EXPECT_TRUE(ports.opened.empty());
  EXPECT_EQ(server->table().size(), 0u);
  EXPECT_EQ(quota.active(), 0u);
}

TEST_F(TcpRelay, AnAllocatorWithoutTcpRelaysAnswers442AndKeepsNothing) {
  ports.no_tcp = true;
  const Answer answer = allocate_tcp(control, alice());
  EXPECT_EQ(answer.error_code(), 442);
  EXPECT_EQ(server->table().size(), 0u);
  EXPECT_EQ(quota.active(), 0u) << "the quota lease went back";
}

TEST_F(TcpRelay, ConnectRefusalsFollowRfc6062Section5_2) {
  // On a UDP relay: 400.
  const FiveTuple udp_client = client_tuple(42000);
  allocated(udp_client, bob());
  EXPECT_EQ(connect(udp_client, bob(), kPeer).error_code(), 400);

  ASSERT_EQ(allocate_tcp(control, alice()).message_class(), stun::Class::success);
  EXPECT_EQ(connect(control, alice(), std::nullopt, 51).error_code(), 400) << "no XOR-PEER-ADDRESS";
  EXPECT_EQ(connect(control, alice(), *Endpoint::parse("[2001:db8::99]:80"), 52).error_code(), 443);
  const Answer denied = connect(control, alice(), kPrivatePeer, 53);
  EXPECT_EQ(denied.error_code(), 403);
  EXPECT_EQ(denied.result.peer_denied, PeerReason::default_range);
  EXPECT_EQ(connect(control, bob(), kPeer, 54).error_code(), 441) << "another user's allocation";
  EXPECT_EQ(server->tcp().size(), 0u);

  const Answer first = connect(control, alice(), kPeer, 61);
  EXPECT_TRUE(first.empty());
  const Answer again = connect(control, alice(), kPeer, 62);
  EXPECT_EQ(again.error_code(), 446) << "a connection with that peer is being opened";
  EXPECT_TRUE(stun::verify_message_integrity(again.view(), alice().key()));
  EXPECT_EQ(connect(control, alice(), kPeer2, 63).result.tcp_connect.has_value(), true) << "another peer";
}

TEST_F(TcpRelay, AConnectThatSucceedsIsAnsweredWithItsIdAndTheIdBindsANewConnection) {
  const ConnectionId id = connecting();
  ASSERT_NE(id, 0u);
  const auto& started = server->tcp().find(id);
  ASSERT_NE(started, nullptr);
  EXPECT_EQ(started->peer, kPeer);

  const auto to_client = server->on_tcp_connected(id, true, now + Seconds(1), out);
  ASSERT_TRUE(to_client);
  EXPECT_EQ(to_client->five_tuple, control);
  const Answer answer = answer_of(to_client);
  ASSERT_EQ(answer.message_class(), stun::Class::success);
  EXPECT_EQ(answer.view().method(), stun::Method::connect);
  EXPECT_EQ(answer.view().transaction_id(), transaction(60));
  EXPECT_EQ(answer.get<stun::ConnectionId>()->id, id);
  EXPECT_TRUE(stun::verify_message_integrity(answer.view(), alice().key()));
  EXPECT_FALSE(server->on_tcp_connected(id, true, now + Seconds(2), out)) << "answered once";

  const FiveTuple data = client_tuple(40001, Transport::tcp);
  const Answer bound = connection_bind(data, alice(), id);
  ASSERT_EQ(bound.message_class(), stun::Class::success) << bound.error_code().value_or(0);
  EXPECT_TRUE(stun::verify_message_integrity(bound.view(), alice().key()));
  ASSERT_TRUE(bound.result.tcp_bound);
  EXPECT_EQ(bound.result.tcp_bound->id, id);
  EXPECT_EQ(bound.result.tcp_bound->peer, kPeer);
  EXPECT_EQ(bound.result.tcp_bound->allocation, server->table().find(control)->id);
  EXPECT_EQ(server->tcp().find(id)->state, TcpState::bound);

  const Answer twice = connection_bind(client_tuple(40002, Transport::tcp), alice(), id);
  EXPECT_EQ(twice.error_code(), 400) << "bound already";
  EXPECT_EQ(twice.result.refusal, Refusal::tcp_connection_unknown);
}

TEST_F(TcpRelay, AConnectThatFailsOrTimesOutIs447) {
  const ConnectionId failed = connecting();
  const Answer refused = answer_of(server->on_tcp_connected(failed, false, now, out));
  EXPECT_EQ(refused.error_code(), 447);
  EXPECT_TRUE(stun::verify_message_integrity(refused.view(), alice().key()));
  EXPECT_EQ(server->tcp().find(failed), nullptr);

  const Answer second = connect(control, alice(), kPeer, 64);
  ASSERT_TRUE(second.result.tcp_connect) << "the failed one no longer counts as existing";
  const ConnectionId slow = second.result.tcp_connect->id;
  EXPECT_TRUE(server->expire_tcp(now + Seconds(29)).empty());
  const auto expired = server->expire_tcp(now + TcpConnections::kConnectTimeout);
  ASSERT_EQ(expired.size(), 1u);
  EXPECT_EQ(expired[0].connection.id, slow);
  EXPECT_EQ(expired[0].client, control);
  Answer timed_out;
  timed_out.bytes = expired[0].answer;
  EXPECT_EQ(timed_out.error_code(), 447);
  EXPECT_EQ(timed_out.view().transaction_id(), transaction(64));
  EXPECT_FALSE(server->on_tcp_connected(slow, true, now + Seconds(31), out)) << "too late: close it";
}

TEST_F(TcpRelay, AConnectionNotBoundWithinThirtySecondsIsClosedWithoutAnAnswer) {
  const ConnectionId id = connecting();
  ASSERT_TRUE(server->on_tcp_connected(id, true, now + Seconds(10), out));
  EXPECT_TRUE(server->expire_tcp(now + Seconds(39)).empty());
  const auto expired = server->expire_tcp(now + Seconds(40));
  ASSERT_EQ(expired.size(), 1u);
  EXPECT_TRUE(expired[0].answer.empty());
  // (With the data connection's own nonce: the expired id no longer leads to the control one's.)
  const FiveTuple data = client_tuple(40001, Transport::tcp);
  EXPECT_EQ(connection_bind(data, alice(), id, data).error_code(), 400);
}

TEST_F(TcpRelay, AConnectionBindMayUseTheNonceOfItsControlConnectionOrItsOwn) {
  const ConnectionId id = connecting();
  ASSERT_TRUE(server->on_tcp_connected(id, true, now, out));
  const FiveTuple data = client_tuple(40001, Transport::tcp);
  const FiveTuple stranger = client_tuple(45000, Transport::tcp);
  EXPECT_EQ(connection_bind(data, alice(), id, stranger).error_code(), 438) << "a nonce of another client address";
  EXPECT_EQ(connection_bind(data, alice(), id, data).message_class(), stun::Class::success) << "its own";
}

TEST_F(TcpRelay, ConnectionBindRefusalsFollowRfc6062Section5_4) {
  const ConnectionId id = connecting();
  EXPECT_EQ(connection_bind(client_tuple(40001, Transport::tcp), alice(), id).error_code(), 400)
      << "still connecting";
  ASSERT_TRUE(server->on_tcp_connected(id, true, now, out));
  EXPECT_EQ(connection_bind(client_tuple(40001, Transport::udp), alice(), id).error_code(), 400) << "over UDP";
  EXPECT_EQ(connection_bind(control, alice(), id).error_code(), 400) << "on the control connection";
  // Without a connection to lead to the control connection, the data connection's own nonce.
  const FiveTuple data = client_tuple(40001, Transport::tcp);
  EXPECT_EQ(connection_bind(data, alice(), std::nullopt, data).error_code(), 400) << "no CONNECTION-ID";
  EXPECT_EQ(connection_bind(data, alice(), id ^ 1, data).error_code(), 400) << "unknown";
  const Answer stranger = connection_bind(client_tuple(40001, Transport::tcp), bob(), id);
  EXPECT_EQ(stranger.error_code(), 441) << "another user";
  EXPECT_EQ(server->tcp().find(id)->state, TcpState::awaiting_bind) << "still the owner's to bind";

  // With one worker, an id naming another is just unknown.
  const ConnectionId elsewhere = (ConnectionId{7} << 24) | 0x123;
  EXPECT_EQ(connection_bind(data, alice(), elsewhere, data).error_code(), 400);

  EXPECT_EQ(connection_bind(client_tuple(40004, Transport::tls), alice(), id).message_class(), stun::Class::success)
      << "TLS is a stream transport too";
}

TEST_F(TcpRelay, AConnectionBindForAnotherWorkersConnectionGoesThere) {
  server = std::make_unique<TurnServer>(shared_state(), quota, ports, nullptr, /*worker=*/0, /*workers=*/8);
  const ConnectionId elsewhere = (ConnectionId{7} << 24) | 0x123;
  for (const Transport transport : {Transport::tcp, Transport::tls}) {
    const Answer moved = connection_bind(client_tuple(40003, transport), alice(), elsewhere);
    EXPECT_TRUE(moved.empty()) << "answered by the worker that holds it";
    EXPECT_EQ(moved.result.tcp_bind_elsewhere, 7);
    EXPECT_FALSE(moved.result.authenticated) << "nothing was checked here";
  }
  const ConnectionId nowhere = (ConnectionId{8} << 24) | 0x123;
  const FiveTuple data = client_tuple(40005, Transport::tcp);
  EXPECT_EQ(connection_bind(data, alice(), nowhere, data).error_code(), 400) << "no worker 8";
}

TEST_F(TcpRelay, TheWorkerThatHoldsThePeerConnectionBindsAHandedOverTlsConnection) {
  // Worker 1 of 2 holds the relay and its peer connection; the TLS data connection is worker 0's.
  server = std::make_unique<TurnServer>(shared_state(), quota, ports, nullptr, /*worker=*/1, /*workers=*/2);
  const ConnectionId id = connecting();
  ASSERT_EQ(TcpConnections::worker_of(id), 1);
  ASSERT_TRUE(server->on_tcp_connected(id, true, now, out));
  // uclient's way: the control connection's nonce on the data connection.
  const FiveTuple data = client_tuple(40004, Transport::tls);
  const User user = alice();
  const auto bytes = build(stun::Method::connection_bind, stun::Class::request, transaction(90),
                           [&](stun::MessageBuilder& b) { b.add(stun::ConnectionId{id}); }, &user, challenge(control));
  Answer answer;
  answer.result = server->on_handed_over(bytes, data, /*home=*/0, now, now_unix(), out);
  answer.bytes.assign(answer.result.response.begin(), answer.result.response.end());
  ASSERT_EQ(answer.message_class(), stun::Class::success) << answer.error_code().value_or(0);
  ASSERT_TRUE(answer.result.tcp_bound);
  EXPECT_EQ(answer.result.tcp_bound->id, id);
  EXPECT_FALSE(answer.result.tcp_bind_elsewhere);
  EXPECT_EQ(server->tcp().find(id)->state, TcpState::bound);
}

TEST_F(TcpRelay, APeerWithAPermissionIsAnnouncedInAConnectionAttempt) {
  ASSERT_EQ(allocate_tcp(control, alice()).message_class(), stun::Class::success);
  const AllocationId allocation = server->table().find(control)->id;
  EXPECT_FALSE(server->on_tcp_peer_connected(allocation, kPeer, now, out)) << "no permission: close it";

  ASSERT_EQ(create_permission(control, alice(), {kPeer}).message_class(), stun::Class::success);
  const auto attempt = server->on_tcp_peer_connected(allocation, kPeer, now, out);
  ASSERT_TRUE(attempt);
  EXPECT_EQ(attempt->indication.five_tuple, control);
  Answer indication = answer_of(attempt->indication);
  EXPECT_EQ(indication.message_class(), stun::Class::indication);
  EXPECT_EQ(indication.view().method(), stun::Method::connection_attempt);
  EXPECT_EQ(indication.get<stun::ConnectionId>()->id, attempt->id);
  EXPECT_EQ(indication.get<stun::XorPeerAddress>()->endpoint, kPeer);
  EXPECT_FALSE(server->on_tcp_peer_connected(allocation, kPeer, now, out)) << "the same peer again";

  const Answer bound = connection_bind(client_tuple(40001, Transport::tcp), alice(), attempt->id);
  ASSERT_EQ(bound.message_class(), stun::Class::success);
  ASSERT_TRUE(bound.result.tcp_bound);
  EXPECT_EQ(bound.result.tcp_bound->peer, kPeer);

  // A UDP relay takes no TCP peers.
  const FiveTuple udp_client = client_tuple(42000);
  allocated(udp_client, bob());
  EXPECT_FALSE(server->on_tcp_peer_connected(server->table().find(udp_client)->id, kPeer2, now, out));
}

TEST_F(TcpRelay, EndingTheAllocationLeavesItsConnectionsToClose) {
  const ConnectionId id = connecting();
  const AllocationId allocation = server->table().find(control)->id;
  ASSERT_TRUE(server->on_connection_closed(control));
  const auto removed = server->tcp().remove_allocation(allocation);
  ASSERT_EQ(removed.size(), 1u);
  EXPECT_EQ(removed[0].id, id);
  EXPECT_FALSE(server->on_tcp_connected(id, true, now, out));
}

TEST_F(TcpRelay, DataConnectionsAreCountedAndSlowedToTheBandwidthCap) {
  settings.bandwidth_per_allocation = 1000;  // bytes/s; the burst is 64 KiB
  rebuild();
  ASSERT_EQ(allocate_tcp(control, alice()).message_class(), stun::Class::success);
  const AllocationId id = server->table().find(control)->id;
  EXPECT_EQ(server->on_tcp_piped(id, 60000, 0, now), Duration::zero()) << "within the burst";
  EXPECT_EQ(server->on_tcp_piped(id, 0, 5536, now), Duration::zero()) << "exactly the burst";
  EXPECT_EQ(server->on_tcp_piped(id, 2000, 0, now), std::chrono::seconds(2)) << "2,000 bytes over at 1,000/s";
  const RelayCounters& counters = server->table().find(control)->counters;
  EXPECT_EQ(counters.bytes_to_peer, 62000u);
  EXPECT_EQ(counters.bytes_to_client, 5536u);
  EXPECT_EQ(counters.packets_to_peer, 2u);
  EXPECT_EQ(counters.packets_to_client, 1u);
  EXPECT_EQ(server->counters().relay_bytes[static_cast<std::size_t>(Direction::client_to_peer)].value(), 62000u);
  EXPECT_EQ(server->on_tcp_piped(id + 1, 100, 0, now), Duration::zero()) << "an allocation that ended";
}

TEST_F(TcpRelay, ATcpRelayHasNoChannelsAndSendsNoDatagrams) {
  ASSERT_EQ(allocate_tcp(control, alice()).message_class(), stun::Class::success);
  ASSERT_EQ(create_permission(control, alice(), {kPeer}).message_class(), stun::Class::success);
  EXPECT_EQ(channel_bind(control, alice(), 0x4000, kPeer).error_code(), 400);
  const Answer sent = deliver(send_indication(kPeer, "hello"), control);
  EXPECT_TRUE(sent.empty());
  EXPECT_FALSE(sent.result.to_peer);
  EXPECT_EQ(server->table().find(control)->counters.dropped, 1u);
}

}  // namespace
}  // namespace iceway::turn::test
