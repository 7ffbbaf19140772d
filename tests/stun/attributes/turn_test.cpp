#include "stun/attributes/turn.hpp"

#include "round_trip.hpp"

namespace iceway::stun {
namespace {

using namespace test;

TEST(TurnAttributes, RoundTripThroughKnownWireBytes) {
  static const auto payload = bytes_of("68656c6c6f");
  run_cases({
      {"CHANNEL-NUMBER", [] { expect_round_trip(ChannelNumber{0x4001}, "4001 0000"); }},
      {"LIFETIME", [] { expect_round_trip(Lifetime{600}, "00000258"); }},
      {"LIFETIME zero", [] { expect_round_trip(Lifetime{0}, "00000000"); }},
      {"DATA", [] { expect_round_trip(Data{payload}, "68656c6c6f"); }},
      {"DATA empty", [] { expect_round_trip(Data{}, ""); }},
      {"REQUESTED-TRANSPORT UDP", [] { expect_round_trip(RequestedTransport{RequestedTransport::kUdp}, "11000000"); }},
      {"REQUESTED-TRANSPORT TCP", [] { expect_round_trip(RequestedTransport{RequestedTransport::kTcp}, "06000000"); }},
      {"REQUESTED-ADDRESS-FAMILY IPv4", [] { expect_round_trip(RequestedAddressFamily{AddressFamily::ipv4}, "01000000"); }},
      {"REQUESTED-ADDRESS-FAMILY IPv6", [] { expect_round_trip(RequestedAddressFamily{AddressFamily::ipv6}, "02000000"); }},
      {"ADDITIONAL-ADDRESS-FAMILY", [] { expect_round_trip(AdditionalAddressFamily{AddressFamily::ipv6}, "02000000"); }},
      {"ADDITIONAL-ADDRESS-FAMILY, draft code point 0x8032",
       [] { expect_round_trip(AdditionalAddressFamilyDraft{AddressFamily::ipv6}, "02000000"); }},
      {"EVEN-PORT R", [] { expect_round_trip(EvenPort{true}, "80"); }},
      {"EVEN-PORT", [] { expect_round_trip(EvenPort{false}, "00"); }},
      {"RESERVATION-TOKEN",
       [] {
         ReservationToken token;
         for (std::size_t i = 0; i < token.token.size(); ++i) token.token[i] = std::byte(0xA0 + i);
         expect_round_trip(token, "a0a1a2a3a4a5a6a7");
       }},
      {"DONT-FRAGMENT", [] { expect_round_trip(DontFragment{}, ""); }},
      {"ICMP fragmentation needed", [] { expect_round_trip(Icmp{3, 4, 1400}, "0000 03 04 00000578"); }},
      {"CONNECTION-ID", [] { expect_round_trip(ConnectionId{0xdeadbeef}, "deadbeef"); }},
      {"MOBILITY-TICKET empty (an Allocate asking for mobility)", [] { expect_round_trip(MobilityTicket{}, ""); }},
      {"MOBILITY-TICKET, 32 bytes",
       [] {
         MobilityTicket ticket;
         ticket.length = 32;
         for (std::size_t i = 0; i < 32; ++i) ticket.bytes[i] = std::byte(0x30 + i % 10);
         expect_round_trip(ticket, "3031323334353637383930313233343536373839303132333435363738393031");
       }},
  });
}

TEST(TurnAttributes, IgnoreReservedBits) {
  const auto channel = bytes_of("4fff ffff");
  auto decoded = ChannelNumber::decode(Attribute{AttributeType::channel_number, channel, 20}, kRoundTripId);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded.value().number, 0x4fff);
  const auto even_port = bytes_of("ff");
  auto even = EvenPort::decode(Attribute{AttributeType::even_port, even_port, 20}, kRoundTripId);
  ASSERT_TRUE(even);
  EXPECT_TRUE(even.value().reserve_next);
  const auto transport = bytes_of("11ffffff");
  auto requested = RequestedTransport::decode(Attribute{AttributeType::requested_transport, transport, 20}, kRoundTripId);
  ASSERT_TRUE(requested);
  EXPECT_EQ(requested.value().protocol, 17);
}

TEST(TurnAttributes, RejectWrongLengthsAndFamilies) {
  run_cases({
      {"CHANNEL-NUMBER 2 bytes", [] { expect_rejected<ChannelNumber>("4001", DecodeReason::bad_attribute_length, 2); }},
      {"LIFETIME 3 bytes", [] { expect_rejected<Lifetime>("000258", DecodeReason::bad_attribute_length, 3); }},
      {"LIFETIME 8 bytes", [] { expect_rejected<Lifetime>("0000025800000000", DecodeReason::bad_attribute_length, 8); }},
      {"REQUESTED-TRANSPORT 1 byte", [] { expect_rejected<RequestedTransport>("11", DecodeReason::bad_attribute_length, 1); }},
      {"REQUESTED-ADDRESS-FAMILY 0x03",
       [] { expect_rejected<RequestedAddressFamily>("03000000", DecodeReason::bad_address_family, 3); }},
      {"REQUESTED-ADDRESS-FAMILY 0x00",
       [] { expect_rejected<RequestedAddressFamily>("00000000", DecodeReason::bad_address_family, 0); }},
      {"REQUESTED-ADDRESS-FAMILY 8 bytes",
       [] { expect_rejected<RequestedAddressFamily>("0100000000000000", DecodeReason::bad_attribute_length, 8); }},
      {"ADDITIONAL-ADDRESS-FAMILY 0x04",
       [] { expect_rejected<AdditionalAddressFamily>("04000000", DecodeReason::bad_address_family, 4); }},
      {"EVEN-PORT empty", [] { expect_rejected<EvenPort>("", DecodeReason::bad_attribute_length, 0); }},
      {"EVEN-PORT 4 bytes", [] { expect_rejected<EvenPort>("80000000", DecodeReason::bad_attribute_length, 4); }},
      {"RESERVATION-TOKEN 7 bytes",
       [] { expect_rejected<ReservationToken>("a0a1a2a3a4a5a6", DecodeReason::bad_attribute_length, 7); }},
      {"DONT-FRAGMENT with a value", [] { expect_rejected<DontFragment>("00", DecodeReason::bad_attribute_length, 1); }},
      {"ICMP 4 bytes", [] { expect_rejected<Icmp>("00000304", DecodeReason::bad_attribute_length, 4); }},
      {"CONNECTION-ID 2 bytes", [] { expect_rejected<ConnectionId>("dead", DecodeReason::bad_attribute_length, 2); }},
      {"MOBILITY-TICKET 33 bytes",
       [] {
         expect_rejected<MobilityTicket>("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20",
                                         DecodeReason::bad_attribute_length, 33);
       }},
  });
}

}  // namespace
}  // namespace iceway::stun
