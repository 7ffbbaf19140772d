#include "app/config_values.hpp"

#include <gtest/gtest.h>

namespace iceway::app {
namespace {

using namespace std::chrono_literals;

TEST(ParseDuration, AcceptsUnitsAndBareSeconds) {
  struct Case {
    const char* text;
    std::chrono::milliseconds expected;
  };
  const Case cases[] = {{"30s", 30s}, {"10m", 10min}, {"1h30m", 90min}, {"500ms", 500ms},
                        {"2d", 48h},  {"45", 45s},    {"0", 0ms},       {"1h0m5s", 3605s}};
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    auto result = parse_duration(c.text);
    ASSERT_TRUE(result) << result.error();
    EXPECT_EQ(result.value(), c.expected);
  }
}

TEST(ParseDuration, RejectsWithAMessageNamingTheForm) {
  for (const char* text : {"", "s", "10x", "1.5h", "-3s", "10 s", "h1", "5s3"}) {
    SCOPED_TRACE(text);
    auto result = parse_duration(text);
    ASSERT_FALSE(result);
    EXPECT_NE(result.error().find("duration"), std::string::npos) << result.error();
  }
}

TEST(ParseBytes, DecimalAndBinaryUnits) {
  EXPECT_EQ(parse_bytes("0").value(), 0u);
  EXPECT_EQ(parse_bytes("65536").value(), 65536u);
  EXPECT_EQ(parse_bytes("64KiB").value(), 65536u);
  EXPECT_EQ(parse_bytes("1MiB").value(), 1048576u);
  EXPECT_EQ(parse_bytes("10M").value(), 10'000'000u);
  EXPECT_EQ(parse_bytes("10MB").value(), 10'000'000u);
  EXPECT_EQ(parse_bytes("500k").value(), 500'000u);
  EXPECT_FALSE(parse_bytes("10X"));
  EXPECT_FALSE(parse_bytes("k"));
  EXPECT_FALSE(parse_bytes("99999999999999999999"));
}

TEST(ParsePortRange, BoundsAndOrder) {
  auto range = parse_port_range("49152-65535");
  ASSERT_TRUE(range);
  EXPECT_EQ(range.value().first, 49152);
  EXPECT_EQ(range.value().second, 65535);
  EXPECT_TRUE(parse_port_range("5000-5000"));
  for (const char* text : {"5000", "0-10", "10-5", "1-65536", "a-b", "-5", "5-"}) {
    SCOPED_TRACE(text);
    EXPECT_FALSE(parse_port_range(text));
  }
}

TEST(RelayAddressProblem, UnspecifiedMulticastAndBroadcastAreRefusedAndOrdinaryAddressesPass) {
  for (const char* bad : {"0.0.0.0", "::", "224.0.0.1", "239.255.255.255", "255.255.255.255", "ff02::1", "ff0e::1"}) {
    SCOPED_TRACE(bad);
    EXPECT_TRUE(relay_address_problem(*IpAddress::parse(bad)));
  }
  for (const char* good : {"203.0.113.7", "10.0.0.5", "127.0.0.1", "223.255.255.255", "240.0.0.1", "::1", "2001:db8::1",
                           "fe80::1"}) {
    SCOPED_TRACE(good);
    EXPECT_FALSE(relay_address_problem(*IpAddress::parse(good)));
  }
}

TEST(ParseExternalIp, PublicAndPublicSlashPrivate) {
  auto only = parse_external_ip("203.0.113.7");
  ASSERT_TRUE(only);
  EXPECT_EQ(only.value().public_ip.to_string(), "203.0.113.7");
  EXPECT_FALSE(only.value().private_ip);
  auto both = parse_external_ip("203.0.113.7/10.0.0.5");
  ASSERT_TRUE(both);
  EXPECT_EQ(both.value().private_ip->to_string(), "10.0.0.5");
  EXPECT_FALSE(parse_external_ip("example.com"));
  EXPECT_FALSE(parse_external_ip("203.0.113.7/nope"));
  EXPECT_FALSE(parse_external_ip("203.0.113.7/::1"));
  EXPECT_FALSE(parse_external_ip("0.0.0.0"));
  EXPECT_FALSE(parse_external_ip("203.0.113.7/0.0.0.0"));
  EXPECT_FALSE(parse_external_ip("239.1.2.3"));
}

TEST(FormatDuration, PrintsTheLargestWholeUnit) {
  EXPECT_EQ(format_duration(3600s), "1h");
  EXPECT_EQ(format_duration(90s), "90s");
  EXPECT_EQ(format_duration(120s), "2m");
  EXPECT_EQ(format_duration(1500ms), "1500ms");
}

}  // namespace
}  // namespace iceway::app
