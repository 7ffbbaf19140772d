#include "bench/probe_id.hpp"

#include <gtest/gtest.h>

namespace iceway::bench {
namespace {

TEST(ProbeId, RoundTripsThroughTheTransactionId) {
  struct Case {
    const char* name;
    ProbeId id;
  };
  const Case cases[] = {
      {"zero", {0, 0, 0}},
      {"typical", {0xDEADBEEF, 17, 123456}},
      {"all ones", {0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(ProbeId::from_transaction_id(c.id.to_transaction_id()), c.id);
  }
}

TEST(ProbeId, FieldsAreBigEndianInOrderTagSocketSequence) {
  const auto id = ProbeId{0x01020304, 0x05060708, 0x090A0B0C}.to_transaction_id();
  for (std::size_t i = 0; i < 12; ++i) EXPECT_EQ(std::to_integer<int>(id.bytes[i]), static_cast<int>(i + 1)) << i;
}

}  // namespace
}  // namespace iceway::bench
