#pragma once
// JSON in and out of the signaling core. Parsing never throws (untrusted bytes give a value, not
// an exception) and checks nesting depth before the parser runs; dumping never throws either:
// text that came from a query string may hold invalid UTF-8, which is replaced, not fatal.
#include <cstddef>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/result.hpp"

namespace iceway::signaling {

using Json = nlohmann::json;

enum class JsonError { too_deep, malformed, not_an_object };

// Parses one text frame that must be a JSON object.
Result<Json, JsonError> parse_json_object(std::string_view text, std::size_t max_depth);

// Compact serialization; invalid UTF-8 in strings becomes U+FFFD.
std::string to_text(const Json& value);

// The string at `key` if the object has one, else an empty view. The view is into `object`.
std::string_view string_field(const Json& object, std::string_view key);

}  // namespace iceway::signaling
