#include "stun/request_classifier.hpp"

#include <gtest/gtest.h>

#include <array>
#include <vector>

#include "stun/attributes.hpp"
#include "stun/integrity.hpp"
#include "test_support.hpp"

namespace iceway::stun {
namespace {

using test::bytes_of;
using test::raw_message;

constexpr Method kTurnRequests[] = {Method::allocate, Method::refresh, Method::create_permission,
                                    Method::channel_bind};
constexpr Method kTurnIndications[] = {Method::send};
const ServerCapabilities kStunOnly{};
const ServerCapabilities kTurn{&kTurnAttributes, kTurnRequests, kTurnIndications};

std::vector<std::byte> with_fingerprint(MessageType type, bool corrupt = false) {
  std::array<std::byte, 128> buffer{};
  MessageBuilder builder(buffer);
  builder.start(type, TransactionId::from(bytes_of(test::kTransactionIdHex))).add(Software{"client"}).add_fingerprint();
  auto bytes = builder.finish();
  EXPECT_TRUE(bytes);
  std::vector<std::byte> out(bytes.value().begin(), bytes.value().end());
  if (corrupt) out.back() ^= std::byte{1};
  return out;
}

struct Case {
  const char* name;
  std::vector<std::byte> bytes;
  const ServerCapabilities* capabilities;
  Verdict verdict;
  DropReason drop_reason;
  int answer_code;  // 0: none, 200: Binding success, else the ERROR-CODE
};

// The whole decision table of request_classifier.hpp, row by row.
std::vector<Case> decision_table() {
  auto no_cookie = raw_message("0001", "");
  no_cookie[4] = std::byte{0};
  return {
      {"empty", {}, &kStunOnly, Verdict::drop, DropReason::not_stun, 0},
      {"ChannelData", bytes_of("4001 0004 01020304"), &kTurn, Verdict::drop, DropReason::not_stun, 0},
      {"RTP", bytes_of("80 60 0001 00000000 00000000 00000000 0000"), &kStunOnly, Verdict::drop, DropReason::not_stun, 0},
      {"19 bytes", bytes_of("0001 0000 2112a442 0102030405060708090a0b"), &kStunOnly, Verdict::drop,
       DropReason::not_stun, 0},
      {"RFC 3489 request without cookie", no_cookie, &kStunOnly, Verdict::drop, DropReason::classic_stun, 0},
      {"Binding success response", raw_message("0101", ""), &kStunOnly, Verdict::drop, DropReason::response, 0},
      {"Allocate error response", raw_message("0113", ""), &kTurn, Verdict::drop, DropReason::response, 0},
      {"length past the datagram", raw_message("0001", "", 8), &kStunOnly, Verdict::drop, DropReason::malformed_header,
       0},
      {"length not a multiple of 4", raw_message("0001", "80220001 78", 5), &kStunOnly, Verdict::drop,
       DropReason::malformed_header, 0},
      // RFC 8489 §6.3: discarded silently, not answered with 400 (a forged source would get it).
      {"request with an attribute past the end", raw_message("0001", "80220010 78787878"), &kStunOnly,
       Verdict::drop, DropReason::malformed, 0},
      {"request with FINGERPRINT not last", raw_message("0003", "80280004 00000000 80220004 78787878"), &kTurn,
       Verdict::drop, DropReason::malformed, 0},
      {"request with a 16-byte MESSAGE-INTEGRITY", raw_message("0001", "00080010 " + std::string(32, '0')),
       &kStunOnly, Verdict::drop, DropReason::malformed, 0},
      {"indication with an attribute past the end", raw_message("0016", "00130010 78787878"), &kTurn, Verdict::drop,
       DropReason::malformed, 0},
      {"request with a wrong FINGERPRINT", with_fingerprint({Method::binding, Class::request}, true), &kStunOnly,
       Verdict::drop, DropReason::bad_fingerprint, 0},
      {"Binding indication (keepalive)", raw_message("0011", ""), &kTurn, Verdict::drop, DropReason::keepalive, 0},
      {"Send indication to a STUN-only server", raw_message("0016", "00130001 61000000"), &kStunOnly, Verdict::drop,
       DropReason::unknown_method, 0},
      {"Send indication with an unknown required attribute", raw_message("0016", "00130001 61000000 00030000"),
       &kTurn, Verdict::drop, DropReason::unknown_attributes, 0},
      {"Send indication", raw_message("0016", "00130001 61000000"), &kTurn, Verdict::indication, DropReason::none, 0},
      {"Allocate request to a STUN-only server", raw_message("0003", "00190004 11000000"), &kStunOnly,
       Verdict::drop, DropReason::unknown_method, 0},
      {"request of an unknown method (0x0ff)", raw_message("02ef", ""), &kTurn, Verdict::drop,
       DropReason::unknown_method, 0},
      {"Allocate request", raw_message("0003", "00190004 11000000"), &kTurn, Verdict::request, DropReason::none, 0},
      {"Allocate request with EVEN-PORT (not implemented)", raw_message("0003", "00190004 11000000 00180001 80000000"),
       &kTurn, Verdict::unknown_attributes, DropReason::none, 420},
      {"Binding request with CHANGE-REQUEST", raw_message("0001", "00030004 00000006"), &kStunOnly,
       Verdict::unknown_attributes, DropReason::none, 420},
      {"Binding request with TURN attributes to a STUN-only server", raw_message("0001", "000d0004 00000258"),
       &kStunOnly, Verdict::unknown_attributes, DropReason::none, 420},
      {"Binding request with an unknown optional attribute", raw_message("0001", "81230000"), &kStunOnly,
       Verdict::binding, DropReason::none, 200},
      {"Binding request", raw_message("0001", ""), &kStunOnly, Verdict::binding, DropReason::none, 200},
      {"Binding request with a good FINGERPRINT", with_fingerprint({Method::binding, Class::request}), &kTurn,
       Verdict::binding, DropReason::none, 200},
      {"RFC 5769 sample request (ICE attributes, short-term integrity)", bytes_of(test::kSampleRequest), &kStunOnly,
       Verdict::binding, DropReason::none, 200},
  };
}

TEST(ClassifyRequest, FollowsTheDecisionTable) {
  const Endpoint source = Endpoint::parse("203.0.113.9:40000").value();
  for (const auto& c : decision_table()) {
    SCOPED_TRACE(c.name);
    const Classification result = classify_request(c.bytes, *c.capabilities);
    EXPECT_EQ(to_string(result.verdict), to_string(c.verdict));
    EXPECT_EQ(to_string(result.drop_reason), to_string(c.drop_reason));
    if (c.drop_reason == DropReason::malformed) {
      ASSERT_TRUE(result.error);  // what was wrong, for the logs
      EXPECT_FALSE(result.error->to_string().empty());
    }

    std::array<std::byte, 512> buffer{};
    auto answer = build_automatic_response(result, source, "iceway 0.1.0", buffer);
    ASSERT_TRUE(answer) << answer.error().to_string();
    if (c.answer_code == 0) {
      EXPECT_TRUE(answer.value().empty());
      continue;
    }
    // Answers to unauthenticated senders stay small (SPEC §9).
    EXPECT_LE(answer.value().size(), 128u);
    auto response = MessageView::parse(answer.value());
    ASSERT_TRUE(response) << response.error().to_string();
    EXPECT_TRUE(verify_fingerprint(response.value()));
    EXPECT_EQ(test::hex_of(response.value().transaction_id().span()),
              test::hex_of(ByteSpan(c.bytes).subspan(8, kTransactionIdSize)));
    EXPECT_EQ(response.value().method(), decode_message_type(load_u16(c.bytes.data())).method);
    if (c.answer_code == 200) {
      EXPECT_EQ(response.value().message_class(), Class::success);
      EXPECT_EQ(response.value().get<XorMappedAddress>().value()->endpoint, source);
    } else {
      EXPECT_EQ(response.value().message_class(), Class::error);
      EXPECT_EQ(response.value().get<ErrorCodeAttribute>().value()->code, c.answer_code);
    }
  }
}

TEST(ClassifyRequest, Lists420AttributesInTheAnswer) {
  const auto bytes = raw_message("0001", "00030004 00000006 7fff0000 00030004 00000000");
  const Classification result = classify_request(bytes);
  ASSERT_EQ(result.verdict, Verdict::unknown_attributes);
  std::array<std::byte, 256> buffer{};
  auto answer = build_automatic_response(result, Endpoint::parse("203.0.113.9:1").value(), "", buffer);
  ASSERT_TRUE(answer);
  auto response = MessageView::parse(answer.value());
  ASSERT_TRUE(response);
  const auto unknown = response.value().get<UnknownAttributes>().value();
  ASSERT_TRUE(unknown);
  ASSERT_EQ(unknown->count, 2u);
  EXPECT_EQ(unknown->types[0], static_cast<AttributeType>(0x0003));
  EXPECT_EQ(unknown->types[1], static_cast<AttributeType>(0x7fff));
}

TEST(ClassifyRequest, ManyUnknownAttributesStillGetASmallAnswer) {
  std::string body;
  for (int i = 0; i < 200; ++i) {
    char attribute[16];
    std::snprintf(attribute, sizeof attribute, "%04x0000", 0x7000 + i);
    body += attribute;
  }
  const auto bytes = raw_message("0001", body);
  const Classification result = classify_request(bytes);
  ASSERT_EQ(result.verdict, Verdict::unknown_attributes);
  EXPECT_EQ(result.unknown.count, UnknownAttributes::kCapacity);
  std::array<std::byte, 256> buffer{};
  auto answer = build_automatic_response(result, Endpoint::parse("203.0.113.9:1").value(), "iceway", buffer);
  ASSERT_TRUE(answer);
  EXPECT_LE(answer.value().size(), 128u);
}

TEST(ClassifyRequest, HandsTheParsedMessageToHandlers) {
  const auto bytes = raw_message("0003", "00190004 11000000 000d0004 00000258");
  const Classification result = classify_request(bytes, kTurn);
  ASSERT_EQ(result.verdict, Verdict::request);
  ASSERT_TRUE(result.message);
  EXPECT_EQ(result.message->method(), Method::allocate);
  EXPECT_EQ(result.message->get<Lifetime>().value()->seconds, 600u);
}

TEST(ClassifyRequest, NamesVerdictsAndDropReasonsForMetrics) {
  EXPECT_EQ(to_string(Verdict::unknown_attributes), "unknown_attributes");
  EXPECT_EQ(to_string(DropReason::classic_stun), "classic_stun");
}

}  // namespace
}  // namespace iceway::stun
