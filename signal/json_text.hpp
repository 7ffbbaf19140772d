#pragma once
// JSON in and out of the signaling core. Parsing never throws (untrusted bytes give a value, not
// an exception) and checks nesting depth before the parser runs; dumping never throws either:
// text that came from a query string may hold invalid UTF-8, which is replaced, not fatal.
#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/result.hpp"

namespace iceway::signaling {

using Json = nlohmann::json;

enum class JsonError { too_deep, malformed, not_an_object };

// Parses one text frame that must be a JSON object. A NUL byte anywhere is malformed: valid JSON
// has none outside a string, and none unescaped inside one (RFC 8259 §7).
Result<Json, JsonError> parse_json_object(std::string_view text, std::size_t max_depth);

// nlohmann's lexer takes a NUL byte for the end of its input (for C strings), so on its own it
// would accept `{...}` followed by a NUL and anything at all, silently dropping the rest. Every
// parse of client text checks this first.
inline bool contains_nul(std::string_view text) { return text.find('\0') != std::string_view::npos; }

// Compact serialization; invalid UTF-8 in strings becomes U+FFFD.
std::string to_text(const Json& value);

// Appends `text` as a JSON string literal, quotes included, escaped as JSON.stringify and
// nlohmann's dump() (ensure_ascii off) do: the six short escapes, \u00XX for other control
// characters, everything else (multi-byte UTF-8 included) unchanged. `text` must be valid UTF-8;
// both the relay fast path and the Socket.IO codec splice such strings into frames they forward.
void append_json_string(std::string_view text, std::string& out);

// One member of an object written by object_text(): `value` is raw JSON, or with `quote` a
// string to write as a JSON string literal (append_json_string). The name is written as given,
// so it must need no escaping: the callers' names are literals or come from a frame in which
// they had no escapes (relay_frame.hpp).
struct JsonMember {
  std::string_view name;
  std::string_view value;
  bool quote = false;
};

// {"name":value,...}: the members in the order given, nothing between tokens. A raw value that
// is empty leaves its member out (an optional member the frame did not have). The relayed
// frames are written this way around bytes spliced in as they came.
std::string object_text(std::span<const JsonMember> members);

// The string at `key` if the object has one, else an empty view. The view is into `object`.
std::string_view string_field(const Json& object, std::string_view key);

}  // namespace iceway::signaling
