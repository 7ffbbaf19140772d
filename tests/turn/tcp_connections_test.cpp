#include "turn/tcp_connections.hpp"

#include <gtest/gtest.h>

#include <deque>

namespace iceway::turn {
namespace {

// Hands out the scripted 24-bit values in order (three bytes each), then counts up from 1.
class ScriptedIds final : public RandomSource {
 public:
  explicit ScriptedIds(std::deque<std::uint32_t> values = {}) : values_(std::move(values)) {}
  void fill(MutableByteSpan out) override {
    std::uint32_t value = ++counter_;
    if (!values_.empty()) {
      value = values_.front();
      values_.pop_front();
    }
    for (std::size_t i = 0; i < out.size(); ++i) {
      out[out.size() - 1 - i] = static_cast<std::byte>((value >> (8 * i)) & 0xff);
    }
  }

 private:
  std::deque<std::uint32_t> values_;
  std::uint32_t counter_ = 0;
};

const Endpoint kPeer{*IpAddress::parse("192.0.2.7"), 5000};
const Endpoint kOtherPeer{*IpAddress::parse("192.0.2.8"), 5000};
const TimePoint kStart{};
constexpr stun::TransactionId kTransaction{std::byte{1}, std::byte{2}, std::byte{3}};

TEST(TcpConnections, AConnectWaitsForTheConnectionThenForItsBindThenIsBound) {
  ScriptedIds random;
  TcpConnections table(3, 4, random);
  auto id = table.connect(7, kPeer, kTransaction, kStart);
  ASSERT_TRUE(id);
  EXPECT_EQ(TcpConnections::worker_of(id.value()), 3);
  const TcpConnection* connecting = table.find(id.value());
  ASSERT_NE(connecting, nullptr);
  EXPECT_EQ(connecting->state, TcpState::connecting);
  EXPECT_EQ(connecting->allocation, 7u);
  EXPECT_EQ(connecting->peer, kPeer);
  ASSERT_TRUE(connecting->connect_transaction);
  EXPECT_EQ(*connecting->connect_transaction, kTransaction);

  // Not bindable while the server's connection to the peer is still being opened.
  auto early = table.bind(id.value());
  ASSERT_FALSE(early);
  EXPECT_EQ(early.error(), BindRefusal::not_ready);

  const TcpConnection* up = table.connected(id.value(), kStart + Seconds(5));
  ASSERT_NE(up, nullptr);
  EXPECT_EQ(up->state, TcpState::awaiting_bind);
  EXPECT_EQ(up->deadline, kStart + Seconds(5) + TcpConnections::kBindTimeout);
  EXPECT_EQ(table.connected(id.value(), kStart + Seconds(6)), nullptr) << "only a connecting one becomes connected";

  auto bound = table.bind(id.value());
  ASSERT_TRUE(bound);
  EXPECT_EQ(bound.value().state, TcpState::bound);
  EXPECT_EQ(bound.value().peer, kPeer);
  auto again = table.bind(id.value());
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error(), BindRefusal::not_ready) << "a second ConnectionBind for the same id";
  EXPECT_FALSE(table.next_deadline()) << "a bound connection has no deadline";
  EXPECT_TRUE(table.expire(kStart + Seconds(3600)).empty());
  EXPECT_EQ(table.size(), 1u);
}

TEST(TcpConnections, AnUnknownIdIsRefused) {
  ScriptedIds random;
  TcpConnections table(0, 1, random);
  auto refused = table.bind(0x00123456);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error(), BindRefusal::unknown);
}

TEST(TcpConnections, OneConnectionPerPeerAndAllocationInAnyState) {
  ScriptedIds random;
  TcpConnections table(0, 1, random);
  ASSERT_TRUE(table.connect(1, kPeer, kTransaction, kStart));
  auto twice = table.connect(1, kPeer, kTransaction, kStart);
  ASSERT_FALSE(twice);
  EXPECT_EQ(twice.error(), TcpRefusal::exists);
  auto incoming = table.accept(1, kPeer, kStart);
  ASSERT_FALSE(incoming);
  EXPECT_EQ(incoming.error(), TcpRefusal::exists) << "the peer connecting to us while we connect to it";
  EXPECT_TRUE(table.connect(1, kOtherPeer, kTransaction, kStart)) << "another peer";
  EXPECT_TRUE(table.accept(2, kPeer, kStart)) << "another allocation";
  EXPECT_EQ(table.count(1), 2u);
  EXPECT_EQ(table.count(2), 1u);
}

TEST(TcpConnections, AnAllocationHoldsAtMostItsLimitAndRemovingMakesRoom) {
  ScriptedIds random;
  TcpConnections table(0, 1, random);
  std::vector<ConnectionId> ids;
  for (std::size_t i = 0; i < TcpConnections::kMaxPerAllocation; ++i) {
    auto id = table.accept(1, Endpoint{kPeer.address, static_cast<std::uint16_t>(1000 + i)}, kStart);
    ASSERT_TRUE(id) << i;
    ids.push_back(id.value());
  }
  auto over = table.accept(1, Endpoint{kPeer.address, 9999}, kStart);
  ASSERT_FALSE(over);
  EXPECT_EQ(over.error(), TcpRefusal::too_many);
  EXPECT_TRUE(table.accept(2, Endpoint{kPeer.address, 9999}, kStart)) << "the limit is per allocation";
  ASSERT_TRUE(table.remove(ids.front()));
  EXPECT_TRUE(table.accept(1, Endpoint{kPeer.address, 9999}, kStart));
  EXPECT_FALSE(table.remove(ids.front())) << "removed already";
}

TEST(TcpConnections, UnansweredConnectsAndUnboundConnectionsExpireAfterThirtySeconds) {
  ScriptedIds random;
  TcpConnections table(0, 1, random);
  auto connecting = table.connect(1, kPeer, kTransaction, kStart);
  auto waiting = table.accept(1, kOtherPeer, kStart + Seconds(10));
  auto bound = table.accept(2, kPeer, kStart);
  ASSERT_TRUE(connecting && waiting && bound);
  ASSERT_TRUE(table.bind(bound.value()));
  ASSERT_EQ(table.next_deadline(), kStart + TcpConnections::kConnectTimeout);

  EXPECT_TRUE(table.expire(kStart + Seconds(29)).empty());
  auto first = table.expire(kStart + Seconds(30));
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].id, connecting.value());
  EXPECT_EQ(first[0].state, TcpState::connecting) << "the caller answers its Connect with 447";
  EXPECT_EQ(table.next_deadline(), kStart + Seconds(10) + TcpConnections::kBindTimeout);

  auto second = table.expire(kStart + Seconds(40));
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].id, waiting.value());
  EXPECT_EQ(table.size(), 1u) << "the bound one stays";
  EXPECT_TRUE(table.connect(1, kPeer, kTransaction, kStart + Seconds(40))) << "an expired one frees its peer";
}

TEST(TcpConnections, EndingAnAllocationRemovesAllItsConnectionsAndNoOthers) {
  ScriptedIds random;
  TcpConnections table(0, 1, random);
  ASSERT_TRUE(table.connect(1, kPeer, kTransaction, kStart));
  auto bound = table.accept(1, kOtherPeer, kStart);
  ASSERT_TRUE(bound && table.bind(bound.value()));
  auto other = table.accept(2, kPeer, kStart);
  ASSERT_TRUE(other);
  auto removed = table.remove_allocation(1);
  EXPECT_EQ(removed.size(), 2u);
  EXPECT_EQ(table.size(), 1u);
  EXPECT_NE(table.find(other.value()), nullptr);
  EXPECT_EQ(table.count(1), 0u);
  EXPECT_EQ(table.next_deadline(), kStart + TcpConnections::kBindTimeout) << "the removed ones left the schedule";
  EXPECT_TRUE(table.remove_allocation(1).empty());
}

TEST(TcpConnections, IdsAreNeverZeroAndNeverOneInUse) {
  ScriptedIds random({0x000000, 0x000042, 0x000042, 0x000043});
  TcpConnections table(0, 1, random);
  auto first = table.accept(1, kPeer, kStart);
  auto second = table.accept(1, kOtherPeer, kStart);
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first.value(), 0x42u) << "zero was drawn and skipped";
  EXPECT_EQ(second.value(), 0x43u) << "0x42 was drawn again and skipped";
}

}  // namespace
}  // namespace iceway::turn
