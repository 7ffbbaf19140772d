#include "turn/stream_deadlines.hpp"

#include <gtest/gtest.h>

namespace iceway::turn {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

const StreamTimeouts kTimeouts{.handshake = seconds(5), .frame = seconds(10), .auth = seconds(20), .idle = seconds(60)};
const TimePoint kStart = TimePoint() + seconds(1000);

TEST(StreamDeadlines, AFrameTrickledByteByByteIsClosedAtItsFirstBytesDeadline) {
  StreamDeadlines deadlines(kTimeouts, kStart, false);
  deadlines.on_proved();
  // A header announcing a large frame, then one byte every 3 s: reads do not move the deadline.
  deadlines.on_read(kStart, false, true);
  for (int i = 1; i <= 3; ++i) {
    deadlines.on_read(kStart + seconds(3 * i), false, true);
    EXPECT_FALSE(deadlines.expired(kStart + seconds(3 * i)));
  }
  EXPECT_EQ(deadlines.next(), kStart + seconds(10));
  EXPECT_FALSE(deadlines.expired(kStart + seconds(10) - milliseconds(1)));
  EXPECT_EQ(deadlines.expired(kStart + seconds(10)), StreamClose::frame_timeout);
}

TEST(StreamDeadlines, EachFrameGetsItsOwnDeadline) {
  StreamDeadlines deadlines(kTimeouts, kStart, false);
  deadlines.on_proved();
  deadlines.on_read(kStart, false, true);
  // The frame completes at +8 s and the same read starts another one: its clock starts then.
  deadlines.on_read(kStart + seconds(8), true, true);
  EXPECT_FALSE(deadlines.expired(kStart + seconds(17)));
  EXPECT_EQ(deadlines.expired(kStart + seconds(18)), StreamClose::frame_timeout);
}

TEST(StreamDeadlines, WithNothingPendingOnlyTheIdleClockRuns) {
  StreamDeadlines deadlines(kTimeouts, kStart, false);
  deadlines.on_proved();
  deadlines.on_read(kStart + seconds(5), false, true);
  deadlines.on_read(kStart + seconds(9), true, false);
  EXPECT_EQ(deadlines.next(), kStart + seconds(69));
  EXPECT_FALSE(deadlines.expired(kStart + seconds(68)));
  EXPECT_EQ(deadlines.expired(kStart + seconds(69)), StreamClose::idle_timeout);
  deadlines.set_idle_timeout(seconds(3600));  // an allocation was made
  EXPECT_FALSE(deadlines.expired(kStart + seconds(3608)));
  EXPECT_EQ(deadlines.expired(kStart + seconds(3609)), StreamClose::idle_timeout);
}

TEST(StreamDeadlines, AConnectionThatNeverProvesItselfIsClosedEvenIfItKeepsTalking) {
  StreamDeadlines deadlines(kTimeouts, kStart, false);
  // Complete frames (say, Allocates answered 401) every 5 s keep the idle clock back but not this one.
  for (int i = 1; i <= 3; ++i) deadlines.on_read(kStart + seconds(5 * i), true, false);
  EXPECT_EQ(deadlines.next(), kStart + seconds(20));
  EXPECT_FALSE(deadlines.expired(kStart + seconds(19)));
  EXPECT_EQ(deadlines.expired(kStart + seconds(20)), StreamClose::auth_timeout);
}

TEST(StreamDeadlines, ProvingInTimeLiftsTheAuthDeadline) {
  StreamDeadlines deadlines(kTimeouts, kStart, false);
  deadlines.on_read(kStart + seconds(1), true, false);
  deadlines.on_proved();
  EXPECT_TRUE(deadlines.proved());
  EXPECT_FALSE(deadlines.expired(kStart + seconds(60)));
  EXPECT_EQ(deadlines.expired(kStart + seconds(61)), StreamClose::idle_timeout);
}

TEST(StreamDeadlines, AStalledTlsHandshakeIsClosedAtItsDeadline) {
  StreamDeadlines deadlines(kTimeouts, kStart, true);
  EXPECT_EQ(deadlines.next(), kStart + seconds(5));
  EXPECT_FALSE(deadlines.expired(kStart + seconds(4)));
  EXPECT_EQ(deadlines.expired(kStart + seconds(5)), StreamClose::handshake_timeout);
}

TEST(StreamDeadlines, AFinishedHandshakeHandsOverToTheOtherDeadlines) {
  StreamDeadlines deadlines(kTimeouts, kStart, true);
  deadlines.handshake_done(kStart + seconds(1));
  EXPECT_FALSE(deadlines.expired(kStart + seconds(19)));
  // The auth deadline counts from accept, handshake included.
  EXPECT_EQ(deadlines.expired(kStart + seconds(20)), StreamClose::auth_timeout);
}

TEST(StreamDeadlines, NamesTheEarliestPassedDeadline) {
  // Handshake (5 s) and auth (20 s) both passed at 30 s: the handshake's came first.
  StreamDeadlines deadlines(kTimeouts, kStart, true);
  EXPECT_EQ(deadlines.expired(kStart + seconds(30)), StreamClose::handshake_timeout);
}

}  // namespace
}  // namespace iceway::turn
