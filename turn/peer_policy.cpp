#include "turn/peer_policy.hpp"

#include <algorithm>
#include <cassert>

#include "turn/settings.hpp"

namespace iceway::turn {
namespace {

bool all_zero(const std::array<std::uint8_t, 16>& b, std::size_t from, std::size_t to) {
  return std::all_of(b.begin() + static_cast<std::ptrdiff_t>(from), b.begin() + static_cast<std::ptrdiff_t>(to),
                     [](std::uint8_t x) { return x == 0; });
}

IpAddress v4_at(const std::array<std::uint8_t, 16>& b, std::size_t offset) {
  return IpAddress::v4(std::array<std::uint8_t, 4>{b[offset], b[offset + 1], b[offset + 2], b[offset + 3]});
}

std::vector<Cidr> parse_list(const std::vector<std::string>& texts, std::string_view key,
                             std::vector<std::string>& problems) {
  std::vector<Cidr> out;
  for (std::size_t i = 0; i < texts.size(); ++i) {
    auto cidr = Cidr::parse(texts[i]);
    if (cidr) {
      out.push_back(cidr.value());
    } else {
      problems.push_back(std::string(key) + "[" + std::to_string(i) + "]: " + cidr.error());
    }
  }
  return out;
}

bool any_contains(const std::vector<Cidr>& list, const IpAddress& address) {
  return std::any_of(list.begin(), list.end(), [&](const Cidr& c) { return c.contains(address); });
}

}  // namespace

std::string_view label(PeerReason reason) {
  switch (reason) {
    case PeerReason::public_address: return "public";
    case PeerReason::own_relay: return "own_relay";
    case PeerReason::config_allow: return "config_allow";
    case PeerReason::loopback_allowed: return "loopback_allowed";
    case PeerReason::unspecified: return "unspecified";
    case PeerReason::config_deny: return "config_deny";
    case PeerReason::server_address: return "server_address";
    case PeerReason::loopback: return "loopback";
    case PeerReason::default_range: return "default_range";
  }
  return "unknown";
}

IpAddress reduce_embedded_ipv4(const IpAddress& address) {
  if (!address.is_v6()) return address;
  const auto& b = address.bytes();
  // IPv4-mapped ::ffff:a.b.c.d (RFC 4291 §2.5.5.2).
  if (all_zero(b, 0, 10) && b[10] == 0xff && b[11] == 0xff) return v4_at(b, 12);
  // IPv4-translated ::ffff:0:a.b.c.d (RFC 2765 §2.1).
  if (all_zero(b, 0, 8) && b[8] == 0xff && b[9] == 0xff && b[10] == 0 && b[11] == 0) return v4_at(b, 12);
  // IPv4-compatible ::a.b.c.d (RFC 4291 §2.5.5.1, deprecated). :: and ::1 keep their IPv6
  // meaning (unspecified, loopback) so allow_loopback_peers treats ::1 like 127.0.0.1.
  if (all_zero(b, 0, 12)) {
    if (address.is_unspecified() || address.is_loopback()) return address;
    return v4_at(b, 12);
  }
  // NAT64 well-known prefix 64:ff9b::/96 (RFC 6052 §2.1).
  if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b && all_zero(b, 4, 12)) return v4_at(b, 12);
  // 6to4 2002:AABB:CCDD::/48 (RFC 3056 §2).
  if (b[0] == 0x20 && b[1] == 0x02) return v4_at(b, 2);
  return address;
}

PeerPolicyConfig PeerPolicyConfig::from(const Settings& settings) {
  PeerPolicyConfig config;
  config.allow_loopback_peers = settings.allow_loopback_peers;
  config.allow = settings.peer_allow;
  config.deny = settings.peer_deny;
  auto add = [&](const std::optional<IpAddress>& address) {
    if (address) config.server_addresses.push_back(*address);
  };
  add(settings.relay_ipv4);
  add(settings.relay_ipv6);
  add(settings.external_public_ip);
  add(settings.external_private_ip);
  for (const auto& endpoint : settings.listen) config.server_addresses.push_back(endpoint.address);
  for (const auto& endpoint : settings.tls_listen) config.server_addresses.push_back(endpoint.address);
  return config;
}

const std::vector<Cidr>& PeerPolicy::default_deny_list() {
  static const std::vector<Cidr> list = [] {
    // SPEC §9, in its order, plus the local-use NAT64 prefix it denies whole.
    constexpr const char* kRanges[] = {
        "0.0.0.0/8",      "10.0.0.0/8",     "100.64.0.0/10",   "127.0.0.0/8",     "169.254.0.0/16",
        "172.16.0.0/12",  "192.0.0.0/24",   "192.0.2.0/24",    "192.168.0.0/16",  "198.18.0.0/15",
        "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/3",    "::/128",          "::1/128",
        "fc00::/7",       "fe80::/10",      "fec0::/10",       "ff00::/8",        "2001::/32",
        "2001:db8::/32",  "64:ff9b:1::/48",
    };
    std::vector<Cidr> out;
    for (const char* text : kRanges) {
      auto cidr = Cidr::parse(text);
      assert(cidr);  // constant text above, covered by PeerPolicy tests
      out.push_back(cidr.value());
    }
    return out;
  }();
  return list;
}

Result<PeerPolicy, std::vector<std::string>> PeerPolicy::create(const PeerPolicyConfig& config) {
  std::vector<std::string> problems;
  PeerPolicy policy;
  policy.allow_loopback_peers_ = config.allow_loopback_peers;
  policy.allow_ = parse_list(config.allow, "peers.allow", problems);
  policy.deny_ = parse_list(config.deny, "peers.deny", problems);
  // Sorted, because a host may hold hundreds of addresses (container bridges, VPNs) and a
  // Send indication to one of them looks this up.
  for (const auto* list : {&config.server_addresses, &config.host_addresses}) {
    for (const auto& address : *list) {
      if (!address.is_unspecified()) policy.server_addresses_.push_back(reduce_embedded_ipv4(address));
    }
  }
  auto& addresses = policy.server_addresses_;
  std::sort(addresses.begin(), addresses.end());
  addresses.erase(std::unique(addresses.begin(), addresses.end()), addresses.end());
  if (!problems.empty()) return failure(std::move(problems));
  return policy;
}

bool PeerPolicy::is_server_address(const IpAddress& address) const {
  return is_effective_server_address(reduce_embedded_ipv4(address));
}

bool PeerPolicy::is_effective_server_address(const IpAddress& effective) const {
  return std::binary_search(server_addresses_.begin(), server_addresses_.end(), effective);
}

PeerDecision PeerPolicy::check(const Endpoint& peer, const LiveRelays& live_relays) const {
  const IpAddress& original = peer.address;
  const IpAddress effective = reduce_embedded_ipv4(original);
  auto decide = [&](bool allowed, PeerReason reason) { return PeerDecision{allowed, reason, effective}; };

  if (effective.is_unspecified()) return decide(false, PeerReason::unspecified);
  if (any_contains(deny_, original) || any_contains(deny_, effective)) return decide(false, PeerReason::config_deny);
  if (live_relays.contains(peer) || live_relays.contains(Endpoint{effective, peer.port})) {
    return decide(true, PeerReason::own_relay);
  }
  if (is_effective_server_address(effective) && !(effective.is_loopback() && allow_loopback_peers_)) {
    return decide(false, PeerReason::server_address);
  }
  if (any_contains(allow_, effective)) return decide(true, PeerReason::config_allow);
  if (effective.is_loopback()) {
    return allow_loopback_peers_ ? decide(true, PeerReason::loopback_allowed) : decide(false, PeerReason::loopback);
  }
  if (any_contains(default_deny_list(), effective)) return decide(false, PeerReason::default_range);
  return decide(true, PeerReason::public_address);
}

}  // namespace iceway::turn
