#pragma once
// Hex helpers for tests, logs and test vectors. Not for the packet path.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.hpp"

namespace iceway {

// Parses hex digits, ignoring ASCII whitespace (so RFC vectors can be pasted as printed).
// Returns nullopt on an odd digit count or a non-hex character.
// 0-15 for a hex digit (either case), -1 for anything else.
int hex_digit_value(char c);

std::optional<std::vector<std::byte>> from_hex(std::string_view text);
std::string to_hex(ByteSpan bytes);

}  // namespace iceway
