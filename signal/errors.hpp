#pragma once
// Every way the signaling core says no, in one table (STYLE.md "Errors are values"): the wire
// code in a native `error {code}` frame, the label of iceway_signal_errors_total{code} and the
// default human message all come from here, so the frame, the log and the metric agree.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace iceway::signaling {

enum class ErrorCode : std::uint8_t {
  bad_request,           // malformed JSON, missing or mistyped field, unknown type
  unauthorized,          // token missing, invalid, expired, or room not allowed by it
  id_taken,              // the requested peer id / name is held by another connection
  peer_unavailable,      // the target of a message is not connected
  not_in_room,           // leave or broadcast for a room the sender has not joined
  room_full,             // max_peers_per_room reached
  too_many_rooms,        // max_rooms_per_connection reached
  rate_limited,          // token bucket empty (messages_per_second / message_burst)
  too_large,             // frame larger than max_frame_bytes or nested deeper than max_json_depth
  too_many_connections,  // max_connections_per_ip, or PeerJS concurrent_limit
  slow_reader,           // outgoing queue bound exceeded; counted by the I/O layer, then close 1008
  idle_timeout,          // no frame and no pong for idle_timeout; counted by the I/O layer, which drops it
  origin_not_allowed,    // WebSocket upgrade from an Origin not in allowed_origins; the HTTP layer answers 403
};

inline constexpr std::size_t kErrorCodeCount = 13;

struct ErrorInfo {
  std::string_view code;     // wire code and metric label
  std::string_view message;  // default text for the `message` field
};

inline constexpr std::array<ErrorInfo, kErrorCodeCount> kErrorTable{{
    {"bad-request", "malformed message"},
    {"unauthorized", "not authorized"},
    {"id-taken", "id is taken"},
    {"peer-unavailable", "peer is not connected"},
    {"not-in-room", "not in room"},
    {"room-full", "room is full"},
    {"too-many-rooms", "too many rooms for this connection"},
    {"rate-limited", "too many messages; slow down"},
    {"too-large", "message too large"},
    {"too-many-connections", "too many connections"},
    {"slow-reader", "outgoing queue full"},
    {"idle-timeout", "no frame or pong within the idle timeout"},
    {"origin-not-allowed", "origin not allowed"},
}};

inline constexpr std::size_t index(ErrorCode code) { return static_cast<std::size_t>(code); }
inline constexpr const ErrorInfo& info(ErrorCode code) { return kErrorTable[index(code)]; }
inline constexpr std::string_view to_string(ErrorCode code) { return info(code).code; }

}  // namespace iceway::signaling
