#pragma once
// Why the server ended a client's TCP or TLS connection, or refused it at accept: the one
// table for iceway_turn_stream_closed_total{reason} and the log line. A client closing its
// own connection is the normal ending and has no reason here.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace iceway::turn {

enum class StreamClose : std::uint8_t {
  total_limit,          // refused at accept: turn.max_stream_clients connections are open
  per_ip_limit,         // refused at accept: the source (IPv6: its prefix) holds max_stream_clients_per_ip
  tls_handshake_limit,  // refused at accept: turn.max_tls_handshakes handshakes are in progress
  handshake_timeout,    // the TLS handshake did not finish within turn.tls_handshake_timeout
  frame_timeout,        // a frame did not complete within turn.stream_frame_timeout of its first byte
  auth_timeout,         // no success answer within turn.stream_auth_timeout of accept
  idle_timeout,         // no complete frame for the idle timeout
  invalid_frame,        // bytes that are neither STUN nor (allowed) ChannelData
};
inline constexpr std::size_t kStreamCloseCount = 8;
inline constexpr std::array<std::string_view, kStreamCloseCount> kStreamCloseLabels = {
    "total_limit",   "per_ip_limit", "tls_handshake_limit", "handshake_timeout",
    "frame_timeout", "auth_timeout", "idle_timeout",        "invalid_frame"};

constexpr std::string_view label(StreamClose reason) { return kStreamCloseLabels[static_cast<std::size_t>(reason)]; }

}  // namespace iceway::turn
