#pragma once
// The key every per-source limit counts by. One IPv6 subscriber usually holds a whole /64 (often
// a /56 or /48), so counting IPv6 sources address by address lets one client open as many
// connections as it has addresses. IPv4 addresses are keyed as they are; IPv6 addresses are cut
// to their first `ipv6_prefix_bits` bits (the rest zeroed), so every address of that prefix
// shares one budget. Pure and allocation-free: it sits on the packet path of the limiters.
#include <cstdint>

#include "common/endpoint.hpp"

namespace iceway {

// The default prefix length of server.ipv6_prefix: a /64 is what one SLAAC network gets.
inline constexpr unsigned kDefaultIpv6SourcePrefix = 64;

// `ipv6_prefix_bits` is 1..128 (the config loader refuses other values); 128 keys each address.
IpAddress source_prefix(const IpAddress& address, unsigned ipv6_prefix_bits);

}  // namespace iceway
