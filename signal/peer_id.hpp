#pragma once
// Which strings may be peer ids, names and rooms: the bound on every identifier a client hands
// the signaling core. Ids and rooms are stored (registry, PeerJS offline queues) and end up in
// JSON frames, TURN usernames (`<expiry>:<id>`) and log lines, so they are short, and ids are
// made of characters that cannot end a log field or line (logs still pass them through
// log_escape(), common/log_escape.hpp). Names that cannot be valid are never looked up, queued
// or stored.
#include <cstddef>
#include <string_view>

namespace iceway::signaling {

inline constexpr std::size_t kMaxPeerIdLength = 128;
inline constexpr std::size_t kMaxRoomLength = 256;

// Native ids and relay names: 1..128 of [A-Za-z0-9] and "_.-@:+" (an e-mail address, a UUID or
// "user:42" fit; spaces, quotes and controls do not).
bool valid_peer_id(std::string_view id);

// PeerJS ids: 1..128 characters of what the peerjs client itself accepts (peerjs 1.5
// util.validateId: /^[A-Za-z0-9]+(?:[ _-][A-Za-z0-9]+)*$/), so a single space, '_' or '-'
// between letters and digits. The `peer` npm server checks nothing; every id an unmodified
// client can use passes here, and the ids GET {path}/{key}/id hands out are UUIDs, which fit.
bool valid_peerjs_id(std::string_view id);

// PeerJS tokens: 1..128 printable ASCII characters without space. The client's own token is
// Math.random().toString(36); an app may pass its own, which is never logged or echoed.
bool valid_peerjs_token(std::string_view token);

// Rooms and y-webrtc topics: 1..256 bytes of text without control characters (C0 and DEL).
// JSON already guarantees valid UTF-8; apps name rooms after documents and people, so any
// other character is allowed.
bool valid_room(std::string_view room);

}  // namespace iceway::signaling
