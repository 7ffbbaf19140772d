#include "stun/error_response.hpp"

#include <gtest/gtest.h>

#include <array>

#include "stun/attributes.hpp"
#include "stun/integrity.hpp"
#include "test_support.hpp"

namespace iceway::stun {
namespace {

const TransactionId kId = TransactionId::from(test::bytes_of(test::kTransactionIdHex));

TEST(ErrorResponse, CarriesCodeReasonSoftwareAndFingerprint) {
  std::array<std::byte, 128> buffer{};
  auto bytes = build_error_response(Method::allocate, kId, ErrorCode::allocation_quota_reached, "iceway", buffer);
  ASSERT_TRUE(bytes) << bytes.error().to_string();
  auto response = MessageView::parse(bytes.value());
  ASSERT_TRUE(response);
  const MessageView& message = response.value();
  EXPECT_EQ(message.raw_type(), 0x0113);
  EXPECT_EQ(message.transaction_id(), kId);
  const auto code = message.get<ErrorCodeAttribute>().value();
  ASSERT_TRUE(code);
  EXPECT_EQ(code->code, 486);
  EXPECT_EQ(code->reason, "Allocation Quota Reached");
  EXPECT_EQ(message.get<Software>().value()->value, "iceway");
  EXPECT_FALSE(message.contains(AttributeType::unknown_attributes));
  EXPECT_TRUE(verify_fingerprint(message));
}

TEST(ErrorResponse, ListsUnknownAttributesFor420) {
  UnknownAttributes unknown;
  unknown.add(static_cast<AttributeType>(0x0003));
  unknown.add(static_cast<AttributeType>(0x0031));
  std::array<std::byte, 128> buffer{};
  auto bytes = build_error_response(Method::binding, kId, ErrorCode::unknown_attribute, "", buffer, &unknown);
  ASSERT_TRUE(bytes);
  auto response = MessageView::parse(bytes.value());
  ASSERT_TRUE(response);
  EXPECT_EQ(response.value().get<ErrorCodeAttribute>().value()->code, 420);
  EXPECT_EQ(response.value().get<UnknownAttributes>().value(), unknown);
  EXPECT_FALSE(response.value().contains(AttributeType::software));
}

TEST(ErrorResponse, StartLetsHandlersAddMoreAndSign) {
  // A 438 as TURN sends it: REALM and a fresh NONCE, signed with the long-term key.
  std::array<std::byte, 256> buffer{};
  MessageBuilder builder(buffer);
  const auto key = long_term_key("user", "iceway", "pass");
  start_error_response(builder, Method::refresh, kId, ErrorCode::stale_nonce)
      .add(Realm{"iceway"})
      .add(Nonce{"fresh"})
      .add_message_integrity(key)
      .add_fingerprint();
  auto bytes = builder.finish();
  ASSERT_TRUE(bytes);
  auto response = MessageView::parse(bytes.value());
  ASSERT_TRUE(response);
  EXPECT_EQ(response.value().type(), (MessageType{Method::refresh, Class::error}));
  EXPECT_EQ(response.value().get<ErrorCodeAttribute>().value()->reason, "Stale Nonce");
  EXPECT_TRUE(verify_message_integrity(response.value(), key));
}

TEST(ErrorResponse, FailsWhenTheBufferIsTooSmall) {
  std::array<std::byte, 30> buffer{};
  auto bytes = build_error_response(Method::binding, kId, ErrorCode::bad_request, "iceway", buffer);
  ASSERT_FALSE(bytes);
  EXPECT_EQ(bytes.error().reason, BuildErrorReason::buffer_too_small);
}

}  // namespace
}  // namespace iceway::stun
