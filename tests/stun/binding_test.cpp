#include "stun/binding.hpp"

#include <gtest/gtest.h>

#include <array>

#include "stun/attributes.hpp"
#include "stun/integrity.hpp"
#include "test_support.hpp"

namespace iceway::stun {
namespace {

using test::bytes_of;

TEST(BindingSuccess, ReportsTheSourceInBothAddressAttributes) {
  struct Case {
    const char* name;
    const char* source;
    const char* reported;
    bool ipv6;
  };
  const Case cases[] = {
      {"IPv4", "203.0.113.9:54321", "203.0.113.9:54321", false},
      {"IPv6", "[2001:db8::9]:443", "[2001:db8::9]:443", true},
      {"IPv4-mapped IPv6 from a dual-stack socket", "[::ffff:198.51.100.4]:3478", "198.51.100.4:3478", false},
  };
  const auto request_bytes = test::raw_message("0001", "");
  auto request = MessageView::parse(request_bytes);
  ASSERT_TRUE(request);
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    std::array<std::byte, 256> buffer{};
    auto bytes = build_binding_success(request.value(), Endpoint::parse(c.source).value(), "iceway", buffer);
    ASSERT_TRUE(bytes) << bytes.error().to_string();
    EXPECT_EQ(bytes.value().size(), binding_success_size(c.ipv6, 6));
    auto response = MessageView::parse(bytes.value());
    ASSERT_TRUE(response) << response.error().to_string();
    const MessageView& message = response.value();
    EXPECT_EQ(message.type(), (MessageType{Method::binding, Class::success}));
    EXPECT_EQ(message.transaction_id(), request.value().transaction_id());
    const Endpoint reported = Endpoint::parse(c.reported).value();
    EXPECT_EQ(message.get<XorMappedAddress>().value()->endpoint, reported);
    EXPECT_EQ(message.get<MappedAddress>().value()->endpoint, reported);
    EXPECT_EQ(message.get<Software>().value()->value, "iceway");
    EXPECT_TRUE(verify_fingerprint(message));
    EXPECT_EQ(message.fingerprint()->offset + 8, bytes.value().size()) << "FINGERPRINT is last";
  }
}

TEST(BindingSuccess, AnswersTheRfc5769SampleRequestEchoingItsTransaction) {
  const auto request_bytes = bytes_of(test::kSampleRequest);
  auto request = MessageView::parse(request_bytes);
  ASSERT_TRUE(request);
  std::array<std::byte, 128> buffer{};
  auto bytes = build_binding_success(request.value(), Endpoint::parse("192.0.2.1:32853").value(), "", buffer);
  ASSERT_TRUE(bytes);
  // Without SOFTWARE: header, XOR-MAPPED-ADDRESS, MAPPED-ADDRESS, FINGERPRINT.
  EXPECT_EQ(test::hex_of(bytes.value()),
            "010100202112a442b7e7a701bc34d686fa87dfae"
            "00200008" "0001a147e112a643"
            "00010008" "00018055c0000201"
            "80280004" + test::hex_of(bytes.value().last(4)));
  auto response = MessageView::parse(bytes.value());
  ASSERT_TRUE(response);
  EXPECT_TRUE(verify_fingerprint(response.value()));
  EXPECT_FALSE(response.value().contains(AttributeType::software));
}

TEST(BindingSuccess, FailsWhenTheBufferIsTooSmall) {
  const auto request_bytes = test::raw_message("0001", "");
  auto request = MessageView::parse(request_bytes);
  ASSERT_TRUE(request);
  std::array<std::byte, 63> buffer{};  // needs 64 with SOFTWARE "iceway"
  auto bytes = build_binding_success(request.value(), Endpoint::parse("203.0.113.9:1").value(), "iceway", buffer);
  ASSERT_FALSE(bytes);
  EXPECT_EQ(bytes.error().reason, BuildErrorReason::buffer_too_small);
}

TEST(UnmapIpv4, OnlyUnmapsTheMappedPrefix) {
  EXPECT_EQ(unmap_ipv4(IpAddress::parse("::ffff:1.2.3.4").value()), IpAddress::parse("1.2.3.4").value());
  EXPECT_EQ(unmap_ipv4(IpAddress::parse("::1.2.3.4").value()), IpAddress::parse("::1.2.3.4").value());
  EXPECT_EQ(unmap_ipv4(IpAddress::parse("64:ff9b::1.2.3.4").value()), IpAddress::parse("64:ff9b::1.2.3.4").value());
  EXPECT_EQ(unmap_ipv4(IpAddress::parse("1.2.3.4").value()), IpAddress::parse("1.2.3.4").value());
}

}  // namespace
}  // namespace iceway::stun
