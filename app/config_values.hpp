#pragma once
// Parsers for the value syntaxes the config file and flags share: durations ("30s", "1h30m",
// "500ms"), byte quantities ("0", "64KiB", "10M"), port ranges ("49152-65535") and the
// external_ip form "PUBLIC" or "PUBLIC/PRIVATE". Pure functions; each error says what the
// accepted form is, because the message goes straight to an operator.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "common/endpoint.hpp"
#include "common/result.hpp"

namespace iceway::app {

// "1h30m", "45s", "500ms", "2d"; a bare number means seconds.
Result<std::chrono::milliseconds, std::string> parse_duration(std::string_view text);
// "1048576", "64KiB", "1MiB", "10M", "500k" (k/M/G are powers of 1000; KiB/MiB/GiB of 1024).
Result<std::uint64_t, std::string> parse_bytes(std::string_view text);
// "49152-65535" (inclusive, first <= last, nonzero).
Result<std::pair<std::uint16_t, std::uint16_t>, std::string> parse_port_range(std::string_view text);

struct ExternalIp {
  IpAddress public_ip;
  std::optional<IpAddress> private_ip;
};
// "203.0.113.7" or "203.0.113.7/10.0.0.5" (coturn's external-ip). Either part may not be
// an address relay_address_problem() refuses.
Result<ExternalIp, std::string> parse_external_ip(std::string_view text);

// Why `address` cannot be where relays are opened or advertised (turn.relay_ipv4,
// turn.relay_ipv6, server.external_ip), or nothing. The unspecified address would be
// advertised to clients as-is in XOR-RELAYED-ADDRESS ("0.0.0.0:port"), and multicast and
// broadcast addresses cannot be a UDP source at all.
std::optional<std::string> relay_address_problem(const IpAddress& address);

// Prints a duration the way the config accepts it ("1h", "30s", "1500ms").
std::string format_duration(std::chrono::milliseconds duration);

}  // namespace iceway::app
