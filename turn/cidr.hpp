#pragma once
// An IPv4 or IPv6 prefix ("10.0.0.0/8", "fc00::/7") as a value: the peer policy's default
// deny list and the operator's [peers] allow/deny lists are made of these.
#include <cstdint>
#include <string>
#include <string_view>

#include "common/endpoint.hpp"
#include "common/result.hpp"

namespace iceway::turn {

class Cidr {
 public:
  // Parses "ADDRESS/PREFIX". A bare address is refused rather than read as /32 or /128, so
  // a typo never silently narrows or widens what the operator meant. Host bits below the
  // prefix must be zero ("10.0.0.1/8" is refused with the prefix it probably meant). The
  // error text names the input and says what is wrong, for `iceway --check-config`.
  static Result<Cidr, std::string> parse(std::string_view text);

  // The caller guarantees prefix_length <= 32 (IPv4) or <= 128 (IPv6); host bits are cleared.
  static Cidr make(const IpAddress& network, unsigned prefix_length);

  const IpAddress& network() const { return network_; }
  unsigned prefix_length() const { return prefix_length_; }
  AddressFamily family() const { return network_.family(); }

  // True when `address` has this prefix's family and its first prefix_length bits match.
  // An IPv4 prefix never matches an IPv6 address (even an IPv4-mapped one): reducing
  // embedded IPv4 addresses is the peer policy's job, done once, before any match.
  bool contains(const IpAddress& address) const;

  std::string to_string() const;

  friend bool operator==(const Cidr&, const Cidr&) = default;

 private:
  Cidr(const IpAddress& network, unsigned prefix_length) : network_(network), prefix_length_(prefix_length) {}

  IpAddress network_;
  unsigned prefix_length_ = 0;
};

}  // namespace iceway::turn
