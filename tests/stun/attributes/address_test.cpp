#include "stun/attributes/address.hpp"

#include "round_trip.hpp"

namespace iceway::stun {
namespace {

using namespace test;

Endpoint endpoint(const char* text) { return Endpoint::parse(text).value(); }

TEST(AddressAttributes, RoundTripThroughKnownWireBytes) {
  run_cases({
      {"MAPPED-ADDRESS IPv4", [] { expect_round_trip(MappedAddress{endpoint("192.0.2.1:32853")}, "0001 8055 c0000201"); }},
      {"MAPPED-ADDRESS IPv6",
       [] {
         expect_round_trip(MappedAddress{endpoint("[2001:db8::1]:3478")}, "0002 0d96 20010db8000000000000000000000001");
       }},
      // RFC 5769 §2.2 and §2.3 (same transaction id).
      {"XOR-MAPPED-ADDRESS IPv4",
       [] { expect_round_trip(XorMappedAddress{endpoint("192.0.2.1:32853")}, "0001 a147 e112a643"); }},
      {"XOR-PEER-ADDRESS IPv6",
       [] {
         expect_round_trip(XorPeerAddress{endpoint("[2001:db8:1234:5678:11:2233:4455:6677]:32853")},
                           "0002 a147 0113a9faa5d3f179bc25f4b5bed2b9d9");
       }},
      // 0xc000 ^ 0x2112 = 0xe112; cb007105 ^ 2112a442 = ea12d547.
      {"XOR-RELAYED-ADDRESS IPv4",
       [] { expect_round_trip(XorRelayedAddress{endpoint("203.0.113.5:49152")}, "0001 e112 ea12d547"); }},
      {"XOR address port 0 and any address",
       [] { expect_round_trip(XorRelayedAddress{endpoint("0.0.0.0:0")}, "0001 2112 2112a442"); }},
      {"ALTERNATE-SERVER", [] { expect_round_trip(AlternateServer{endpoint("198.51.100.7:3478")}, "0001 0d96 c6336407"); }},
      {"RESPONSE-ORIGIN", [] { expect_round_trip(ResponseOrigin{endpoint("198.51.100.7:65535")}, "0001 ffff c6336407"); }},
      {"OTHER-ADDRESS",
       [] { expect_round_trip(OtherAddress{endpoint("[::1]:1")}, "0002 0001 00000000000000000000000000000001"); }},
  });
}

TEST(AddressAttributes, XorWithADifferentTransactionIdChangesOnlyIpv6) {
  const auto other = TransactionId::from(bytes_of("000000000000000000000000"));
  expect_round_trip(XorMappedAddress{endpoint("192.0.2.1:32853")}, "0001 a147 e112a643", other);
  expect_round_trip(XorMappedAddress{endpoint("[2001:db8::1]:3478")}, "0002 2c84 0113a9fa 00000000 00000000 00000001",
                    other);
}

TEST(AddressAttributes, IgnoreTheReservedFirstByte) {
  const auto value = bytes_of("ff01 8055 c0000201");
  auto decoded = MappedAddress::decode(Attribute{MappedAddress::kType, value, 20}, kRoundTripId);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded.value().endpoint, endpoint("192.0.2.1:32853"));
}

TEST(AddressAttributes, RejectBadLengthsAndFamilies) {
  run_cases({
      {"empty", [] { expect_rejected<MappedAddress>("", DecodeReason::bad_attribute_length, 0); }},
      {"3 bytes", [] { expect_rejected<XorMappedAddress>("000180", DecodeReason::bad_attribute_length, 3); }},
      {"family 0", [] { expect_rejected<MappedAddress>("0000 8055 c0000201", DecodeReason::bad_address_family, 0); }},
      {"family 3", [] { expect_rejected<XorPeerAddress>("0003 8055 c0000201", DecodeReason::bad_address_family, 3); }},
      {"IPv4 with 16 address bytes",
       [] {
         expect_rejected<XorRelayedAddress>("0001 8055 c0000201c0000201c0000201c0000201",
                                            DecodeReason::bad_attribute_length, 20);
       }},
      {"IPv6 with 4 address bytes",
       [] { expect_rejected<AlternateServer>("0002 8055 c0000201", DecodeReason::bad_attribute_length, 8); }},
      {"IPv4 one byte short", [] { expect_rejected<MappedAddress>("0001 8055 c00002", DecodeReason::bad_attribute_length, 7); }},
      {"IPv4 one byte long",
       [] { expect_rejected<MappedAddress>("0001 8055 c000020100", DecodeReason::bad_attribute_length, 9); }},
  });
}

}  // namespace
}  // namespace iceway::stun
