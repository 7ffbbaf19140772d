#include "stun/nat_behavior.hpp"

#include <gtest/gtest.h>

#include <array>
#include <functional>
#include <vector>

#include "stun/attributes.hpp"
#include "stun/attributes/nat_behavior.hpp"
#include "stun/integrity.hpp"
#include "test_support.hpp"

namespace iceway::stun {
namespace {

const Endpoint kPrimary = Endpoint::parse("198.51.100.1:3478").value();
const Endpoint kAlternate = Endpoint::parse("198.51.100.2:3479").value();
const NatAddresses kAddresses{kPrimary, kAlternate};
const Endpoint kClient = Endpoint::parse("203.0.113.9:40000").value();
const Endpoint kPrimaryIpAlternatePort = Endpoint::parse("198.51.100.1:3479").value();
const Endpoint kAlternateIpPrimaryPort = Endpoint::parse("198.51.100.2:3478").value();

// A Binding request with whatever `add` puts in it, kept alive with its view.
struct Request {
  std::vector<std::byte> bytes;
  MessageView view() const { return MessageView::parse(bytes).value(); }
};

Request binding(const std::function<void(MessageBuilder&)>& add = {}) {
  std::vector<std::byte> buffer(4096);
  MessageBuilder builder(buffer);
  builder.start({Method::binding, Class::request}, TransactionId::from(test::bytes_of(test::kTransactionIdHex)));
  if (add) add(builder);
  builder.add_fingerprint();
  auto bytes = builder.finish();
  EXPECT_TRUE(bytes);
  return Request{std::vector<std::byte>(bytes.value().begin(), bytes.value().end())};
}

Request change(bool ip, bool port) {
  return binding([&](MessageBuilder& b) { b.add(ChangeRequest{ip, port}); });
}

NatPlan plan_for(const Request& request, const Endpoint& arrival, bool datagram = true) {
  auto plan = plan_nat_binding(request.view(), request.bytes.size(), kClient, arrival, datagram, kAddresses);
  EXPECT_TRUE(plan) << (plan ? "" : plan.error().reason);
  EXPECT_TRUE(plan && plan.value());
  return plan && plan.value() ? *plan.value() : NatPlan{};
}

TEST(NatBehavior, TheServerListensOnBothIpsTimesBothPorts) {
  const auto addresses = nat_listen_addresses(kAddresses);
  EXPECT_EQ(addresses[0], kPrimary);
  EXPECT_EQ(addresses[1], kPrimaryIpAlternatePort);
  EXPECT_EQ(addresses[2], kAlternateIpPrimaryPort);
  EXPECT_EQ(addresses[3], kAlternate);
}

TEST(NatBehavior, OtherAddressDiffersFromTheArrivalAddressInIpAndPort) {
  struct Case {
    Endpoint arrival;
    Endpoint other;
  };
  const Case cases[] = {{kPrimary, kAlternate},
                        {kAlternate, kPrimary},
                        {kPrimaryIpAlternatePort, kAlternateIpPrimaryPort},
                        {kAlternateIpPrimaryPort, kPrimaryIpAlternatePort}};
  for (const auto& c : cases) {
    SCOPED_TRACE(c.arrival.to_string());
    const NatPlan plan = plan_for(binding(), c.arrival);
    EXPECT_EQ(plan.other, c.other);
    EXPECT_EQ(plan.origin, c.arrival) << "no CHANGE-REQUEST: answered from where it arrived";
    EXPECT_EQ(plan.destination, kClient);
    EXPECT_EQ(plan.padding, 0u);
  }
}

TEST(NatBehavior, ChangeRequestPicksTheOriginOfTheAnswer) {
  EXPECT_EQ(plan_for(change(true, false), kPrimary).origin, kAlternateIpPrimaryPort);
  EXPECT_EQ(plan_for(change(false, true), kPrimary).origin, kPrimaryIpAlternatePort);
  EXPECT_EQ(plan_for(change(true, true), kPrimary).origin, kAlternate);
  EXPECT_EQ(plan_for(change(true, true), kAlternate).origin, kPrimary);
  EXPECT_EQ(plan_for(change(false, false), kPrimary).origin, kPrimary) << "JSTUN's empty CHANGE-REQUEST";
}

TEST(NatBehavior, ResponsePortRedirectsTheAnswerToThatPortOfTheSource) {
  const NatPlan plan = plan_for(binding([](MessageBuilder& b) { b.add(ResponsePort{5000}); }), kPrimary);
  EXPECT_EQ(plan.destination, (Endpoint{kClient.address, 5000}));
}

TEST(NatBehavior, PaddingMakesTheAnswerAsLargeAsTheRequestAndNeverLarger) {
  for (std::size_t request_padding : {0u, 8u, 100u, 1400u}) {
    SCOPED_TRACE(request_padding);
    const Request request = binding([&](MessageBuilder& b) { b.add(Padding{request_padding}); });
    const NatPlan plan = plan_for(request, kPrimary);
    std::array<std::byte, 2048> buffer{};
    auto answer = build_nat_binding_success(request.view(), kClient, plan, buffer);
    ASSERT_TRUE(answer) << answer.error().to_string();
    EXPECT_LE(answer.value().size(), request.bytes.size() + 64) << "only the addresses may add size";
    if (request_padding >= 100) {
      EXPECT_LE(answer.value().size(), request.bytes.size());
      EXPECT_GE(answer.value().size() + 4, request.bytes.size());
      EXPECT_TRUE(MessageView::parse(answer.value()).value().get<Padding>().value().has_value());
    }
  }
}

TEST(NatBehavior, APaddedAnswerIsCutToTheBufferItIsWrittenTo) {
  const Request request = binding([](MessageBuilder& b) { b.add(Padding{3000}); });
  const NatPlan plan = plan_for(request, kPrimary);
  std::array<std::byte, 1024> buffer{};
  auto answer = build_nat_binding_success(request.view(), kClient, plan, buffer);
  ASSERT_TRUE(answer) << answer.error().to_string();
  EXPECT_LE(answer.value().size(), buffer.size());
  EXPECT_GT(answer.value().size(), 900u);
}

TEST(NatBehavior, RefusesWhatRfc5780DoesNotAllow) {
  struct Case {
    const char* name;
    Request request;
    Endpoint arrival;
    bool datagram;
    ErrorCode code;
  };
  const Case cases[] = {
      {"change over TCP", change(true, false), kPrimary, false, ErrorCode::bad_request},
      {"RESPONSE-PORT over TCP", binding([](MessageBuilder& b) { b.add(ResponsePort{5000}); }), kPrimary, false,
       ErrorCode::bad_request},
      {"PADDING with RESPONSE-PORT",
       binding([](MessageBuilder& b) { b.add(Padding{8}).add(ResponsePort{5000}); }), kPrimary, true,
       ErrorCode::bad_request},
      {"change on an address without an alternate", change(false, true),
       Endpoint::parse("[2001:db8::1]:3478").value(), true, ErrorCode::unknown_attribute},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto plan = plan_nat_binding(c.request.view(), c.request.bytes.size(), kClient, c.arrival, c.datagram, kAddresses);
    ASSERT_FALSE(plan);
    EXPECT_EQ(plan.error().code, c.code);
  }
}

TEST(NatBehavior, AnotherListenerAnswersAsWithoutRfc5780) {
  const Request request = binding();
  auto plan = plan_nat_binding(request.view(), request.bytes.size(), kClient, Endpoint::parse("[2001:db8::1]:3478").value(),
                               true, kAddresses);
  ASSERT_TRUE(plan);
  EXPECT_FALSE(plan.value());
  // A plain request over TCP on an RFC 5780 address is answered too (RESPONSE-ORIGIN and
  // OTHER-ADDRESS, nothing to change).
  EXPECT_EQ(plan_for(request, kPrimary, false).other, kAlternate);
}

TEST(NatBehavior, TheAnswerCarriesTheMappedAddressTheOriginAndTheOtherAddress) {
  const Request request = change(true, true);
  const NatPlan plan = plan_for(request, kPrimary);
  std::array<std::byte, 256> buffer{};
  auto bytes = build_nat_binding_success(request.view(), kClient, plan, buffer);
  ASSERT_TRUE(bytes) << bytes.error().to_string();
  const MessageView answer = MessageView::parse(bytes.value()).value();
  EXPECT_EQ(answer.type(), (MessageType{Method::binding, Class::success}));
  EXPECT_EQ(answer.transaction_id(), request.view().transaction_id());
  EXPECT_EQ(answer.get<XorMappedAddress>().value()->endpoint, kClient);
  EXPECT_EQ(answer.get<ResponseOrigin>().value()->endpoint, kAlternate);
  EXPECT_EQ(answer.get<OtherAddress>().value()->endpoint, kAlternate);
  EXPECT_FALSE(answer.get<Padding>().value().has_value());
  EXPECT_TRUE(verify_fingerprint(answer));
}

}  // namespace
}  // namespace iceway::stun
