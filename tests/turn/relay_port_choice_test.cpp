#include "turn/relay_port_choice.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <vector>

namespace iceway::turn {
namespace {

// Hands out the given 32-bit values in order, then counts up from the last one.
class ScriptedRandom final : public RandomSource {
 public:
  explicit ScriptedRandom(std::vector<std::uint32_t> values) : values_(std::move(values)) {}
  void fill(MutableByteSpan out) override {
    ASSERT_EQ(out.size(), 4u);
    const std::uint32_t value = next_ < values_.size() ? values_[next_] : last_ + 1;
    ++next_;
    last_ = value;
    std::memcpy(out.data(), &value, 4);
  }
  std::size_t draws() const { return next_; }

 private:
  std::vector<std::uint32_t> values_;
  std::size_t next_ = 0;
  std::uint32_t last_ = 0;
};

TEST(RelayPortChoice, EveryPortOfTheRangeIsChosenEquallyOftenAndNothingOutsideIt) {
  ScriptedRandom random({0});
  std::map<std::uint16_t, int> seen;
  for (int i = 0; i < 1000; ++i) ++seen[choose_relay_port(50000, 50009, false, random).value()];
  ASSERT_EQ(seen.size(), 10u);
  EXPECT_EQ(seen.begin()->first, 50000);
  EXPECT_EQ(seen.rbegin()->first, 50009);
  for (const auto& [port, count] : seen) EXPECT_EQ(count, 100) << port;
}

TEST(RelayPortChoice, EvenPortsOnlyForEvenPortAndNoneWhenTheRangeHasNone) {
  ScriptedRandom random({0});
  for (int i = 0; i < 100; ++i) {
    const auto port = choose_relay_port(49153, 49160, true, random);
    ASSERT_TRUE(port);
    EXPECT_EQ(*port % 2, 0);
    EXPECT_GE(*port, 49154);
    EXPECT_LE(*port, 49160);
  }
  EXPECT_FALSE(choose_relay_port(49153, 49153, true, random));
  EXPECT_EQ(choose_relay_port(65535, 65535, false, random), 65535);
  EXPECT_EQ(choose_relay_port(65534, 65535, true, random), 65534);
}

TEST(RelayPortChoice, DrawsInTheIncompleteLastBlockAreDiscardedSoNoPortIsFavoured) {
  // 3 ports: 2^32 - 1 = 4294967295 is the first value of the incomplete block (2^32 % 3 = 1).
  ScriptedRandom random({0xffffffffu, 4});
  EXPECT_EQ(choose_relay_port(100, 102, false, random), 101);
  EXPECT_EQ(random.draws(), 2u);
}

TEST(RelayPortChoice, TheChoiceIsTheRandomSourcesNotASequence) {
  ScriptedRandom random({7, 3, 9});
  EXPECT_EQ(choose_relay_port(50000, 50999, false, random), 50007);
  EXPECT_EQ(choose_relay_port(50000, 50999, false, random), 50003);
  EXPECT_EQ(choose_relay_port(50000, 50999, false, random), 50009);
}

}  // namespace
}  // namespace iceway::turn
