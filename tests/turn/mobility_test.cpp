// RFC 8016 mobility in the TURN core: the ticket an Allocate asks for (§3.1), the Refresh from
// a new 5-tuple that takes the allocation over (§3.2), what refuses it, a mobile allocation
// outliving its TCP connection, and the hand-over between workers the ticket's first byte
// routes (turn/mobility.hpp).
#include <cstring>

#include "tests/turn/turn_server_fixture.hpp"
#include "turn/mobility.hpp"

namespace iceway::turn::test {
namespace {

void ask_mobility(stun::MessageBuilder& builder) { builder.add(stun::MobilityTicket{}); }

std::string text_of(const stun::MobilityTicket& ticket) {
  return std::string(reinterpret_cast<const char*>(ticket.bytes.data()), ticket.length);
}

stun::MobilityTicket ticket_of(std::string_view text) {
  stun::MobilityTicket ticket;
  ticket.length = static_cast<std::uint8_t>(text.size());
  std::memcpy(ticket.bytes.data(), text.data(), text.size());
  return ticket;
}

class Mobility : public TurnServerTest {
 protected:
  Mobility() {
    settings.mobility = true;
    rebuild();
  }

  const FiveTuple first = client_tuple(40000);
  const FiveTuple moved_to = FiveTuple{*Endpoint::parse("203.0.113.9:41000"), kServer, Transport::udp};

  // alice's mobile allocation on `tuple`, and its ticket.
  stun::MobilityTicket mobile_allocation(const FiveTuple& tuple) {
    const Answer answer = allocate(tuple, alice(), ask_mobility);
    EXPECT_EQ(answer.message_class(), stun::Class::success) << answer.error_code().value_or(0);
    const auto ticket = answer.get<stun::MobilityTicket>();
    EXPECT_TRUE(ticket);
    return ticket.value_or(stun::MobilityTicket{});
  }

  std::vector<std::byte> refresh_bytes(const FiveTuple& tuple, const User& user, const stun::MobilityTicket& ticket,
                                       std::uint32_t lifetime = 600, std::uint8_t id = 60) {
    return build(stun::Method::refresh, stun::Class::request, transaction(id),
                 [&](stun::MessageBuilder& b) { b.add(stun::Lifetime{lifetime}).add(ticket); }, &user,
                 challenge(tuple));
  }
  Answer refresh_with(const FiveTuple& tuple, const User& user, const stun::MobilityTicket& ticket,
                      std::uint32_t lifetime = 600, std::uint8_t id = 60) {
    return deliver(refresh_bytes(tuple, user, ticket, lifetime, id), tuple);
  }

  std::optional<ToClient> from_peer(AllocationId id, std::string_view payload) {
    std::memcpy(peer_buffer.data() + kPeerHeadroom, payload.data(), payload.size());
    return server->on_peer_datagram(id, kPeer, peer_buffer, payload.size(), now);
  }
  std::array<std::byte, 2048> peer_buffer{};
};

TEST(MobilityTicket, NamesItsWorkerIn32HexCharacters) {
  CountingRandom random;
  const auto ticket = issue_mobility_ticket(0xa7, random);
  const std::string text = text_of(ticket);
  ASSERT_EQ(text.size(), 32u);
  EXPECT_EQ(text.substr(0, 2), "a7");
  EXPECT_EQ(text.find_first_not_of("0123456789abcdef"), std::string::npos) << text;
  EXPECT_EQ(mobility_ticket_worker(ticket), 0xa7);
  // CountingRandom numbers its draws: two tickets differ.
  EXPECT_NE(issue_mobility_ticket(0xa7, random), ticket);
}

TEST(MobilityTicket, OneIcewayDidNotWriteNamesNoWorker) {
  EXPECT_EQ(mobility_ticket_worker(ticket_of("")), std::nullopt);
  EXPECT_EQ(mobility_ticket_worker(ticket_of("0123456789abcdef0123456789abcde")), std::nullopt);  // 31
  EXPECT_EQ(mobility_ticket_worker(ticket_of("0123456789ABCDEF0123456789abcdef")), std::nullopt);  // upper case
  EXPECT_EQ(mobility_ticket_worker(ticket_of("0g23456789abcdef0123456789abcdef")), std::nullopt);
  EXPECT_EQ(mobility_ticket_worker(ticket_of("0123456789abcdef0123456789abcdez")), std::nullopt);
  EXPECT_EQ(mobility_ticket_worker(ticket_of("0123456789abcdef0123456789abcdef")), 0x01);
}

TEST_F(TurnServerTest, MobilityOffAnswersItsTicket405AndAllocatesNothing) {
  const Answer answer = allocate(client_tuple(40000), alice(), ask_mobility);
  EXPECT_EQ(answer.error_code(), 405);
  EXPECT_EQ(answer.result.refusal, Refusal::mobility_off);
  EXPECT_EQ(server->table().size(), 0u);
  EXPECT_TRUE(ports.opened.empty());
}

TEST_F(TurnServerTest, MobilityOffAnswersARefreshWithATicket405) {
  const FiveTuple tuple = client_tuple(40000);
  allocated(tuple, alice());
  const Answer answer = request(
      stun::Method::refresh, transaction(60),
      [](stun::MessageBuilder& b) { b.add(stun::Lifetime{600}).add(ticket_of("00000000000000000000000000000000")); },
      tuple, alice());
  EXPECT_EQ(answer.error_code(), 405);
}

TEST_F(Mobility, AllocateWithAnEmptyTicketGetsOne) {
  const stun::MobilityTicket ticket = mobile_allocation(first);
  EXPECT_EQ(ticket.length, kMobilityTicketSize);
  EXPECT_EQ(mobility_ticket_worker(ticket), 0);
  const Allocation* allocation = server->table().find(first);
  ASSERT_NE(allocation, nullptr);
  EXPECT_EQ(allocation->ticket, ticket);
  EXPECT_EQ(server->table().find_by_ticket(ticket), allocation);
}

TEST_F(Mobility, AllocateWithoutTheAttributeGetsNoTicket) {
  const Answer answer = allocate(first, alice());
  ASSERT_EQ(answer.message_class(), stun::Class::success);
  EXPECT_FALSE(answer.get<stun::MobilityTicket>());
  EXPECT_FALSE(server->table().find(first)->ticket);
}

TEST_F(Mobility, AllocateWithATicketValueIsABadRequest) {
  const Answer answer = allocate(first, alice(), [](stun::MessageBuilder& b) {
    b.add(ticket_of("0123456789abcdef0123456789abcdef"));
  });
  EXPECT_EQ(answer.error_code(), 400);
  EXPECT_EQ(server->table().size(), 0u);
}

TEST_F(Mobility, ATcpRelayGetsNoTicket) {
  const FiveTuple control = client_tuple(40000, Transport::tcp);
  const Answer answer = request(
      stun::Method::allocate, transaction(1),
      [](stun::MessageBuilder& b) {
        b.add(stun::RequestedTransport{stun::RequestedTransport::kTcp});
        ask_mobility(b);
      },
      control, alice());
  EXPECT_EQ(answer.error_code(), 405);
  EXPECT_EQ(server->table().size(), 0u);
}

TEST_F(Mobility, ARefreshFromANewAddressTakesTheAllocationOver) {
  const stun::MobilityTicket ticket = mobile_allocation(first);
  ASSERT_EQ(create_permission(first, alice(), {kPeer}).message_class(), stun::Class::success);
  const AllocationId id = server->table().find(first)->id;

  const Answer answer = refresh_with(moved_to, alice(), ticket);
  ASSERT_EQ(answer.message_class(), stun::Class::success) << answer.error_code().value_or(0);
  EXPECT_EQ(answer.get<stun::Lifetime>()->seconds, 600u);
  const auto next = answer.get<stun::MobilityTicket>();
  ASSERT_TRUE(next);
  EXPECT_NE(*next, ticket) << "a move issues a new ticket";
  ASSERT_TRUE(answer.result.moved);
  EXPECT_EQ(answer.result.moved->id, id);
  EXPECT_EQ(answer.result.moved->from, first);

  // The same allocation, permissions and all, now on the new 5-tuple only.
  EXPECT_EQ(server->table().find(first), nullptr);
  Allocation* allocation = server->table().find(moved_to);
  ASSERT_NE(allocation, nullptr);
  EXPECT_EQ(allocation->id, id);
  EXPECT_TRUE(allocation->permissions.allows(kPeer.address, now));
  EXPECT_EQ(server->table().find_by_ticket(*next), allocation);
  EXPECT_EQ(server->table().find_by_ticket(ticket), nullptr);

  // Data flows on the new 5-tuple both ways; the old one relays nothing.
  const Answer sent = deliver(send_indication(kPeer, "hello"), moved_to);
  ASSERT_TRUE(sent.result.to_peer);
  EXPECT_EQ(sent.result.to_peer->peer, kPeer);
  EXPECT_FALSE(deliver(send_indication(kPeer, "stale"), first).result.to_peer);
  const auto back = from_peer(id, "world");
  ASSERT_TRUE(back);
  EXPECT_EQ(back->five_tuple, moved_to);
}

TEST_F(Mobility, TheClientsRepeatedRefreshFromTheNewAddressKeepsWorking) {
  // coturn's uclient -M sends its Refresh twice; the second comes from the allocation's own
  // 5-tuple by then, with the ticket the move replaced. A new transaction: past the cache.
  const stun::MobilityTicket ticket = mobile_allocation(first);
  const Answer moved = refresh_with(moved_to, alice(), ticket, 600, 60);
  ASSERT_EQ(moved.message_class(), stun::Class::success);
  const Answer again = refresh_with(moved_to, alice(), ticket, 600, 61);
  ASSERT_EQ(again.message_class(), stun::Class::success) << again.error_code().value_or(0);
  EXPECT_FALSE(again.result.moved);
  EXPECT_EQ(again.get<stun::MobilityTicket>(), moved.get<stun::MobilityTicket>()) << "the current ticket";
  // Its own current ticket is fine too; any other ticket is not.
  EXPECT_EQ(refresh_with(moved_to, alice(), *moved.get<stun::MobilityTicket>(), 600, 62).message_class(),
            stun::Class::success);
  EXPECT_EQ(refresh_with(moved_to, alice(), ticket_of("00aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"), 600, 63).error_code(), 400);
}

TEST_F(Mobility, ARefreshWithoutTicketFromANewAddressFindsNothing) {
  mobile_allocation(first);
  EXPECT_EQ(refresh(moved_to, alice(), 600).error_code(), 437);
  EXPECT_NE(server->table().find(first), nullptr);
}

TEST_F(Mobility, AnUnknownOrReplacedTicketIs437) {
  const stun::MobilityTicket ticket = mobile_allocation(first);
  const Answer unknown = refresh_with(moved_to, alice(), ticket_of("00bbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"));
  EXPECT_EQ(unknown.error_code(), 437);
  EXPECT_EQ(unknown.result.refusal, Refusal::mobility_ticket_unknown);
  ASSERT_EQ(refresh_with(moved_to, alice(), ticket).message_class(), stun::Class::success);
  // The replaced ticket moves the allocation nowhere else.
  const FiveTuple third{*Endpoint::parse("192.0.2.44:42000"), kServer, Transport::udp};
  EXPECT_EQ(refresh_with(third, alice(), ticket, 600, 61).error_code(), 437);
  EXPECT_NE(server->table().find(moved_to), nullptr);
}

TEST_F(Mobility, AnotherUsersRefreshWithTheTicketIs441AndMovesNothing) {
  const stun::MobilityTicket ticket = mobile_allocation(first);
  const Answer answer = refresh_with(moved_to, bob(), ticket);
  EXPECT_EQ(answer.error_code(), 441);
  EXPECT_FALSE(answer.result.moved);
  EXPECT_NE(server->table().find(first), nullptr);
  EXPECT_EQ(server->table().find(moved_to), nullptr);
}

TEST_F(Mobility, ATicketDoesNotCrossTransports) {
  const stun::MobilityTicket ticket = mobile_allocation(first);
  const FiveTuple over_tcp{*Endpoint::parse("203.0.113.9:41000"), kServer, Transport::tcp};
  EXPECT_EQ(refresh_with(over_tcp, alice(), ticket).error_code(), 437);
  EXPECT_NE(server->table().find(first), nullptr);
}

TEST_F(Mobility, LifetimeZeroFromTheNewAddressDeletesIt) {
  const stun::MobilityTicket ticket = mobile_allocation(first);
  const Answer answer = refresh_with(moved_to, alice(), ticket, 0);
  ASSERT_EQ(answer.message_class(), stun::Class::success);
  ASSERT_TRUE(answer.result.ended);
  EXPECT_EQ(server->table().size(), 0u);
  EXPECT_EQ(server->table().find_by_ticket(ticket), nullptr);
}

TEST_F(Mobility, AMobileAllocationOutlivesItsConnectionUntilItsClientComesBack) {
  const FiveTuple connection = client_tuple(40000, Transport::tcp);
  const stun::MobilityTicket ticket = mobile_allocation(connection);
  ASSERT_EQ(create_permission(connection, alice(), {kPeer}).message_class(), stun::Class::success);
  const AllocationId id = server->table().find(connection)->id;

  EXPECT_FALSE(server->on_connection_closed(connection)) << "detached, not ended";
  EXPECT_EQ(server->table().size(), 1u);
  EXPECT_EQ(server->table().find(connection), nullptr);
  EXPECT_FALSE(from_peer(id, "nobody to give it to"));
  EXPECT_EQ(server->table().find_by_id(id)->counters.dropped, 1u);
  EXPECT_EQ(server->counters().relay_dropped_detached.value(), 1u);

  const FiveTuple reconnected{*Endpoint::parse("203.0.113.9:41000"), kServer, Transport::tcp};
  const Answer answer = refresh_with(reconnected, alice(), ticket);
  ASSERT_EQ(answer.message_class(), stun::Class::success) << answer.error_code().value_or(0);
  EXPECT_EQ(server->table().find(reconnected)->id, id);
  EXPECT_FALSE(server->table().find(reconnected)->detached);
  const auto back = from_peer(id, "welcome back");
  ASSERT_TRUE(back);
  EXPECT_EQ(back->five_tuple, reconnected);
}

TEST_F(Mobility, ADetachedAllocationExpiresWithItsLifetime) {
  const FiveTuple connection = client_tuple(40000, Transport::tcp);
  const stun::MobilityTicket ticket = mobile_allocation(connection);
  server->on_connection_closed(connection);
  now += Seconds(601);
  const auto expired = server->expire(now);
  ASSERT_EQ(expired.allocations.size(), 1u);
  EXPECT_EQ(expired.allocations[0].reason, EndReason::expired);
  EXPECT_EQ(server->table().find_by_ticket(ticket), nullptr);
}

TEST_F(Mobility, ANewAllocationOnADetachedOnesOldTupleStaysFindable) {
  // The detached allocation's end must not take the 5-tuple's index from the new one.
  const FiveTuple connection = client_tuple(40000, Transport::tcp);
  mobile_allocation(connection);
  server->on_connection_closed(connection);
  now += Seconds(100);
  const Answer fresh = allocate(connection, bob(), {}, 2);
  ASSERT_EQ(fresh.message_class(), stun::Class::success) << fresh.error_code().value_or(0);
  now += Seconds(501);
  ASSERT_EQ(server->expire(now).allocations.size(), 1u);  // the detached one's 600 s are over
  const Allocation* still = server->table().find(connection);
  ASSERT_NE(still, nullptr);
  EXPECT_FALSE(still->ticket);
}

// Two workers: alice's allocation lives on worker 0, her new address's messages reach worker 1.
class MobilityAcrossWorkers : public Mobility {
 protected:
  MobilityAcrossWorkers() {
    server = std::make_unique<TurnServer>(shared_state(), quota, ports, nullptr, 0, 2);
    other = std::make_unique<TurnServer>(shared_state(), quota, other_ports, nullptr, 1, 2);
  }
  FakePorts other_ports;
  std::unique_ptr<TurnServer> other;
};

TEST_F(MobilityAcrossWorkers, TheTicketSendsTheRefreshToItsWorkerWhichMovesTheAllocationToTheNewHome) {
  const stun::MobilityTicket ticket = mobile_allocation(first);
  EXPECT_EQ(mobility_ticket_worker(ticket), 0);
  ASSERT_EQ(create_permission(first, alice(), {kPeer}).message_class(), stun::Class::success);
  const std::vector<std::byte> bytes = refresh_bytes(moved_to, alice(), ticket);

  // Worker 1 checks nothing and answers nothing: the request is worker 0's.
  const HandleResult there = other->on_client_message(bytes, moved_to, now, now_unix(), out);
  EXPECT_EQ(there.mobility_elsewhere, 0);
  EXPECT_TRUE(there.response.empty());

  Answer answer;
  answer.result = server->on_handed_over(bytes, moved_to, 1, now, now_unix(), out);
  answer.bytes.assign(answer.result.response.begin(), answer.result.response.end());
  ASSERT_EQ(answer.message_class(), stun::Class::success) << answer.error_code().value_or(0);
  ASSERT_TRUE(answer.result.moved);
  const auto next = answer.get<stun::MobilityTicket>();
  ASSERT_TRUE(next);
  EXPECT_EQ(mobility_ticket_worker(*next), 1) << "the new ticket names the new home";

  // The I/O layer carries it over.
  auto carried = server->table().extract(answer.result.moved->id);
  ASSERT_TRUE(carried);
  EXPECT_EQ(server->table().size(), 0u);
  EXPECT_EQ(server->counters().allocations_active[0][0].value(), 0);
  EXPECT_EQ(server->counters().permissions_active.value(), 0);
  Allocation& adopted = other->table().adopt(std::move(carried));
  EXPECT_EQ(other->table().find(moved_to), &adopted);
  EXPECT_EQ(other->table().find_by_ticket(*next), &adopted);
  EXPECT_TRUE(adopted.permissions.allows(kPeer.address, now));
  EXPECT_EQ(other->counters().allocations_active[0][0].value(), 1);
  EXPECT_EQ(other->counters().permissions_active.value(), 1);

  // From then on worker 1 serves it itself, and it expires there.
  const HandleResult again = other->on_client_message(refresh_bytes(moved_to, alice(), *next, 600, 61), moved_to, now,
                                                      now_unix(), out);
  EXPECT_FALSE(again.mobility_elsewhere);
  EXPECT_FALSE(again.error);
  now += Seconds(601);
  EXPECT_EQ(other->expire(now).allocations.size(), 1u);
  EXPECT_TRUE(server->expire(now).allocations.empty()) << "worker 0's old schedule entry finds nothing";
}

TEST_F(MobilityAcrossWorkers, AHandedOverRequestIsNeverHandedOnAgain) {
  // A ticket naming worker 1 that reached worker 0 by hand-over (it cannot, unless forged):
  // worker 0 decides it (unknown here: 437) rather than sending it round.
  const std::vector<std::byte> bytes =
      refresh_bytes(moved_to, alice(), ticket_of("01cccccccccccccccccccccccccccccc"));
  const HandleResult result = server->on_handed_over(bytes, moved_to, 1, now, now_unix(), out);
  EXPECT_FALSE(result.mobility_elsewhere);
  EXPECT_EQ(result.error, stun::ErrorCode::allocation_mismatch);
}

TEST_F(MobilityAcrossWorkers, ATicketNamingNoWorkerIsDecidedHere) {
  const std::vector<std::byte> bytes =
      refresh_bytes(moved_to, alice(), ticket_of("07cccccccccccccccccccccccccccccc"));
  const HandleResult result = server->on_client_message(bytes, moved_to, now, now_unix(), out);
  EXPECT_FALSE(result.mobility_elsewhere);
  EXPECT_EQ(result.error, stun::ErrorCode::allocation_mismatch);
}

}  // namespace
}  // namespace iceway::turn::test
