// The table of reserved relay ports on its own (turn/port_reservations.hpp): tokens, one
// take each, the 30 s hold, and what ending a reservation gives back.
#include "turn/port_reservations.hpp"

#include <gtest/gtest.h>

#include <deque>
#include <vector>

namespace iceway::turn {
namespace {

const TimePoint kStart = TimePoint{} + std::chrono::hours(10);
const Endpoint kPort = *Endpoint::parse("203.0.113.10:50001");

// Hands out the byte patterns it is given, one per fill, then 0x77...
class ScriptedRandom final : public RandomSource {
 public:
  explicit ScriptedRandom(std::deque<std::uint8_t> script) : script_(std::move(script)) {}
  void fill(MutableByteSpan out) override {
    std::uint8_t value = 0x77;
    if (!script_.empty()) {
      value = script_.front();
      script_.pop_front();
    }
    std::fill(out.begin(), out.end(), std::byte{value});
  }

 private:
  std::deque<std::uint8_t> script_;
};

// Counts how many held ports were closed.
struct CountedPort final : HeldPort {
  explicit CountedPort(int& closed_in) : closed(closed_in) {}
  ~CountedPort() override { ++closed; }
  int& closed;
};

Reservation reservation(int& closed, QuotaLease lease = {}) {
  return Reservation{kPort, std::make_unique<CountedPort>(closed), std::move(lease)};
}

TEST(PortReservations, ATokenTakesItsPortOnce) {
  int closed = 0;
  PortReservations table(std::make_unique<ScriptedRandom>(std::deque<std::uint8_t>{1, 2}));
  const ReservationToken first = table.keep(reservation(closed), kStart);
  const ReservationToken second = table.keep(reservation(closed), kStart);
  EXPECT_NE(first, second);
  EXPECT_EQ(table.size(), 2u);

  auto taken = table.take(first, kStart + Seconds(1));
  ASSERT_TRUE(taken);
  EXPECT_EQ(taken->relayed, kPort);
  EXPECT_NE(taken->port, nullptr);
  EXPECT_FALSE(table.take(first, kStart + Seconds(1))) << "a second take of the same token";
  EXPECT_EQ(table.size(), 1u);
  EXPECT_EQ(closed, 0) << "the taken port is the caller's now";
  taken.reset();
  EXPECT_EQ(closed, 1);
}

TEST(PortReservations, AnUnknownTokenTakesNothing) {
  int closed = 0;
  PortReservations table(std::make_unique<ScriptedRandom>(std::deque<std::uint8_t>{5}));
  table.keep(reservation(closed), kStart);
  ReservationToken other;
  other.token.fill(std::byte{6});
  EXPECT_FALSE(table.take(other, kStart));
  EXPECT_EQ(table.size(), 1u);
}

TEST(PortReservations, ATokenIsNeverZeroNorOneAlreadyHeld) {
  int closed = 0;
  // 0 is drawn again; 3 is drawn again the second time because it is held.
  PortReservations table(std::make_unique<ScriptedRandom>(std::deque<std::uint8_t>{0, 3, 3, 4}));
  const ReservationToken first = table.keep(reservation(closed), kStart);
  const ReservationToken second = table.keep(reservation(closed), kStart);
  ReservationToken three, four;
  three.token.fill(std::byte{3});
  four.token.fill(std::byte{4});
  EXPECT_EQ(first, three);
  EXPECT_EQ(second, four);
}

TEST(PortReservations, TheHoldIsThirtySecondsThenThePortClosesAndTheQuotaReturns) {
  int closed = 0;
  Quota quota(QuotaLimits{10, 10, 10});
  PortReservations table(std::make_unique<ScriptedRandom>(std::deque<std::uint8_t>{1, 2}));
  EXPECT_EQ(PortReservations::kHold, Seconds(30));
  const ReservationToken early =
      table.keep(reservation(closed, quota.acquire("alice", kPort.address).value()), kStart);
  const ReservationToken later =
      table.keep(reservation(closed, quota.acquire("alice", kPort.address).value()), kStart + Seconds(10));
  EXPECT_EQ(quota.active(), 2u);

  EXPECT_EQ(table.expire(kStart + Seconds(29)), 0u);
  auto taken = table.take(early, kStart + Seconds(29));  // its last second
  ASSERT_TRUE(taken);
  taken.reset();  // the caller drops it: closed, slot returned
  EXPECT_EQ(closed, 1);
  EXPECT_EQ(quota.active(), 1u);
  // `later` was kept at 10 s: at 40 s its hold is over, so no take...
  EXPECT_FALSE(table.take(later, kStart + Seconds(40)));
  EXPECT_EQ(table.size(), 1u) << "a refused late take does not end it; expire() does";
  // ...and expire() closes it and returns its slot.
  EXPECT_EQ(table.expire(kStart + Seconds(40)), 1u);
  EXPECT_EQ(closed, 2);
  EXPECT_EQ(quota.active(), 0u);
  EXPECT_EQ(table.size(), 0u);
}

TEST(PortReservations, ExpireSkipsWhatWasTakenAndEndsOnlyWhatIsDue) {
  int closed = 0;
  PortReservations table(std::make_unique<ScriptedRandom>(std::deque<std::uint8_t>{1, 2, 3}));
  const ReservationToken a = table.keep(reservation(closed), kStart);
  table.keep(reservation(closed), kStart + Seconds(5));
  table.keep(reservation(closed), kStart + Seconds(20));
  auto taken = table.take(a, kStart + Seconds(1));
  ASSERT_TRUE(taken);
  EXPECT_EQ(table.expire(kStart + Seconds(35)), 1u) << "the one kept at 5 s; the one at 20 s has 15 s left";
  EXPECT_EQ(table.size(), 1u);
  EXPECT_EQ(table.expire(kStart + Seconds(50)), 1u);
  EXPECT_EQ(table.size(), 0u);
  EXPECT_EQ(closed, 2);
}

TEST(PortReservations, ClearEndsThemAll) {
  int closed = 0;
  Quota quota(QuotaLimits{10, 10, 10});
  {
    PortReservations table(std::make_unique<ScriptedRandom>(std::deque<std::uint8_t>{1, 2}));
    table.keep(reservation(closed, quota.acquire("alice", kPort.address).value()), kStart);
    table.keep(reservation(closed, quota.acquire("bob", kPort.address).value()), kStart);
    table.clear();
    EXPECT_EQ(table.size(), 0u);
    EXPECT_EQ(closed, 2);
    EXPECT_EQ(quota.active(), 0u);
    table.keep(reservation(closed), kStart);
  }
  EXPECT_EQ(closed, 3) << "and the destructor ends what is left";
}

}  // namespace
}  // namespace iceway::turn
