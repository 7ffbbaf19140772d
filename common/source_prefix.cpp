#include "common/source_prefix.hpp"

namespace iceway {

IpAddress source_prefix(const IpAddress& address, unsigned ipv6_prefix_bits) {
  if (!address.is_v6() || ipv6_prefix_bits >= 128) return address;
  auto bytes = address.bytes();
  const unsigned whole = ipv6_prefix_bits / 8;
  const unsigned rest = ipv6_prefix_bits % 8;
  std::size_t index = whole;
  if (rest != 0) {
    bytes[index] &= static_cast<std::uint8_t>(0xFF << (8 - rest));
    ++index;
  }
  for (; index < 16; ++index) bytes[index] = 0;
  return IpAddress::v6(bytes);
}

}  // namespace iceway
