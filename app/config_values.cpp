#include "app/config_values.hpp"

#include <cctype>
#include <charconv>
#include <limits>

namespace iceway::app {

namespace {

// Reads leading decimal digits; returns how many were consumed (0 = none or overflow).
std::size_t read_number(std::string_view text, std::uint64_t& value) {
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc()) return 0;
  return static_cast<std::size_t>(end - text.data());
}

}  // namespace

Result<std::chrono::milliseconds, std::string> parse_duration(std::string_view text) {
  const std::string form = "a duration such as \"30s\", \"10m\", \"1h30m\", \"500ms\" or a number of seconds";
  if (text.empty()) return failure("empty; expected " + form);
  std::uint64_t total_ms = 0;
  std::string_view rest = text;
  bool bare_number = true;
  while (!rest.empty()) {
    std::uint64_t value = 0;
    std::size_t digits = read_number(rest, value);
    if (digits == 0) return failure("\"" + std::string(text) + "\" is not " + form);
    rest.remove_prefix(digits);
    std::uint64_t unit_ms = 1000;
    if (rest.starts_with("ms")) {
      unit_ms = 1;
      rest.remove_prefix(2);
    } else if (!rest.empty() && std::string_view("smhd").find(rest.front()) != std::string_view::npos) {
      unit_ms = rest.front() == 's' ? 1000 : rest.front() == 'm' ? 60'000 : rest.front() == 'h' ? 3'600'000 : 86'400'000;
      rest.remove_prefix(1);
    } else if (!rest.empty() || !bare_number || total_ms != 0) {
      return failure("\"" + std::string(text) + "\" is not " + form);
    }
    bare_number = false;
    if (value > std::numeric_limits<std::uint64_t>::max() / unit_ms / 4) return failure("\"" + std::string(text) + "\" is too long");
    total_ms += value * unit_ms;
  }
  return std::chrono::milliseconds(total_ms);
}

Result<std::uint64_t, std::string> parse_bytes(std::string_view text) {
  const std::string form = "a byte count such as \"65536\", \"64KiB\", \"10M\" (k, M, G = 1000^n; KiB, MiB, GiB = 1024^n)";
  std::uint64_t value = 0;
  std::size_t digits = read_number(text, value);
  if (digits == 0) return failure("\"" + std::string(text) + "\" is not " + form);
  std::string_view unit = text.substr(digits);
  if (!unit.empty() && unit.back() == 'B') unit.remove_suffix(1);  // "10MB" == "10M"
  std::uint64_t multiplier = 1;
  if (unit.empty()) multiplier = 1;
  else if (unit == "k" || unit == "K") multiplier = 1000;
  else if (unit == "M") multiplier = 1000'000;
  else if (unit == "G") multiplier = 1000'000'000;
  else if (unit == "Ki") multiplier = 1024;
  else if (unit == "Mi") multiplier = 1024 * 1024;
  else if (unit == "Gi") multiplier = 1024 * 1024 * 1024;
  else return failure("\"" + std::string(text) + "\" is not " + form);
  if (value > std::numeric_limits<std::uint64_t>::max() / multiplier) return failure("\"" + std::string(text) + "\" is too large");
  return value * multiplier;
}

Result<std::pair<std::uint16_t, std::uint16_t>, std::string> parse_port_range(std::string_view text) {
  const std::string form = "a port range such as \"49152-65535\"";
  auto dash = text.find('-');
  if (dash == std::string_view::npos) return failure("\"" + std::string(text) + "\" is not " + form);
  std::uint64_t first = 0;
  std::uint64_t last = 0;
  auto low = text.substr(0, dash);
  auto high = text.substr(dash + 1);
  if (read_number(low, first) != low.size() || low.empty() || read_number(high, last) != high.size() || high.empty())
    return failure("\"" + std::string(text) + "\" is not " + form);
  if (first == 0 || last > 65535 || first > last)
    return failure("\"" + std::string(text) + "\": ports must satisfy 1 <= first <= last <= 65535");
  return std::pair{static_cast<std::uint16_t>(first), static_cast<std::uint16_t>(last)};
}

std::optional<std::string> relay_address_problem(const IpAddress& address) {
  const auto& b = address.bytes();
  if (address.is_unspecified())
    return address.to_string() + " is the unspecified address: clients would be told to send to it; set the host's "
           "address that clients reach";
  if (address.is_v4() ? (b[0] & 0xf0) == 0xe0 : b[0] == 0xff) return address.to_string() + " is a multicast address";
  if (address.is_v4() && address.v4_host_order() == 0xffffffff) return address.to_string() + " is the broadcast address";
  return std::nullopt;
}

Result<ExternalIp, std::string> parse_external_ip(std::string_view text) {
  auto slash = text.find('/');
  auto public_text = text.substr(0, slash);
  auto public_ip = IpAddress::parse(public_text);
  if (!public_ip)
    return failure("\"" + std::string(text) + "\" is not \"PUBLIC\" or \"PUBLIC/PRIVATE\" with IP addresses");
  if (auto problem = relay_address_problem(*public_ip)) return failure("\"" + std::string(text) + "\": " + *problem);
  ExternalIp result{*public_ip, std::nullopt};
  if (slash != std::string_view::npos) {
    auto private_ip = IpAddress::parse(text.substr(slash + 1));
    if (!private_ip)
      return failure("\"" + std::string(text) + "\": the private part after '/' is not an IP address");
    if (private_ip->family() != public_ip->family())
      return failure("\"" + std::string(text) + "\": public and private addresses must be the same family");
    if (auto problem = relay_address_problem(*private_ip)) return failure("\"" + std::string(text) + "\": " + *problem);
    result.private_ip = *private_ip;
  }
  return result;
}

std::string format_duration(std::chrono::milliseconds duration) {
  auto ms = duration.count();
  if (ms % 1000 != 0) return std::to_string(ms) + "ms";
  auto s = ms / 1000;
  if (s != 0 && s % 3600 == 0) return std::to_string(s / 3600) + "h";
  if (s != 0 && s % 60 == 0) return std::to_string(s / 60) + "m";
  return std::to_string(s) + "s";
}

}  // namespace iceway::app
