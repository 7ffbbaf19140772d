#include "turn/relay_port_choice.hpp"

#include <array>
#include <cstring>
#include <limits>

namespace iceway::turn {

std::optional<std::uint16_t> choose_relay_port(std::uint16_t low, std::uint16_t high, bool even, RandomSource& random) {
  std::uint32_t first = low;
  if (even) first += first % 2;
  if (first > high) return std::nullopt;
  // The candidates: first, first + step, ..., up to high.
  const std::uint32_t step = even ? 2 : 1;
  const std::uint32_t count = (high - first) / step + 1;
  const std::uint32_t limit = std::numeric_limits<std::uint32_t>::max() - std::numeric_limits<std::uint32_t>::max() % count;
  for (;;) {
    std::array<std::byte, 4> bytes;
    random.fill(bytes);
    std::uint32_t value;
    std::memcpy(&value, bytes.data(), sizeof value);
    if (value >= limit) continue;  // at most count/2^32 of the draws: rare
    return static_cast<std::uint16_t>(first + (value % count) * step);
  }
}

}  // namespace iceway::turn
