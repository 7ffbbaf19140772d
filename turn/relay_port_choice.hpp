#pragma once
// Which relay port to try next: uniformly random in [low, high] (even only, for EVEN-PORT),
// drawn from a RandomSource. RFC 8656 §7.2 asks for unpredictable relay ports; a general
// purpose generator (std::mt19937) is not that: its state follows from ~600 outputs, and
// every Allocate shows a client one output in XOR-RELAYED-ADDRESS, so a client could predict
// the next victim's port. The project's CSPRNG (SystemRandom) gives nothing to learn from.
#include <cstdint>
#include <optional>

#include "turn/random_source.hpp"

namespace iceway::turn {

// Nothing when the range holds no port (no even one, for `even`). Unbiased: draws that fall
// in the incomplete last block of the 32-bit space are discarded and drawn again.
std::optional<std::uint16_t> choose_relay_port(std::uint16_t low, std::uint16_t high, bool even, RandomSource& random);

}  // namespace iceway::turn
