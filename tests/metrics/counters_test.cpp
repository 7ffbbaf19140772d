// counters.hpp is what the cores include: it must stand alone (this file includes it
// first, with nothing before it) and count exactly what its members say.
#include "metrics/counters.hpp"

#include <gtest/gtest.h>

namespace iceway::metrics {
namespace {

TEST(Counters, FreshStructsCountFromZero) {
  const StunCounters stun;
  const TurnCounters turn;
  const SignalCounters signal;
  EXPECT_EQ(read(stun.requests[2][5][2]), 0u);
  EXPECT_EQ(read(turn.allocations_active[0][1]), 0);
  EXPECT_EQ(read(turn.relay_dropped[1][2]), 0u);
  EXPECT_EQ(read(signal.messages[3][12]), 0u);
  EXPECT_EQ(read(signal.rooms_active), 0);
}

TEST(Counters, MembersMoveTheirOwnElementOnly) {
  TurnCounters turn;
  turn.relayed(Direction::peer_to_client, 1500);
  turn.relayed(Direction::peer_to_client, 500);
  EXPECT_EQ(read(turn.relay_bytes[index(Direction::peer_to_client)]), 2000u);
  EXPECT_EQ(read(turn.relay_packets[index(Direction::peer_to_client)]), 2u);
  EXPECT_EQ(read(turn.relay_bytes[index(Direction::client_to_peer)]), 0u);

  turn.allocation_opened(Transport::tcp, Family::ipv4);
  turn.allocation_closed(Transport::tcp, Family::ipv4);
  turn.allocation_closed(Transport::tcp, Family::ipv4);
  // A bookkeeping bug shows as a negative gauge, not a wrapped 2^64 - 1.
  EXPECT_EQ(read(turn.allocations_active[index(Transport::tcp)][index(Family::ipv4)]), -1);

  SignalCounters signal;
  signal.set_rooms(7);
  signal.set_rooms(3);
  EXPECT_EQ(read(signal.rooms_active), 3);
  signal.connected(SignalProtocol::yjs);
  EXPECT_EQ(read(signal.connections_active[index(SignalProtocol::yjs)]), 1);
  EXPECT_EQ(read(signal.connections_active[index(SignalProtocol::native)]), 0);
}

TEST(Counters, EachStructHasACacheLineOfItsOwn) {
  // Workers' structs sit side by side in arrays; 64-byte alignment keeps one worker's
  // increments from invalidating its neighbour's cache line.
  EXPECT_EQ(alignof(StunCounters), 64u);
  EXPECT_EQ(alignof(TurnCounters), 64u);
  EXPECT_EQ(alignof(SignalCounters), 64u);
  EXPECT_EQ(sizeof(TurnCounters) % 64, 0u);
}

}  // namespace
}  // namespace iceway::metrics
