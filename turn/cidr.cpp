#include "turn/cidr.hpp"

#include <array>
#include <charconv>

namespace iceway::turn {
namespace {

// Clears every bit at or after `prefix_length`.
std::array<std::uint8_t, 16> masked(const std::array<std::uint8_t, 16>& bytes, unsigned prefix_length,
                                    std::size_t size) {
  std::array<std::uint8_t, 16> out{};
  for (std::size_t i = 0; i < size; ++i) {
    const unsigned bit = static_cast<unsigned>(i) * 8;
    if (bit + 8 <= prefix_length) {
      out[i] = bytes[i];
    } else if (bit < prefix_length) {
      out[i] = static_cast<std::uint8_t>(bytes[i] & (0xffu << (8 - (prefix_length - bit))));
    }
  }
  return out;
}

IpAddress with_bytes(const IpAddress& like, const std::array<std::uint8_t, 16>& bytes) {
  if (like.is_v4()) return IpAddress::v4(std::array<std::uint8_t, 4>{bytes[0], bytes[1], bytes[2], bytes[3]});
  return IpAddress::v6(bytes);
}

}  // namespace

Cidr Cidr::make(const IpAddress& network, unsigned prefix_length) {
  return Cidr(with_bytes(network, masked(network.bytes(), prefix_length, network.size())), prefix_length);
}

Result<Cidr, std::string> Cidr::parse(std::string_view text) {
  const std::string quoted = "\"" + std::string(text) + "\"";
  const auto slash = text.find('/');
  if (slash == std::string_view::npos) {
    return failure(quoted + " has no /PREFIX (write e.g. 10.0.0.0/8, or 192.0.2.7/32 for one address)");
  }
  const auto address_text = text.substr(0, slash);
  const auto prefix_text = text.substr(slash + 1);
  const auto address = IpAddress::parse(address_text);
  if (!address) return failure(quoted + ": \"" + std::string(address_text) + "\" is not an IPv4 or IPv6 address");
  const unsigned max_prefix = address->is_v4() ? 32 : 128;
  unsigned prefix = 0;
  const auto [end, error] = std::from_chars(prefix_text.data(), prefix_text.data() + prefix_text.size(), prefix);
  if (prefix_text.empty() || error != std::errc() || end != prefix_text.data() + prefix_text.size()) {
    return failure(quoted + ": prefix length \"" + std::string(prefix_text) + "\" is not a number");
  }
  if (prefix > max_prefix) {
    return failure(quoted + ": prefix length " + std::to_string(prefix) + " is larger than " +
                   std::to_string(max_prefix) + " for " + (address->is_v4() ? "IPv4" : "IPv6"));
  }
  const Cidr cidr = make(*address, prefix);
  if (cidr.network_ != *address) {
    return failure(quoted + ": address has bits set after the first " + std::to_string(prefix) +
                   " (did you mean " + cidr.to_string() + "?)");
  }
  return cidr;
}

bool Cidr::contains(const IpAddress& address) const {
  if (address.family() != network_.family()) return false;
  const auto& a = address.bytes();
  const auto& n = network_.bytes();
  const unsigned whole = prefix_length_ / 8;
  for (unsigned i = 0; i < whole; ++i)
    if (a[i] != n[i]) return false;
  const unsigned rest = prefix_length_ % 8;
  if (rest == 0) return true;
  const auto mask = static_cast<std::uint8_t>(0xffu << (8 - rest));
  return (a[whole] & mask) == n[whole];
}

std::string Cidr::to_string() const { return network_.to_string() + "/" + std::to_string(prefix_length_); }

}  // namespace iceway::turn
