#include "stun/fingerprint.hpp"

#include <array>

namespace iceway::stun {

namespace {

// Reflected polynomial 0xEDB88320 (the ISO-HDLC CRC-32), one table entry per byte value.
constexpr std::array<std::uint32_t, 256> make_table() {
  std::array<std::uint32_t, 256> table{};
  for (std::uint32_t n = 0; n < 256; ++n) {
    std::uint32_t c = n;
    for (int bit = 0; bit < 8; ++bit) c = (c & 1u) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    table[n] = c;
  }
  return table;
}

constexpr auto kTable = make_table();

}  // namespace

std::uint32_t crc32_update(std::uint32_t crc, ByteSpan bytes) {
  crc = ~crc;
  for (std::byte b : bytes) crc = kTable[(crc ^ std::to_integer<std::uint32_t>(b)) & 0xFFu] ^ (crc >> 8);
  return ~crc;
}

}  // namespace iceway::stun
