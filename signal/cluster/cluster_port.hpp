#pragma once
// What a protocol handler asks of the cluster while it handles an event, and what the cluster
// hands back to the handlers when another node speaks. Null (no [cluster]) means single-node:
// every handler behaves exactly as without this file.
//
// Same owner and thread as the Registry. Local first: a handler asks the cluster only after the
// Registry had no answer, so a message between two peers on one node never reaches Redis.
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "signal/protocol.hpp"

namespace iceway::signaling::cluster {

class ClusterPort {
 public:
  virtual ~ClusterPort() = default;

  // --- what other nodes hold (from presence; no Redis round trip) ---------------------------
  virtual bool held_elsewhere(Protocol protocol, std::string_view peer_id) const = 0;
  // The members of `room` on other nodes, by node id, each node's in join order.
  virtual std::vector<std::string> remote_members(Protocol protocol, std::string_view room) const = 0;

  // --- what this node holds: announced to the others ----------------------------------------
  virtual void claimed(Protocol protocol, std::string_view peer_id) = 0;
  virtual void released(Protocol protocol, std::string_view peer_id) = 0;
  virtual void joined(Protocol protocol, std::string_view room, std::string_view peer_id) = 0;
  virtual void left(Protocol protocol, std::string_view room, std::string_view peer_id) = 0;

  // --- frames for peers on other nodes ------------------------------------------------------
  // One publish to the node holding `to`; false if no other node holds it.
  virtual bool send_to_peer(Protocol protocol, std::string_view to, std::string_view frame) = 0;
  // One publish to each other node with members in `room`.
  virtual void send_to_room(Protocol protocol, std::string_view room, std::string_view frame) = 0;
};

// What another node's message means for this node's clients.
struct RemoteEvent {
  enum class Kind {
    deliver_to_peer,  // `frame` for the local holder of `id`
    deliver_to_room,  // `frame` for every local member of `room`
    peer_joined,      // `id` (on another node) entered `room`
    peer_left,        // `id` (on another node) left `room`, or its node is gone
    id_conflict,      // another node holds `id` too and wins: the local holder must let go
    peer_claimed,     // another node took `id` (what waits here for it may go there now)
    peer_released,    // `id` is no longer held on another node: let go, or its node is gone
  };
  Kind kind = Kind::deliver_to_peer;
  Protocol protocol = Protocol::native;
  std::string id;
  std::string room;
  std::string frame;
};

// A part of the signaling thread that spans nodes beside the Hub's protocols: the Socket.IO
// mounts, whose apps keep their own sockets and rooms (signal/socketio/socketio_app.hpp).
class ClusterMember {
 public:
  virtual ~ClusterMember() = default;
  // Once, before any remote event; `cluster` outlives the member's use of it.
  virtual void attach_cluster(ClusterPort& cluster) = 0;
  // Other nodes' messages, in the order received (every protocol's: a member picks its own).
  virtual void remote(std::span<const RemoteEvent> events) = 0;
};

}  // namespace iceway::signaling::cluster
