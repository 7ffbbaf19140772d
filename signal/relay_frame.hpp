#pragma once
// The relay fast path (docs/BENCHMARKS.md, PeerJS section): most signaling frames are forwarded,
// not interpreted, so building a JSON tree of the opaque payload only to dump it again was a
// quarter of signaling's CPU. scan_relay_frame() validates a frame while keeping only the few
// fields routing needs, and finds the raw bytes of the top-level "payload" value, so the outgoing
// frame can splice them in unchanged.
//
// Validation is simdjson's (a DOM parser per thread, reused): with nlohmann's SAX parser doing
// it, its byte-by-byte lexer, the std::string it appends every byte to, json_too_deep's pre-scan
// and the SAX handler were still ~27 % of the whole server's CPU under bench/signal-vs-peerjs.sh.
// simdjson is strict RFC 8259 with full UTF-8 validation, and its depth limit is set so that
// what it accepts is within max_depth as json_too_deep counts it; so what it accepts,
// parse_json_object accepts. Whatever simdjson refuses (malformed frames, but also JSON nlohmann
// takes and simdjson does not, such as integers beyond 64 bits or a byte order mark) goes through
// the exact path: json_too_deep and nlohmann's SAX parser, the same lexer, UTF-8 checks and
// acceptance as parse_json_object. So the result, and which error (too_deep before malformed
// before not_an_object), is always parse_json_object's; tests/fuzz/signal/
// signal_relay_frame_fuzz.cpp checks that.
//
// Pure and non-throwing on any input. The views in RelayFields point into the scanned text.
// Each thread's parser keeps the buffers of the largest frame it has scanned, up to 256 KiB of
// frame (about 4 MiB of buffers); larger frames always take the exact path.
#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.hpp"
#include "signal/json_text.hpp"

namespace iceway::signaling {

struct RelayFields {
  std::string type;            // top-level "type" if it is a string, else empty
  std::string dst;             // top-level "dst" if it is a string, else empty
  bool has_dst = false;        // "dst" is present, whatever its value
  std::string connection_id;   // payload.connectionId if payload is an object and it is a string
  std::string_view payload;    // the raw bytes of the "payload" value; empty = no payload
};

// Errors as parse_json_object gives them (depth first, then validity, then object-ness).
// A valid object gives fields, or nullopt when the fast path cannot be exact and the caller must
// use parse_json_object: a top-level key is repeated (the tree keeps the last one) or written
// with escapes, which the raw payload locator does not decode.
Result<std::optional<RelayFields>, JsonError> scan_relay_frame(std::string_view text, std::size_t max_depth);

// The same fast path for protocols that route on a few top-level fields and forward one value,
// or all the others, as sent (native /ws signal and broadcast, /relay). A member's name is
// also its raw bytes (names written with escapes are not taken here).
struct FrameMember {
  std::string_view name;
  std::string_view value;  // the raw bytes of the value
};
inline constexpr std::size_t kMaxScannedMembers = 16;
struct FrameMembers {
  std::array<FrameMember, kMaxScannedMembers> members{};
  std::size_t count = 0;

  // The raw value of member `name`; empty if there is none.
  std::string_view value(std::string_view name) const;
  // The member's string if its value is a string written without escapes (so its raw bytes
  // are the string); nullopt if it is absent, not a string, or escaped.
  std::optional<std::string_view> plain_string(std::string_view name) const;
};

// The members, in order, of a frame the fast parser accepts as an object of at most
// kMaxScannedMembers members with no name repeated or escaped. nullopt for any other frame,
// valid or not: the caller parses it, which gives the exact error for an invalid one. What this
// accepts, parse_json_object accepts with the same members (signal_relay_frame_fuzz checks it).
std::optional<FrameMembers> scan_frame_members(std::string_view text, std::size_t max_depth);

// {"dst":..,"payload":<payload bytes>,"src":..,"type":..}: the keys in the order nlohmann's
// std::map object dumps them, so a frame reads the same whichever path built it. `payload` must
// be valid JSON (or empty: no payload member); the strings are escaped here.
std::string relay_frame_text(std::string_view type, std::string_view src, std::string_view dst,
                             std::string_view payload);

}  // namespace iceway::signaling
