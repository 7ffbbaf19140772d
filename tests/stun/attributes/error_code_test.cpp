#include "stun/attributes/error_code.hpp"

#include <string>

#include "round_trip.hpp"
#include "stun/attributes/text.hpp"

namespace iceway::stun {
namespace {

using namespace test;

TEST(ErrorCodeTable, HasTheRfcReasonPhraseAndALabelForEveryCode) {
  struct Case {
    ErrorCode code;
    std::uint16_t wire;
    std::string_view reason;
    std::string_view label;
  };
  const Case cases[] = {
      {ErrorCode::try_alternate, 300, "Try Alternate", "try_alternate"},
      {ErrorCode::bad_request, 400, "Bad Request", "bad_request"},
      {ErrorCode::unauthenticated, 401, "Unauthenticated", "unauthenticated"},
      {ErrorCode::forbidden, 403, "Forbidden", "forbidden"},
      {ErrorCode::mobility_forbidden, 405, "Mobility Forbidden", "mobility_forbidden"},
      {ErrorCode::unknown_attribute, 420, "Unknown Attribute", "unknown_attribute"},
      {ErrorCode::allocation_mismatch, 437, "Allocation Mismatch", "allocation_mismatch"},
      {ErrorCode::stale_nonce, 438, "Stale Nonce", "stale_nonce"},
      {ErrorCode::address_family_not_supported, 440, "Address Family not Supported", "address_family_not_supported"},
      {ErrorCode::wrong_credentials, 441, "Wrong Credentials", "wrong_credentials"},
      {ErrorCode::unsupported_transport_protocol, 442, "Unsupported Transport Protocol",
       "unsupported_transport_protocol"},
      {ErrorCode::peer_address_family_mismatch, 443, "Peer Address Family Mismatch", "peer_address_family_mismatch"},
      {ErrorCode::connection_already_exists, 446, "Connection Already Exists", "connection_already_exists"},
      {ErrorCode::connection_timeout_or_failure, 447, "Connection Timeout or Failure",
       "connection_timeout_or_failure"},
      {ErrorCode::allocation_quota_reached, 486, "Allocation Quota Reached", "allocation_quota_reached"},
      {ErrorCode::role_conflict, 487, "Role Conflict", "role_conflict"},
      {ErrorCode::server_error, 500, "Server Error", "server_error"},
      {ErrorCode::insufficient_capacity, 508, "Insufficient Capacity", "insufficient_capacity"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.wire);
    EXPECT_EQ(to_wire(c.code), c.wire);
    EXPECT_EQ(reason_phrase(c.code), c.reason);
    EXPECT_EQ(metric_label(c.code), c.label);
    EXPECT_EQ(error_code_from_wire(c.wire), c.code);
  }
  EXPECT_FALSE(error_code_from_wire(404));
  EXPECT_EQ(reason_phrase(static_cast<ErrorCode>(404)), "");
  EXPECT_EQ(metric_label(static_cast<ErrorCode>(404)), "other");
}

TEST(ErrorCodeAttributes, RoundTripThroughKnownWireBytes) {
  run_cases({
      {"438 Stale Nonce",
       [] { expect_round_trip(ErrorCodeAttribute::of(ErrorCode::stale_nonce), "00000426 5374616c65204e6f6e6365"); }},
      {"300 without reason", [] { expect_round_trip(ErrorCodeAttribute{300, ""}, "00000300"); }},
      {"699 custom reason", [] { expect_round_trip(ErrorCodeAttribute{699, "x"}, "00000663 78"); }},
      {"ADDRESS-ERROR-CODE IPv6 440",
       [] {
         expect_round_trip(AddressErrorCode{AddressFamily::ipv6, 440, "Address Family not Supported"},
                           "02000428 416464726573732046616d696c79206e6f7420537570706f72746564");
       }},
      {"UNKNOWN-ATTRIBUTES",
       [] {
         UnknownAttributes unknown;
         unknown.add(static_cast<AttributeType>(0x0003));
         unknown.add(static_cast<AttributeType>(0x7fff));
         expect_round_trip(unknown, "0003 7fff");
       }},
  });
}

TEST(ErrorCodeAttributes, IgnoreReservedBitsAboveTheClass) {
  // Reserved bits set around class 4, number 38.
  const auto value = bytes_of("fffffc26");
  auto decoded = ErrorCodeAttribute::decode(Attribute{AttributeType::error_code, value, 20}, kRoundTripId);
  ASSERT_TRUE(decoded) << decoded.error().to_string();
  EXPECT_EQ(decoded.value().code, 438);
}

TEST(ErrorCodeAttributes, RejectMalformedValues) {
  run_cases({
      {"3 bytes", [] { expect_rejected<ErrorCodeAttribute>("000004", DecodeReason::bad_attribute_length, 3); }},
      {"class 2", [] { expect_rejected<ErrorCodeAttribute>("00000200", DecodeReason::bad_value, 200); }},
      {"class 7", [] { expect_rejected<ErrorCodeAttribute>("00000700", DecodeReason::bad_value, 700); }},
      {"number 100", [] { expect_rejected<ErrorCodeAttribute>("00000464", DecodeReason::bad_value, 500); }},
      {"reason of 764 bytes",
       [] {
         expect_rejected<ErrorCodeAttribute>("00000400" + to_hex(as_byte_span(std::string(764, 'r'))),
                                             DecodeReason::value_too_long, 768);
       }},
      {"ADDRESS-ERROR-CODE family 3",
       [] { expect_rejected<AddressErrorCode>("03000428", DecodeReason::bad_address_family, 3); }},
      {"UNKNOWN-ATTRIBUTES odd length",
       [] { expect_rejected<UnknownAttributes>("000300", DecodeReason::bad_attribute_length, 3); }},
  });
}

TEST(ErrorCodeAttributes, RefuseToEncodeCodesOutsideThreeToSixHundreds) {
  expect_not_encodable(ErrorCodeAttribute{299, "x"});
  expect_not_encodable(ErrorCodeAttribute{700, "x"});
  expect_not_encodable(ErrorCodeAttribute{400, std::string(128, 'r')});
  expect_not_encodable(AddressErrorCode{AddressFamily::ipv4, 200, ""});
}

TEST(UnknownAttributes, KeepEachTypeOnceUpToTheCapacity) {
  UnknownAttributes unknown;
  EXPECT_TRUE(unknown.add(static_cast<AttributeType>(0x0003)));
  EXPECT_TRUE(unknown.add(static_cast<AttributeType>(0x0003)));
  EXPECT_EQ(unknown.count, 1u);
  for (std::uint16_t type = 0x100; unknown.count < UnknownAttributes::kCapacity; ++type) {
    EXPECT_TRUE(unknown.add(static_cast<AttributeType>(type)));
  }
  EXPECT_FALSE(unknown.add(static_cast<AttributeType>(0x7000)));
  EXPECT_EQ(unknown.count, UnknownAttributes::kCapacity);
}

TEST(UnknownAttributes, DecodingKeepsTheFirstSixteenOfALongerList) {
  std::string hex;
  for (int i = 0; i < 20; ++i) hex += "00" + to_hex(std::vector<std::byte>{std::byte(i)});
  const auto value = bytes_of(hex);
  auto decoded = UnknownAttributes::decode(Attribute{AttributeType::unknown_attributes, value, 20}, kRoundTripId);
  ASSERT_TRUE(decoded);
  ASSERT_EQ(decoded.value().count, UnknownAttributes::kCapacity);
  EXPECT_EQ(decoded.value().list().back(), static_cast<AttributeType>(15));
}

TEST(UnknownComprehensionRequired, ListsUnknownRequiredTypesOnceInOrder) {
  // 0x0003 CHANGE-REQUEST (unknown), USERNAME (known), 0x8123 (optional: ignored),
  // 0x0003 again, 0x7fff (unknown), then after MESSAGE-INTEGRITY 0x0004 (ignored).
  const auto bytes = raw_message("0001",
                                 "00030004 00000000"
                                 "00060001 61000000"
                                 "81230000"
                                 "00030004 00000000"
                                 "7fff0000"
                                 "00080014 0000000000000000000000000000000000000000"
                                 "00040000");
  auto parsed = MessageView::parse(bytes);
  ASSERT_TRUE(parsed) << parsed.error().to_string();
  const auto unknown = unknown_comprehension_required(parsed.value(), kStunAttributes);
  ASSERT_EQ(unknown.count, 2u);
  EXPECT_EQ(unknown.types[0], static_cast<AttributeType>(0x0003));
  EXPECT_EQ(unknown.types[1], static_cast<AttributeType>(0x7fff));
  const AttributeSet everything_known{static_cast<AttributeType>(0x0003), static_cast<AttributeType>(0x7fff),
                                      AttributeType::username, AttributeType::message_integrity};
  EXPECT_TRUE(unknown_comprehension_required(parsed.value(), everything_known).empty());
}

}  // namespace
}  // namespace iceway::stun
