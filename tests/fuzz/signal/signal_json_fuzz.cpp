// The depth pre-scan and parser every protocol shares: whatever parses within the depth limit
// must really be that shallow, and serializing it back must not throw.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "signal/json_text.hpp"
#include "signal/limits.hpp"
#include "signal/query.hpp"

namespace {

std::size_t depth_of(const iceway::signaling::Json& value) {
  // Recursion is safe here: the value passed the pre-scan, so it is at most 8 deep.
  std::size_t deepest = 0;
  if (value.is_structured()) {
    for (const auto& child : value) deepest = std::max(deepest, depth_of(child));
    return deepest + 1;
  }
  return 0;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = iceway::signaling::parse_json_object(text, 8);
  if (parsed) {
    if (depth_of(parsed.value()) > 8) __builtin_trap();
    (void)iceway::signaling::to_text(parsed.value());
  }
  // The same bytes as a request target.
  auto query = iceway::signaling::Query::parse(text);
  for (const auto& [key, value] : query.items()) {
    if (key.size() > size || value.size() > size) __builtin_trap();
  }
  return 0;
}
