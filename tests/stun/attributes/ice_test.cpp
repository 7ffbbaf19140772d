#include "stun/attributes/ice.hpp"

#include "round_trip.hpp"

namespace iceway::stun {
namespace {

using namespace test;

TEST(IceAttributes, RoundTripThroughKnownWireBytes) {
  run_cases({
      // RFC 5769 §2.1's values.
      {"PRIORITY", [] { expect_round_trip(Priority{0x6e0001ff}, "6e0001ff"); }},
      {"ICE-CONTROLLED", [] { expect_round_trip(IceControlled{0x932ff9b151263b36}, "932ff9b151263b36"); }},
      {"ICE-CONTROLLING", [] { expect_round_trip(IceControlling{1}, "0000000000000001"); }},
      {"USE-CANDIDATE", [] { expect_round_trip(UseCandidate{}, ""); }},
  });
}

TEST(IceAttributes, RejectWrongLengths) {
  run_cases({
      {"PRIORITY 3 bytes", [] { expect_rejected<Priority>("6e0001", DecodeReason::bad_attribute_length, 3); }},
      {"ICE-CONTROLLED 4 bytes", [] { expect_rejected<IceControlled>("932ff9b1", DecodeReason::bad_attribute_length, 4); }},
      {"ICE-CONTROLLING 9 bytes",
       [] { expect_rejected<IceControlling>("000000000000000100", DecodeReason::bad_attribute_length, 9); }},
      {"USE-CANDIDATE with a value", [] { expect_rejected<UseCandidate>("01", DecodeReason::bad_attribute_length, 1); }},
  });
}

}  // namespace
}  // namespace iceway::stun
