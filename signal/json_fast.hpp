#pragma once
// simdjson's DOM parser for the signaling fast paths (signal/relay_frame.hpp, the Socket.IO
// packet codec): one per thread, reused, so its buffers are allocated once and not per frame.
//
// A success here is the exact path's success: both simdjson and nlohmann are strict RFC 8259
// parsers with full UTF-8 validation (surrogate escapes included), so what simdjson accepts
// nlohmann accepts, and within `max_depth` as json_too_deep counts it. simdjson counts a
// non-empty object or array as one level and refuses one that reaches max_depth, while an empty
// {} or [] adds no level; so what it accepts nests at most max_depth - 1 non-empty levels plus
// one empty one. A refusal says nothing exact: besides malformed text it refuses JSON that
// nlohmann accepts (integers beyond 64 bits, a leading byte order mark, nesting at exactly the
// depth limit), so a caller that gets false must take its exact path (nlohmann) for the answer.
// The unit tests and the differential fuzz targets (signal_relay_frame_fuzz,
// socketio_packet_fuzz) check this.
//
// Signaling runs on one thread; the parser's depth limit follows the max_depth it is called
// with (a setting, so the same on every call: a new value reallocates).
#include <cstddef>
#include <string_view>

#include <simdjson.h>

namespace iceway::signaling {

// Frames longer than this are not parsed here (false): the parser keeps the capacity of the
// largest frame it has parsed, about 15 bytes of buffers per input byte, so this bounds that
// memory even when signal.max_frame_bytes is set far above its 64 KiB default.
inline constexpr std::size_t kFastMaxBytes = 256 * 1024;

// simdjson's parse of `text` into `root` (valid until the thread's next call); false when it
// refuses the text or is not used for it (empty, longer than kFastMaxBytes, max_depth 0).
bool parse_json_fast(std::string_view text, std::size_t max_depth, simdjson::dom::element& root);

}  // namespace iceway::signaling
