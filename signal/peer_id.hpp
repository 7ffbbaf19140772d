#pragma once
// Which strings may be peer ids, names and rooms. Ids end up in JSON frames, TURN usernames
// (`<expiry>:<id>`) and logs, so they are short and printable.
#include <cstddef>
#include <string_view>

namespace iceway::signaling {

inline constexpr std::size_t kMaxPeerIdLength = 128;
inline constexpr std::size_t kMaxRoomLength = 256;

// Native ids and relay names: 1..128 of [A-Za-z0-9] and "_.-@:+" (an e-mail address, a UUID or
// "user:42" fit; spaces, quotes and controls do not).
bool valid_peer_id(std::string_view id);

// PeerJS ids: 1..128 printable ASCII characters. The reference server accepts anything; the
// peerjs client itself only creates [A-Za-z0-9]+([ _-][A-Za-z0-9]+)*, which this includes.
bool valid_peerjs_id(std::string_view id);

// Rooms and y-webrtc topics: 1..256 bytes of any text (JSON already guarantees valid UTF-8).
inline bool valid_room(std::string_view room) { return !room.empty() && room.size() <= kMaxRoomLength; }

}  // namespace iceway::signaling
