#include "turn/channels.hpp"

#include <gtest/gtest.h>

#include "tests/turn/printers.hpp"

namespace iceway::turn {
namespace {

const TimePoint kStart = TimePoint{} + std::chrono::hours(1);
const Endpoint kPeer = *Endpoint::parse("192.0.2.10:5000");
const Endpoint kOtherPeer = *Endpoint::parse("192.0.2.10:5001");
const TimePoint kExpires = kStart + Seconds(600);

TEST(Channels, BindsBothWays) {
  Channels channels;
  EXPECT_EQ(channels.bind(0x4000, kPeer, kExpires, kStart, 10), ChannelBindOutcome::created);
  ASSERT_NE(channels.peer_of(0x4000, kStart), nullptr);
  EXPECT_EQ(*channels.peer_of(0x4000, kStart), kPeer);
  EXPECT_EQ(channels.number_of(kPeer, kStart), 0x4000);
  EXPECT_EQ(channels.number_of(kOtherPeer, kStart), 0);
  EXPECT_EQ(channels.peer_of(0x4001, kStart), nullptr);
}

TEST(Channels, RebindingRulesOfRfc8656Section12) {
  struct Case {
    const char* name;
    std::uint16_t number;
    Endpoint peer;
    ChannelBindOutcome outcome;
  };
  const Case cases[] = {
      {"same number, same peer refreshes", 0x4000, kPeer, ChannelBindOutcome::refreshed},
      {"same number, another peer is 400", 0x4000, kOtherPeer, ChannelBindOutcome::number_in_use},
      {"same peer, another number is 400", 0x4001, kPeer, ChannelBindOutcome::peer_in_use},
      {"another number, another peer binds", 0x4001, kOtherPeer, ChannelBindOutcome::created},
      {"below 0x4000 is 400", 0x3fff, kOtherPeer, ChannelBindOutcome::bad_number},
      {"above 0x7fff is 400", 0x8000, kOtherPeer, ChannelBindOutcome::bad_number},
      {"0x7fff is the last valid number", 0x7fff, kOtherPeer, ChannelBindOutcome::created},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    Channels channels;
    ASSERT_EQ(channels.bind(0x4000, kPeer, kExpires, kStart, 10), ChannelBindOutcome::created);
    EXPECT_EQ(channels.bind(c.number, c.peer, kExpires + Seconds(60), kStart + Seconds(60), 10), c.outcome);
    // A refused bind changes nothing.
    EXPECT_EQ(*channels.peer_of(0x4000, kStart), kPeer);
  }
}

TEST(Channels, RefreshExtendsTheBinding) {
  Channels channels;
  channels.bind(0x4000, kPeer, kExpires, kStart, 10);
  channels.bind(0x4000, kPeer, kExpires + Seconds(300), kStart + Seconds(300), 10);
  EXPECT_NE(channels.peer_of(0x4000, kExpires + Seconds(299)), nullptr);
  EXPECT_EQ(channels.peer_of(0x4000, kExpires + Seconds(300)), nullptr);
}

TEST(Channels, ExpiredBindingsStopRelayingAndFreeBothSides) {
  Channels channels;
  channels.bind(0x4000, kPeer, kExpires, kStart, 10);
  EXPECT_EQ(channels.peer_of(0x4000, kExpires), nullptr);
  EXPECT_EQ(channels.number_of(kPeer, kExpires), 0);
  // Before expire() runs, an expired binding no longer blocks a new one.
  EXPECT_EQ(channels.bind(0x4000, kOtherPeer, kExpires + Seconds(600), kExpires, 10), ChannelBindOutcome::created);
  EXPECT_EQ(channels.bind(0x4001, kPeer, kExpires + Seconds(600), kExpires, 10), ChannelBindOutcome::created);
  EXPECT_EQ(channels.size(), 2u);
  EXPECT_EQ(channels.expire(kExpires + Seconds(600)), 2u);
  EXPECT_TRUE(channels.empty());
  EXPECT_EQ(channels.number_of(kPeer, kStart), 0);
}

TEST(Channels, RefusesPastTheLimit) {
  Channels channels;
  channels.bind(0x4000, kPeer, kExpires, kStart, 1);
  EXPECT_EQ(channels.bind(0x4001, kOtherPeer, kExpires, kStart, 1), ChannelBindOutcome::full);
  EXPECT_EQ(channels.bind(0x4000, kPeer, kExpires, kStart, 1), ChannelBindOutcome::refreshed);
}

}  // namespace
}  // namespace iceway::turn
