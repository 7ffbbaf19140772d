#include "app/address_warnings.hpp"

#include <array>
#include <cstdint>

namespace iceway::app {
namespace {

struct Range {
  std::array<std::uint8_t, 16> prefix;
  unsigned bits;
  AddressFamily family;
  std::string_view kind;
};

// The ranges a server on the Internet must not hand to clients as its own.
const std::array<Range, 8> kRanges{{
    {{10}, 8, AddressFamily::ipv4, "private (RFC 1918)"},
    {{172, 16}, 12, AddressFamily::ipv4, "private (RFC 1918)"},
    {{192, 168}, 16, AddressFamily::ipv4, "private (RFC 1918)"},
    {{100, 64}, 10, AddressFamily::ipv4, "in the carrier-grade NAT range 100.64.0.0/10 (RFC 6598)"},
    {{192, 0, 2}, 24, AddressFamily::ipv4, "a documentation address (RFC 5737)"},
    {{198, 51, 100}, 24, AddressFamily::ipv4, "a documentation address (RFC 5737)"},
    {{203, 0, 113}, 24, AddressFamily::ipv4, "a documentation address (RFC 5737)"},
    {{0xfc}, 7, AddressFamily::ipv6, "a unique local address (RFC 4193)"},
}};
const Range kIpv6Documentation{{0x20, 0x01, 0x0d, 0xb8}, 32, AddressFamily::ipv6,
                               "a documentation address (RFC 3849)"};

bool contains(const Range& range, const IpAddress& address) {
  if (address.family() != range.family) return false;
  const auto& bytes = address.bytes();
  for (unsigned bit = 0; bit < range.bits; ++bit) {
    const unsigned byte = bit / 8;
    const auto mask = static_cast<std::uint8_t>(0x80u >> (bit % 8));
    if ((bytes[byte] & mask) != (range.prefix[byte] & mask)) return false;
  }
  return true;
}

bool is_documentation(const IpAddress& address) {
  const auto kind = unreachable_kind(address);
  return kind && kind->starts_with("a documentation");
}

}  // namespace

std::optional<std::string_view> unreachable_kind(const IpAddress& address) {
  for (const Range& range : kRanges) {
    if (contains(range, address)) return range.kind;
  }
  if (contains(kIpv6Documentation, address)) return kIpv6Documentation.kind;
  return std::nullopt;
}

std::vector<std::string> address_warnings(const Config& config) {
  std::vector<std::string> warnings;
  const auto& external = config.turn.external_public_ip;
  if (external && is_documentation(*external)) {
    warnings.push_back("server.external_ip = \"" + external->to_string() + "\" is " +
                       std::string(*unreachable_kind(*external)) +
                       ", not a real one: clients are told to send there; write the public address of this server");
  }
  if (!external) {
    // Without external_ip the relay address is what XOR-RELAYED-ADDRESS tells clients.
    for (const auto& [key, address] : {std::pair{"turn.relay_ipv4", config.turn.relay_ipv4},
                                       std::pair{"turn.relay_ipv6", config.turn.relay_ipv6}}) {
      if (!address) continue;
      if (auto kind = unreachable_kind(*address)) {
        warnings.push_back(std::string(key) + " = \"" + address->to_string() + "\" is " + std::string(*kind) +
                           ", and server.external_ip is not set: clients outside that network cannot reach relays "
                           "there; behind NAT set server.external_ip = \"PUBLIC/" + address->to_string() + "\"");
      }
    }
    // public_host is what the turn: URLs and the ICE servers name.
    // An address already named as a relay above is not repeated.
    auto host = IpAddress::parse(config.server.public_host);
    if (host && host != config.turn.relay_ipv4 && host != config.turn.relay_ipv6) {
      if (auto kind = unreachable_kind(*host)) {
        warnings.push_back("server.public_host = \"" + host->to_string() + "\" (the host in the stun:/turn: URLs "
                           "handed to clients) is " + std::string(*kind) +
                           ", and server.external_ip is not set: set server.public_host to the name or address "
                           "clients reach, or server.external_ip");
      }
    }
  }
  const IpAddress& admin = config.admin.listen.address;
  if (!admin.is_loopback()) {
    warnings.push_back("admin.listen = \"" + config.admin.listen.to_string() +
                       "\" is not a loopback address: /metrics, /healthz and /readyz answer anyone who reaches it; "
                       "keep it on 127.0.0.1 (scrape through a tunnel) or firewall the port");
  }
  return warnings;
}

}  // namespace iceway::app
