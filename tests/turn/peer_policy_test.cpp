#include "turn/peer_policy.hpp"

#include <gtest/gtest.h>

#include <array>
#include <set>

#include "tests/turn/printers.hpp"
#include "turn/settings.hpp"

namespace iceway::turn {
namespace {

IpAddress ip(const std::string& text) {
  auto address = IpAddress::parse(text);
  EXPECT_TRUE(address) << text;
  return address.value_or(IpAddress{});
}

class FakeLiveRelays final : public LiveRelays {
 public:
  std::set<Endpoint> endpoints;
  bool contains(const Endpoint& advertised) const override { return endpoints.count(advertised) > 0; }
};

PeerPolicy make_policy(PeerPolicyConfig config = {}) {
  auto policy = PeerPolicy::create(config);
  EXPECT_TRUE(policy);
  return std::move(policy).value();
}

PeerDecision check(const PeerPolicy& policy, const std::string& address, std::uint16_t port = 9) {
  return policy.check(Endpoint{ip(address), port}, NoLiveRelays{});
}

// The IPv6 encodings of an IPv4 address that SPEC §9 requires the policy to see through.
struct Encoding {
  const char* name;
  std::array<std::uint8_t, 16> (*encode)(const std::array<std::uint8_t, 4>&);
};
const Encoding kEncodings[] = {
    {"ipv4-mapped ::ffff:0:0/96",
     [](const std::array<std::uint8_t, 4>& v4) {
       return std::array<std::uint8_t, 16>{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, v4[0], v4[1], v4[2], v4[3]};
     }},
    {"ipv4-translated ::ffff:0:0:0/96",
     [](const std::array<std::uint8_t, 4>& v4) {
       return std::array<std::uint8_t, 16>{0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, v4[0], v4[1], v4[2], v4[3]};
     }},
    {"ipv4-compatible ::/96",
     [](const std::array<std::uint8_t, 4>& v4) {
       return std::array<std::uint8_t, 16>{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, v4[0], v4[1], v4[2], v4[3]};
     }},
    {"nat64 64:ff9b::/96",
     [](const std::array<std::uint8_t, 4>& v4) {
       return std::array<std::uint8_t, 16>{0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0, v4[0], v4[1], v4[2], v4[3]};
     }},
    {"6to4 2002::/16",
     [](const std::array<std::uint8_t, 4>& v4) {
       return std::array<std::uint8_t, 16>{0x20, 0x02, v4[0], v4[1], v4[2], v4[3], 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
     }},
};

std::array<std::uint8_t, 4> v4_bytes(const IpAddress& a) { return {a.bytes()[0], a.bytes()[1], a.bytes()[2], a.bytes()[3]}; }

TEST(PeerPolicy, DefaultListIsExactlySpecSection9) {
  std::vector<std::string> printed;
  for (const auto& cidr : PeerPolicy::default_deny_list()) printed.push_back(cidr.to_string());
  const std::vector<std::string> expected = {
      "0.0.0.0/8",      "10.0.0.0/8",      "100.64.0.0/10",  "127.0.0.0/8",   "169.254.0.0/16", "172.16.0.0/12",
      "192.0.0.0/24",   "192.0.2.0/24",    "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24",
      "224.0.0.0/3",    "::/128",          "::1/128",        "fc00::/7",      "fe80::/10",      "fec0::/10",
      "ff00::/8",       "2001::/32",       "2001:db8::/32",  "64:ff9b:1::/48",
  };
  EXPECT_EQ(printed, expected);
}

TEST(PeerPolicy, DeniesBothEndsOfEveryDefaultRangeAndAllowsItsNeighbours) {
  struct Case {
    const char* range;
    std::vector<const char*> inside;
    PeerReason reason;
    std::vector<const char*> outside;  // public neighbours just past the range's ends
  };
  const std::vector<Case> cases = {
      {"0.0.0.0/8", {"0.0.0.1", "0.255.255.255"}, PeerReason::default_range, {"1.0.0.0"}},
      {"10.0.0.0/8", {"10.0.0.0", "10.255.255.255"}, PeerReason::default_range, {"9.255.255.255", "11.0.0.0"}},
      {"100.64.0.0/10", {"100.64.0.0", "100.127.255.255"}, PeerReason::default_range,
       {"100.63.255.255", "100.128.0.0"}},
      {"127.0.0.0/8", {"127.0.0.0", "127.0.0.1", "127.255.255.255"}, PeerReason::loopback,
       {"126.255.255.255", "128.0.0.0"}},
      {"169.254.0.0/16", {"169.254.0.0", "169.254.169.254", "169.254.255.255"}, PeerReason::default_range,
       {"169.253.255.255", "169.255.0.0"}},
      {"172.16.0.0/12", {"172.16.0.0", "172.31.255.255"}, PeerReason::default_range,
       {"172.15.255.255", "172.32.0.0"}},
      {"192.0.0.0/24", {"192.0.0.0", "192.0.0.255"}, PeerReason::default_range, {"191.255.255.255", "192.0.1.0"}},
      {"192.0.2.0/24", {"192.0.2.0", "192.0.2.255"}, PeerReason::default_range, {"192.0.1.255", "192.0.3.0"}},
      {"192.168.0.0/16", {"192.168.0.0", "192.168.255.255"}, PeerReason::default_range,
       {"192.167.255.255", "192.169.0.0"}},
      {"198.18.0.0/15", {"198.18.0.0", "198.19.255.255"}, PeerReason::default_range,
       {"198.17.255.255", "198.20.0.0"}},
      {"198.51.100.0/24", {"198.51.100.0", "198.51.100.255"}, PeerReason::default_range,
       {"198.51.99.255", "198.51.101.0"}},
      {"203.0.113.0/24", {"203.0.113.0", "203.0.113.255"}, PeerReason::default_range,
       {"203.0.112.255", "203.0.114.0"}},
      {"224.0.0.0/3", {"224.0.0.0", "239.255.255.250", "255.255.255.255"}, PeerReason::default_range,
       {"223.255.255.255"}},
      {"::/128", {"::"}, PeerReason::unspecified, {}},
      {"::1/128", {"::1"}, PeerReason::loopback, {}},
      {"fc00::/7", {"fc00::", "fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"}, PeerReason::default_range,
       {"fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "fe00::"}},
      {"fe80::/10", {"fe80::", "febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff"}, PeerReason::default_range,
       {"fe7f:ffff:ffff:ffff:ffff:ffff:ffff:ffff"}},
      {"fec0::/10", {"fec0::", "feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"}, PeerReason::default_range, {}},
      {"ff00::/8", {"ff00::", "ff02::1", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"}, PeerReason::default_range, {}},
      {"2001::/32", {"2001::", "2001:0:ffff:ffff:ffff:ffff:ffff:ffff"}, PeerReason::default_range,
       {"2000:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "2001:1::"}},
      {"2001:db8::/32", {"2001:db8::", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"}, PeerReason::default_range,
       {"2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", "2001:db9::"}},
      {"64:ff9b:1::/48", {"64:ff9b:1::", "64:ff9b:1::808:808", "64:ff9b:1:ffff:ffff:ffff:ffff:ffff"},
       PeerReason::default_range, {"64:ff9b:2::", "64:ff9b:0:ffff:ffff:ffff:ffff:ffff"}},
  };
  const PeerPolicy policy = make_policy();
  for (const auto& c : cases) {
    for (const char* address : c.inside) {
      SCOPED_TRACE(std::string(c.range) + " inside " + address);
      const auto decision = check(policy, address);
      EXPECT_FALSE(decision.allowed);
      EXPECT_EQ(label(decision.reason), label(c.reason));
    }
    for (const char* address : c.outside) {
      SCOPED_TRACE(std::string(c.range) + " outside " + address);
      const auto decision = check(policy, address);
      EXPECT_TRUE(decision.allowed);
      EXPECT_EQ(decision.reason, PeerReason::public_address);
    }
  }
}

TEST(PeerPolicy, EveryIpv6EncodingOfADeniedIpv4AddressIsDenied) {
  // One address from every IPv4 range of the default list (0.0.0.1 would be ::1 in the
  // IPv4-compatible form, which keeps its loopback meaning; see NativeIpv6AddressesAreNotReduced).
  const char* denied[] = {"0.0.0.7",     "10.1.2.3",     "100.64.1.1",   "127.0.0.1",    "169.254.169.254",
                          "172.16.5.4",  "192.0.0.8",    "192.0.2.1",    "192.168.1.1",  "198.18.0.1",
                          "198.51.100.7", "203.0.113.9", "224.0.0.1",    "255.255.255.255"};
  const PeerPolicy policy = make_policy();
  for (const char* text : denied) {
    const IpAddress v4 = ip(text);
    const auto direct = check(policy, text);
    ASSERT_FALSE(direct.allowed) << text;
    for (const auto& encoding : kEncodings) {
      const IpAddress v6 = IpAddress::v6(encoding.encode(v4_bytes(v4)));
      SCOPED_TRACE(std::string(encoding.name) + " of " + text + " = " + v6.to_string());
      EXPECT_EQ(reduce_embedded_ipv4(v6), v4);
      const auto decision = policy.check(Endpoint{v6, 9}, NoLiveRelays{});
      EXPECT_FALSE(decision.allowed);
      EXPECT_EQ(decision.reason, direct.reason);
      EXPECT_EQ(decision.effective, v4);
    }
  }
}

TEST(PeerPolicy, EveryIpv6EncodingOfAPublicIpv4AddressIsAllowed) {
  const PeerPolicy policy = make_policy();
  const IpAddress v4 = ip("8.8.4.4");
  for (const auto& encoding : kEncodings) {
    SCOPED_TRACE(encoding.name);
    const auto decision = policy.check(Endpoint{IpAddress::v6(encoding.encode(v4_bytes(v4))), 53}, NoLiveRelays{});
    EXPECT_TRUE(decision.allowed);
    EXPECT_EQ(decision.effective, v4);
  }
}

TEST(PeerPolicy, UnspecifiedAddressesAreRefusedInEveryFormEvenWhenAllowed) {
  PeerPolicyConfig config;
  config.allow = {"0.0.0.0/0", "::/0"};
  config.allow_loopback_peers = true;
  const PeerPolicy policy = make_policy(config);
  for (const char* text : {"0.0.0.0", "::", "::ffff:0.0.0.0", "64:ff9b::", "2002::"}) {
    SCOPED_TRACE(text);
    const auto decision = check(policy, text);
    EXPECT_FALSE(decision.allowed);
    EXPECT_EQ(decision.reason, PeerReason::unspecified);
  }
}

TEST(PeerPolicy, NativeIpv6AddressesAreNotReduced) {
  for (const char* text : {"2001:4860:4860::8888", "::1", "::", "fe80::1", "2001::a00:1", "64:ff9b:1::a00:1"}) {
    SCOPED_TRACE(text);
    EXPECT_EQ(reduce_embedded_ipv4(ip(text)), ip(text));
  }
  EXPECT_EQ(reduce_embedded_ipv4(ip("10.0.0.1")), ip("10.0.0.1"));
}

TEST(PeerPolicy, LoopbackNeedsAllowLoopbackPeers) {
  PeerPolicyConfig config;
  config.allow_loopback_peers = true;
  const PeerPolicy open = make_policy(config);
  const PeerPolicy closed = make_policy();
  for (const char* text : {"127.0.0.1", "127.3.2.1", "::1", "::ffff:127.0.0.1", "2002:7f00:1::"}) {
    SCOPED_TRACE(text);
    EXPECT_EQ(check(closed, text).reason, PeerReason::loopback);
    EXPECT_FALSE(check(closed, text).allowed);
    EXPECT_EQ(check(open, text).reason, PeerReason::loopback_allowed);
    EXPECT_TRUE(check(open, text).allowed);
  }
  // It opens loopback only, not the rest of the default list.
  EXPECT_FALSE(check(open, "10.0.0.1").allowed);
}

TEST(PeerPolicy, ConfigAllowOpensDefaultRangesAndDenyWinsOverAllow) {
  PeerPolicyConfig config;
  config.allow = {"10.0.0.0/8", "fc00::/7", "2002::/16"};
  config.deny = {"10.9.0.0/16", "8.8.8.0/24", "2001:4860::/32"};
  const PeerPolicy policy = make_policy(config);
  struct Case {
    const char* address;
    bool allowed;
    PeerReason reason;
  };
  const Case cases[] = {
      {"10.1.2.3", true, PeerReason::config_allow},
      {"::ffff:10.1.2.3", true, PeerReason::config_allow},
      {"fd00::1", true, PeerReason::config_allow},
      {"10.9.1.1", false, PeerReason::config_deny},
      {"64:ff9b::a09:101", false, PeerReason::config_deny},  // 10.9.1.1 through NAT64
      {"8.8.8.8", false, PeerReason::config_deny},
      {"2002:808:808::1", false, PeerReason::config_deny},  // 8.8.8.8 through 6to4
      {"2001:4860:4860::8888", false, PeerReason::config_deny},
      {"8.8.4.4", true, PeerReason::public_address},
      // Allowing 2002::/16 does not re-open a 6to4 form of a denied IPv4 range.
      {"2002:c0a8:101::", false, PeerReason::default_range},  // 192.168.1.1
      {"192.168.1.1", false, PeerReason::default_range},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.address);
    const auto decision = check(policy, c.address);
    EXPECT_EQ(decision.allowed, c.allowed);
    EXPECT_EQ(label(decision.reason), label(c.reason));
  }
}

TEST(PeerPolicy, DenyOfAnIpv6PrefixMatchesTheOriginalForm) {
  PeerPolicyConfig config;
  config.deny = {"2002::/16"};
  const PeerPolicy policy = make_policy(config);
  EXPECT_EQ(check(policy, "2002:808:808::").reason, PeerReason::config_deny);
  EXPECT_TRUE(check(policy, "8.8.8.8").allowed);
}

TEST(PeerPolicy, OwnLiveRelaysAreAllowedAndNothingElseOnTheServerAddresses) {
  Settings settings;
  settings.relay_ipv4 = ip("93.184.216.34");
  settings.relay_ipv6 = ip("2606:2800:220:1::10");
  settings.external_public_ip = ip("34.120.1.2");
  settings.external_private_ip = ip("10.128.0.2");
  settings.listen = {Endpoint{ip("0.0.0.0"), 3478}, Endpoint{ip("93.184.216.35"), 3478}};
  const PeerPolicy policy = make_policy(PeerPolicyConfig::from(settings));
  FakeLiveRelays live;
  live.endpoints = {Endpoint{ip("93.184.216.34"), 50000}, Endpoint{ip("34.120.1.2"), 50002},
                    Endpoint{ip("2606:2800:220:1::10"), 50004}};
  struct Case {
    const char* address;
    std::uint16_t port;
    bool allowed;
    PeerReason reason;
  };
  const Case cases[] = {
      {"93.184.216.34", 50000, true, PeerReason::own_relay},
      {"::ffff:93.184.216.34", 50000, true, PeerReason::own_relay},
      {"34.120.1.2", 50002, true, PeerReason::own_relay},
      {"2606:2800:220:1::10", 50004, true, PeerReason::own_relay},
      {"93.184.216.34", 50001, false, PeerReason::server_address},
      {"93.184.216.34", 3478, false, PeerReason::server_address},
      {"93.184.216.35", 22, false, PeerReason::server_address},
      {"34.120.1.2", 9641, false, PeerReason::server_address},
      {"2002:5db8:d822::", 50001, false, PeerReason::server_address},
      {"2606:2800:220:1::10", 50005, false, PeerReason::server_address},
      {"10.128.0.2", 50002, false, PeerReason::server_address},
      {"93.184.216.36", 50000, true, PeerReason::public_address},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(std::string(c.address) + " port " + std::to_string(c.port));
    const auto decision = policy.check(Endpoint{ip(c.address), c.port}, live);
    EXPECT_EQ(decision.allowed, c.allowed);
    EXPECT_EQ(label(decision.reason), label(c.reason));
  }
}

TEST(PeerPolicy, ConfigAllowDoesNotOpenTheServersOwnAddress) {
  PeerPolicyConfig config;
  config.allow = {"0.0.0.0/0"};
  config.server_addresses = {ip("93.184.216.34")};
  const PeerPolicy policy = make_policy(config);
  EXPECT_EQ(check(policy, "93.184.216.34", 22).reason, PeerReason::server_address);
}

TEST(PeerPolicy, EveryHostAddressIsDeniedInEveryFormAndOnlyLiveRelaysStayReachable) {
  // A multi-homed host: relay on 93.184.216.34, SSH and an admin API on its other
  // addresses, none of them configured anywhere in iceway.
  Settings settings;
  settings.relay_ipv4 = ip("93.184.216.34");
  PeerPolicyConfig config = PeerPolicyConfig::from(settings);
  config.host_addresses = {ip("93.184.216.34"), ip("198.51.100.7"), ip("44.1.2.3"), ip("2a01:4f8::1"),
                           ip("127.0.0.1"), ip("::1"), ip("0.0.0.0")};
  config.allow = {"0.0.0.0/0", "::/0"};  // not even an allow-all opens the host's own addresses
  const PeerPolicy policy = make_policy(config);
  FakeLiveRelays live;
  live.endpoints = {Endpoint{ip("93.184.216.34"), 50000}};

  EXPECT_EQ(label(policy.check(Endpoint{ip("93.184.216.34"), 50000}, live).reason), "own_relay");
  for (const char* address : {"44.1.2.3", "::ffff:44.1.2.3", "64:ff9b::2c01:203", "2002:2c01:203::", "2a01:4f8::1",
                              "198.51.100.7"}) {
    SCOPED_TRACE(address);
    const auto decision = policy.check(Endpoint{ip(address), 22}, live);
    EXPECT_FALSE(decision.allowed);
    EXPECT_EQ(label(decision.reason), "server_address");
    EXPECT_TRUE(policy.is_server_address(ip(address)));
  }
  EXPECT_EQ(label(policy.check(Endpoint{ip("44.1.2.4"), 22}, live).reason), "config_allow");
}

TEST(PeerPolicy, AnAddressTheHostGainsIsDeniedByThePolicyBuiltFromTheNewSet) {
  PeerPolicyConfig config;
  EXPECT_TRUE(check(make_policy(config), "44.1.2.3").allowed);
  config.host_addresses = {ip("44.1.2.3")};
  EXPECT_EQ(label(check(make_policy(config), "44.1.2.3").reason), "server_address");
}

TEST(PeerPolicy, HostLoopbackAddressesFollowAllowLoopbackPeers) {
  PeerPolicyConfig config;
  config.host_addresses = {ip("127.0.0.1"), ip("::1")};
  EXPECT_EQ(label(check(make_policy(config), "127.0.0.1").reason), "server_address");
  config.allow_loopback_peers = true;
  EXPECT_EQ(label(check(make_policy(config), "127.0.0.1").reason), "loopback_allowed");
  EXPECT_EQ(label(check(make_policy(config), "::1").reason), "loopback_allowed");
}

TEST(PeerPolicy, LoopbackRelayIpIsReachableOnlyWithAllowLoopbackPeers) {
  // The single-host test setup: relay on 127.0.0.1, peer tool on 127.0.0.1.
  PeerPolicyConfig config;
  config.server_addresses = {ip("127.0.0.1")};
  EXPECT_EQ(check(make_policy(config), "127.0.0.1", 3480).reason, PeerReason::server_address);
  config.allow_loopback_peers = true;
  EXPECT_EQ(check(make_policy(config), "127.0.0.1", 3480).reason, PeerReason::loopback_allowed);
}

TEST(PeerPolicy, CreateReportsEveryBadCidrWithItsKey) {
  PeerPolicyConfig config;
  config.allow = {"10.0.0.0/8", "10.0.0.1/8"};
  config.deny = {"nonsense"};
  auto policy = PeerPolicy::create(config);
  ASSERT_FALSE(policy);
  ASSERT_EQ(policy.error().size(), 2u);
  EXPECT_EQ(policy.error()[0].rfind("peers.allow[1]: ", 0), 0u) << policy.error()[0];
  EXPECT_EQ(policy.error()[1].rfind("peers.deny[0]: ", 0), 0u) << policy.error()[1];
}

}  // namespace
}  // namespace iceway::turn
