#include "signal/random.hpp"

#include <array>
#include <cstdlib>

#include <openssl/rand.h>

namespace iceway::signaling {

void OpenSslRandom::fill(std::span<std::byte> out) {
  if (out.empty()) return;
  // RAND_bytes fails only when the OS entropy source is broken; handing out predictable ids
  // would be worse than stopping.
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(out.size())) != 1) std::abort();
}

std::string random_uuid(RandomSource& random) {
  std::array<std::byte, 16> bytes{};
  random.fill(bytes);
  bytes[6] = (bytes[6] & std::byte{0x0f}) | std::byte{0x40};  // version 4
  bytes[8] = (bytes[8] & std::byte{0x3f}) | std::byte{0x80};  // variant 10
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string text;
  text.reserve(36);
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) text.push_back('-');
    const auto value = std::to_integer<unsigned>(bytes[i]);
    text.push_back(kDigits[value >> 4]);
    text.push_back(kDigits[value & 0x0f]);
  }
  return text;
}

}  // namespace iceway::signaling
