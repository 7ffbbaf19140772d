#include "stun/attributes/nat_behavior.hpp"

#include "round_trip.hpp"

namespace iceway::stun {
namespace {

using namespace test;

TEST(NatBehaviorAttributes, RoundTripThroughKnownWireBytes) {
  run_cases({
      {"CHANGE-REQUEST change IP and port", [] { expect_round_trip(ChangeRequest{true, true}, "00000006"); }},
      {"CHANGE-REQUEST change IP", [] { expect_round_trip(ChangeRequest{true, false}, "00000004"); }},
      {"CHANGE-REQUEST change port", [] { expect_round_trip(ChangeRequest{false, true}, "00000002"); }},
      {"CHANGE-REQUEST no change (JSTUN's empty one)", [] { expect_round_trip(ChangeRequest{}, "00000000"); }},
      {"RESPONSE-PORT", [] { expect_round_trip(ResponsePort{3479}, "0d970000"); }},
      {"PADDING", [] { expect_round_trip(Padding{8}, "0000000000000000"); }},
  });
}

TEST(NatBehaviorAttributes, ReservedChangeRequestBitsAreIgnored) {
  const auto value = bytes_of("fffffff9");
  auto decoded = ChangeRequest::decode(Attribute{AttributeType::change_request, value, 20}, kRoundTripId);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded.value(), (ChangeRequest{false, false}));
}

TEST(NatBehaviorAttributes, RejectWrongLengths) {
  run_cases({
      {"CHANGE-REQUEST 2 bytes", [] { expect_rejected<ChangeRequest>("0006", DecodeReason::bad_attribute_length, 2); }},
      {"RESPONSE-PORT 2 bytes", [] { expect_rejected<ResponsePort>("0d97", DecodeReason::bad_attribute_length, 2); }},
  });
}

}  // namespace
}  // namespace iceway::stun
