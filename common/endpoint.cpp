#include "common/endpoint.hpp"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace iceway {

IpAddress IpAddress::v4(std::uint32_t host_order) {
  return v4(std::array<std::uint8_t, 4>{static_cast<std::uint8_t>(host_order >> 24),
                                        static_cast<std::uint8_t>(host_order >> 16),
                                        static_cast<std::uint8_t>(host_order >> 8),
                                        static_cast<std::uint8_t>(host_order)});
}

IpAddress IpAddress::v4(const std::array<std::uint8_t, 4>& bytes) {
  IpAddress a;
  a.family_ = AddressFamily::ipv4;
  std::memcpy(a.bytes_.data(), bytes.data(), 4);
  return a;
}

IpAddress IpAddress::v6(const std::array<std::uint8_t, 16>& bytes) {
  IpAddress a;
  a.family_ = AddressFamily::ipv6;
  a.bytes_ = bytes;
  return a;
}

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
  if (text.empty() || text.size() > 63) return std::nullopt;
  char buffer[64];
  std::memcpy(buffer, text.data(), text.size());
  buffer[text.size()] = '\0';
  std::array<std::uint8_t, 16> bytes{};
  if (::inet_pton(AF_INET, buffer, bytes.data()) == 1) {
    return v4(std::array<std::uint8_t, 4>{bytes[0], bytes[1], bytes[2], bytes[3]});
  }
  if (::inet_pton(AF_INET6, buffer, bytes.data()) == 1) return v6(bytes);
  return std::nullopt;
}

std::uint32_t IpAddress::v4_host_order() const {
  return (std::uint32_t{bytes_[0]} << 24) | (std::uint32_t{bytes_[1]} << 16) | (std::uint32_t{bytes_[2]} << 8) |
         bytes_[3];
}

bool IpAddress::is_unspecified() const {
  for (std::size_t i = 0; i < size(); ++i)
    if (bytes_[i] != 0) return false;
  return true;
}

bool IpAddress::is_loopback() const {
  if (is_v4()) return bytes_[0] == 127;
  for (std::size_t i = 0; i < 15; ++i)
    if (bytes_[i] != 0) return false;
  return bytes_[15] == 1;
}

std::string IpAddress::to_string() const {
  char buffer[INET6_ADDRSTRLEN];
  const char* text = ::inet_ntop(is_v4() ? AF_INET : AF_INET6, bytes_.data(), buffer, sizeof buffer);
  return text ? std::string(text) : std::string("?");
}

std::string Endpoint::to_string() const {
  std::string text = address.is_v6() ? "[" + address.to_string() + "]" : address.to_string();
  return text + ":" + std::to_string(port);
}

std::optional<Endpoint> Endpoint::parse(std::string_view text, std::optional<std::uint16_t> default_port) {
  std::string_view host = text;
  std::string_view port_text;
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    host = text.substr(1, close - 1);
    auto rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return std::nullopt;
      port_text = rest.substr(1);
    }
  } else if (auto colon = text.rfind(':'); colon != std::string_view::npos && text.find(':') == colon) {
    host = text.substr(0, colon);  // exactly one colon: IPv4 with port
    port_text = text.substr(colon + 1);
  }
  auto address = IpAddress::parse(host);
  if (!address) return std::nullopt;
  Endpoint endpoint{*address, 0};
  if (port_text.empty()) {
    if (!default_port) return std::nullopt;
    endpoint.port = *default_port;
    return endpoint;
  }
  unsigned port = 0;
  auto [end, error] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (error != std::errc() || end != port_text.data() + port_text.size() || port > 65535) return std::nullopt;
  endpoint.port = static_cast<std::uint16_t>(port);
  return endpoint;
}

std::string_view to_string(Transport transport) {
  switch (transport) {
    case Transport::udp: return "udp";
    case Transport::tcp: return "tcp";
    case Transport::tls: return "tls";
    case Transport::dtls: return "dtls";
  }
  return "?";
}

namespace {
inline void combine(std::size_t& seed, std::size_t value) {
  seed ^= value + 0x9e3779b97f4a7c15ULL + (seed << 6) + (seed >> 2);
}
}  // namespace

std::size_t hash_value(const IpAddress& address) {
  std::uint64_t high = 0;
  std::uint64_t low = 0;
  std::memcpy(&high, address.bytes().data(), 8);
  std::memcpy(&low, address.bytes().data() + 8, 8);
  std::size_t seed = static_cast<std::size_t>(address.family());
  combine(seed, std::hash<std::uint64_t>{}(high));
  combine(seed, std::hash<std::uint64_t>{}(low));
  return seed;
}

std::size_t hash_value(const Endpoint& endpoint) {
  std::size_t seed = hash_value(endpoint.address);
  combine(seed, endpoint.port);
  return seed;
}

std::size_t hash_value(const FiveTuple& tuple) {
  std::size_t seed = hash_value(tuple.client);
  combine(seed, hash_value(tuple.server));
  combine(seed, static_cast<std::size_t>(tuple.transport));
  return seed;
}

}  // namespace iceway
