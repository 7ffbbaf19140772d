#include "app/address_warnings.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace iceway::app {
namespace {

IpAddress ip(const char* text) { return *IpAddress::parse(text); }

TEST(UnreachableKind, NamesEachRangeAtItsEdgesAndLeavesPublicAddressesAlone) {
  struct Case {
    const char* address;
    const char* kind;  // a word of the kind, or nullptr for public
  };
  const Case cases[] = {
      {"10.0.0.1", "RFC 1918"},          {"10.255.255.255", "RFC 1918"},  {"11.0.0.1", nullptr},
      {"172.16.0.1", "RFC 1918"},        {"172.31.255.255", "RFC 1918"},  {"172.32.0.1", nullptr},
      {"172.15.255.255", nullptr},       {"192.168.1.1", "RFC 1918"},     {"192.169.0.1", nullptr},
      {"100.64.0.1", "RFC 6598"},        {"100.127.255.255", "RFC 6598"}, {"100.128.0.1", nullptr},
      {"100.63.255.255", nullptr},       {"192.0.2.10", "RFC 5737"},      {"192.0.3.1", nullptr},
      {"198.51.100.7", "RFC 5737"},      {"203.0.113.5", "RFC 5737"},     {"203.0.114.5", nullptr},
      {"fd00::1", "RFC 4193"},           {"fc00::1", "RFC 4193"},         {"fe80::1", nullptr},
      {"2001:db8::1", "RFC 3849"},       {"2001:db9::1", nullptr},        {"2a01:4f8::1", nullptr},
      {"8.8.8.8", nullptr},              {"127.0.0.1", nullptr},          {"::1", nullptr},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.address);
    const auto kind = unreachable_kind(ip(c.address));
    if (c.kind == nullptr) {
      EXPECT_FALSE(kind.has_value()) << *kind;
    } else {
      ASSERT_TRUE(kind.has_value());
      EXPECT_NE(kind->find(c.kind), std::string_view::npos) << *kind;
    }
  }
}

// A VPS with a public address on its interface, metrics on loopback: nothing to say.
Config public_server() {
  Config config;
  config.turn.relay_ipv4 = ip("198.18.0.10");  // benchmarking range: not in the warned lists
  config.turn.relay_ipv6 = ip("2a01:4f8::10");
  config.server.public_host = "198.18.0.10";
  return config;
}

bool mentions(const std::vector<std::string>& warnings, const std::string& text) {
  for (const auto& warning : warnings)
    if (warning.find(text) != std::string::npos) return true;
  return false;
}

TEST(AddressWarnings, APublicServerWithLoopbackAdminHasNone) {
  EXPECT_TRUE(address_warnings(public_server()).empty());
}

TEST(AddressWarnings, APrivateRelayWithoutExternalIpIsNamedWithItsKeyAndTheFix) {
  Config config = public_server();
  config.turn.relay_ipv4 = ip("10.0.0.5");
  config.server.public_host = "10.0.0.5";
  const auto warnings = address_warnings(config);
  ASSERT_EQ(warnings.size(), 1u) << warnings.front();  // public_host is the same address: said once
  EXPECT_TRUE(mentions(warnings, "turn.relay_ipv4 = \"10.0.0.5\" is private (RFC 1918)"));
  EXPECT_TRUE(mentions(warnings, "server.external_ip = \"PUBLIC/10.0.0.5\""));
}

TEST(AddressWarnings, ExternalIpMapsAPrivateRelaySoNothingIsSaid) {
  Config config = public_server();
  config.turn.relay_ipv4 = ip("10.0.0.5");
  config.turn.relay_ipv6 = ip("fd00::5");
  config.server.public_host = "10.0.0.5";
  config.turn.external_public_ip = ip("198.18.0.10");
  EXPECT_TRUE(address_warnings(config).empty());
}

TEST(AddressWarnings, EachUnreachableAddressIsNamed) {
  struct Case {
    const char* name;
    void (*change)(Config&);
    const char* expected;
  };
  const Case cases[] = {
      {"ULA relay", [](Config& c) { c.turn.relay_ipv6 = ip("fd12::1"); }, "turn.relay_ipv6 = \"fd12::1\" is a unique local"},
      {"CGNAT relay", [](Config& c) { c.turn.relay_ipv4 = ip("100.64.1.1"); }, "carrier-grade NAT"},
      {"documentation public_host", [](Config& c) { c.server.public_host = "203.0.113.5"; },
       "server.public_host = \"203.0.113.5\""},
      {"documentation external_ip", [](Config& c) { c.turn.external_public_ip = ip("192.0.2.1"); },
       "server.external_ip = \"192.0.2.1\" is a documentation address"},
      {"IPv6 documentation relay", [](Config& c) { c.turn.relay_ipv6 = ip("2001:db8::7"); }, "RFC 3849"},
      {"admin on every address", [](Config& c) { c.admin.listen = *Endpoint::parse("0.0.0.0:9641"); },
       "admin.listen = \"0.0.0.0:9641\" is not a loopback address"},
      {"admin on a public address", [](Config& c) { c.admin.listen = *Endpoint::parse("[2a01:4f8::10]:9641"); },
       "admin.listen = \"[2a01:4f8::10]:9641\""},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    Config config = public_server();
    c.change(config);
    const auto warnings = address_warnings(config);
    EXPECT_EQ(warnings.size(), 1u);
    EXPECT_TRUE(mentions(warnings, c.expected)) << (warnings.empty() ? "" : warnings.front());
  }
}

TEST(AddressWarnings, ANamedPublicHostIsNotAnAddressAndIsNotJudged) {
  Config config = public_server();
  config.server.public_host = "turn.example.com";
  EXPECT_TRUE(address_warnings(config).empty());
}

}  // namespace
}  // namespace iceway::app
