#pragma once
// The messages iceway nodes exchange through Redis pub/sub, and their encoding, one per PUBLISH:
// presence as a JSON object, frames for peers in a short text envelope around the frame's own
// bytes (no JSON escaping of the frame on one node and parsing on the other: most of what a
// cross-node message costs is this). Pure: text in, a typed message or the reason it was
// refused out.
//
// Channels (channels.hpp): presence changes go to the cluster's presence channel, which every
// node subscribes to; a frame for a peer goes only to the channel of the node that holds it.
//   state    {v,t:"state",n,hb,h:{PROTOCOL:{ids:[...],rooms:{ROOM:[ids in join order]}}}}
//            everything a node holds, every heartbeat (soft state: what is not refreshed expires)
//   claim / release {v,t,n,p,id}       a peer id taken or given up on node n
//   join / leave    {v,t,n,p,room,id}  a peer of node n entered or left a room
//   peer     "F1 p NODE PROTOCOL LEN:TO FRAME"    FRAME for peer TO (on the receiving node)
//   room     "F1 r NODE PROTOCOL LEN:ROOM FRAME"  FRAME for the receiving node's members of ROOM
// LEN is TO's (or ROOM's) length in bytes, in decimal, so they may hold any byte; FRAME is the rest
// of the message, exactly as the receiver's client gets it; the receiving node does not parse it.
#include <array>
#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "signal/protocol.hpp"

namespace iceway::signaling::cluster {

inline constexpr int kBusVersion = 1;
// The longest heartbeat a state message may claim (and cluster.heartbeat may be): presence is
// soft state only if every node's silence ends it within a bounded time.
inline constexpr std::chrono::milliseconds kMaxHeartbeat{60'000};

enum class BusType { state, claim, release, join, leave, peer, room };

struct RoomHolding {
  std::string room;
  std::vector<std::string> members;  // join order
};

// What one node holds in one protocol's namespace.
struct Holdings {
  std::vector<std::string> ids;
  std::vector<RoomHolding> rooms;
  bool empty() const { return ids.empty() && rooms.empty(); }
};

struct BusMessage {
  BusType type = BusType::state;
  std::string node;                     // the sender
  Protocol protocol = Protocol::native; // all but state
  std::string id;                       // claim, release, join, leave: the peer; peer: the receiver
  std::string room;                     // join, leave, room
  std::string frame;                    // peer, room
  std::chrono::milliseconds heartbeat{0};              // state: the sender's interval
  std::array<Holdings, kProtocolCount> holdings{};     // state
};

std::string encode(const BusMessage& message);
Result<BusMessage, std::string> decode(std::string_view text);

}  // namespace iceway::signaling::cluster
