#pragma once
// The signaling front doors (SPEC §6; socketio is issue 12's Socket.IO front door, which keeps
// its own tables in signal/http/socketio_mount.hpp and only shares the counters). Each protocol has its own namespace of peer ids and
// rooms inside the one Registry, so a native id "alice", a PeerJS id "alice", a relay name
// "alice" and a y-webrtc topic "alice" never collide.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace iceway::signaling {

// profile: the JSON app profiles of [[profile]] (signal/profiles/), one namespace for all.
enum class Protocol : std::uint8_t { native, peerjs, relay, yjs, socketio, profile };

inline constexpr std::size_t kProtocolCount = 6;
inline constexpr std::array<Protocol, kProtocolCount> kAllProtocols{Protocol::native, Protocol::peerjs,
                                                                    Protocol::relay, Protocol::yjs,
                                                                    Protocol::socketio, Protocol::profile};

inline constexpr std::size_t index(Protocol protocol) { return static_cast<std::size_t>(protocol); }

// Metric label (iceway_signal_connections_active{protocol}) and log name.
inline constexpr std::string_view to_string(Protocol protocol) {
  switch (protocol) {
    case Protocol::native: return "native";
    case Protocol::peerjs: return "peerjs";
    case Protocol::relay: return "relay";
    case Protocol::yjs: return "yjs";
    case Protocol::socketio: return "socketio";
    case Protocol::profile: return "profile";
  }
  return "unknown";
}

}  // namespace iceway::signaling
