#include "signal/json_fast.hpp"

#include <algorithm>

namespace iceway::signaling {
namespace {

// The first allocation: a PeerJS frame is about 530 bytes; a larger frame grows the parser.
constexpr std::size_t kInitialCapacity = 4096;

// nullptr if allocation failed; the caller's exact path then does the work.
simdjson::dom::parser* thread_parser(std::size_t max_depth) {
  thread_local simdjson::dom::parser parser;
  thread_local std::size_t parser_depth = 0;
  if (parser_depth != max_depth) {
    parser_depth = 0;
    if (parser.allocate(std::max(parser.capacity(), kInitialCapacity), max_depth) != simdjson::SUCCESS) {
      return nullptr;
    }
    parser_depth = max_depth;
  }
  return &parser;
}

}  // namespace

bool parse_json_fast(std::string_view text, std::size_t max_depth, simdjson::dom::element& root) {
  // max_depth 0: simdjson would still accept an empty {} or [], json_too_deep not.
  if (max_depth == 0 || text.empty() || text.size() > kFastMaxBytes) return false;
  simdjson::dom::parser* parser = thread_parser(max_depth);
  if (parser == nullptr) return false;
  // The text is copied into the parser's padded buffer: Beast's buffer has no SIMDJSON_PADDING.
  return parser->parse(text.data(), text.size()).get(root) == simdjson::SUCCESS;
}

}  // namespace iceway::signaling
