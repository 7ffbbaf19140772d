#pragma once
// The four signaling front doors (SPEC §6). Each protocol has its own namespace of peer ids and
// rooms inside the one Registry, so a native id "alice", a PeerJS id "alice", a relay name
// "alice" and a y-webrtc topic "alice" never collide.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace iceway::signaling {

enum class Protocol : std::uint8_t { native, peerjs, relay, yjs };

inline constexpr std::size_t kProtocolCount = 4;
inline constexpr std::array<Protocol, kProtocolCount> kAllProtocols{Protocol::native, Protocol::peerjs,
                                                                    Protocol::relay, Protocol::yjs};

inline constexpr std::size_t index(Protocol protocol) { return static_cast<std::size_t>(protocol); }

// Metric label (iceway_signal_connections_active{protocol}) and log name.
inline constexpr std::string_view to_string(Protocol protocol) {
  switch (protocol) {
    case Protocol::native: return "native";
    case Protocol::peerjs: return "peerjs";
    case Protocol::relay: return "relay";
    case Protocol::yjs: return "yjs";
  }
  return "unknown";
}

}  // namespace iceway::signaling
