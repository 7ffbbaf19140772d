#pragma once
// Standard base64 (RFC 4648 §4, with '=' padding), the encoding Engine.IO v4 uses for binary
// packets inside an HTTP long-polling payload ("b" + base64). Pure, no allocation beyond the
// output string.
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace iceway::signaling::socketio {

inline std::size_t base64_encoded_size(std::size_t byte_count) { return (byte_count + 2) / 3 * 4; }

// Writes the padded encoding of `bytes`: exactly base64_encoded_size(bytes.size()) characters
// starting at `out`, which the caller has sized.
void write_base64(std::span<const std::byte> bytes, char* out);

// Appends the padded encoding of `bytes` to `out`.
void append_base64(std::span<const std::byte> bytes, std::string& out);

// Appends the decoded bytes of `text` to `out`. Padding is optional (Node's decoder accepts
// both), but a character outside the alphabet, padding anywhere but the end, a length that
// cannot come from an encoder (one character in the last group) or non-zero bits left over
// in the last character are refused: returns false and leaves `out` as it was.
bool append_base64_decoded(std::string_view text, std::string& out);

}  // namespace iceway::signaling::socketio
