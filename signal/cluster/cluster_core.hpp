#pragma once
// The cluster's pure core: this node's holdings as announced on the bus, the presence of every
// other node (soft state), and the bus messages to publish. No Redis and no clock: the I/O side
// (cluster_service.hpp) feeds it received messages and heartbeats with `now`, and publishes what
// take_outgoing() returns, in that order.
//
// Presence is soft state. Each node publishes its whole holdings every heartbeat (plus a delta
// at every change, so peers learn at once, and once more as soon as it hears from a node it did
// not know, so a node that starts learns everyone's within a round trip); a node not heard from
// for kMissedHeartbeats of its own heartbeats is dropped, and each of its room members is
// announced as gone. After Redis returns, the next state from each node restores what was
// missed, with joins and departures found by comparing it with what was known.
//
// Id ownership: a node refuses an id another node is known to hold. Two nodes that let the same
// id in at once (neither had heard of the other's yet) learn it from each other's claim or state;
// the node whose id sorts first keeps it, the other tells its holder id-taken and lets go. Both
// decide the same way without a round trip.
//
// Ownership and threads: the Registry's thread; not thread-safe.
#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.hpp"
#include "signal/cluster/bus_message.hpp"
#include "signal/cluster/cluster_counters.hpp"
#include "signal/cluster/cluster_port.hpp"
#include "signal/cluster/cluster_settings.hpp"

namespace iceway::signaling::cluster {

struct Publish {
  std::string channel;
  std::string payload;
};

inline constexpr std::string_view kPresenceChannel = "iceway:presence";
std::string node_channel(std::string_view node_id);

class ClusterCore final : public ClusterPort {
 public:
  // `counters` must outlive the core.
  ClusterCore(std::string node_id, Duration heartbeat, ClusterCounters& counters);

  // ClusterPort
  bool held_elsewhere(Protocol protocol, std::string_view peer_id) const override;
  std::vector<std::string> remote_members(Protocol protocol, std::string_view room) const override;
  void claimed(Protocol protocol, std::string_view peer_id) override;
  void released(Protocol protocol, std::string_view peer_id) override;
  void joined(Protocol protocol, std::string_view room, std::string_view peer_id) override;
  void left(Protocol protocol, std::string_view room, std::string_view peer_id) override;
  bool send_to_peer(Protocol protocol, std::string_view to, std::string_view frame) override;
  void send_to_room(Protocol protocol, std::string_view room, std::string_view frame) override;

  // A message from the bus (the presence channel or this node's own). Appends what it means for
  // local clients to `events`. This node's own presence messages come back too and are skipped.
  void receive(std::string_view payload, TimePoint now, std::vector<RemoteEvent>& events);
  // Every heartbeat: publishes this node's state and drops nodes silent for too long.
  void heartbeat(TimePoint now, std::vector<RemoteEvent>& events);
  // Only the dropping, which the I/O side runs more often than heartbeats so a dead node is
  // announced soon after its kMissedHeartbeats-th missed heartbeat, not up to one later.
  void expire(TimePoint now, std::vector<RemoteEvent>& events);
  // Only the state message (e.g. right after Redis is reachable again).
  void publish_state();

  // What to publish, oldest first; the caller owns it from now on.
  std::vector<Publish> take_outgoing();
  // Called once when the outgoing list goes from empty to not empty (the I/O side schedules
  // one flush for everything an event loop turn produced).
  void set_wake(std::function<void()> wake) { wake_ = std::move(wake); }

  const std::string& node_id() const { return node_id_; }
  const std::string& own_channel() const { return own_channel_; }
  std::size_t node_count() const { return nodes_.size(); }
  std::size_t remote_peer_count() const;

 private:
  struct Held {
    std::set<std::string, std::less<>> ids;
    std::map<std::string, std::vector<std::string>, std::less<>> rooms;  // members in join order
  };
  struct RemoteNode {
    TimePoint last_seen;
    Duration heartbeat;
    std::array<Held, kProtocolCount> held;
  };

  void publish(std::string channel, const BusMessage& message);
  // Takes the frame out of `message` (a frame is moved to its event, not copied).
  void apply(BusMessage& message, RemoteNode& node, std::vector<RemoteEvent>& events);
  void apply_state(const BusMessage& message, RemoteNode& node, std::vector<RemoteEvent>& events);
  void update_gauges();
  void check_conflict(Protocol protocol, std::string_view remote_node, std::string_view peer_id,
                      std::vector<RemoteEvent>& events) const;
  const RemoteNode* holder_node(Protocol protocol, std::string_view peer_id, std::string* name) const;
  BusMessage delta(BusType type, Protocol protocol, std::string_view room, std::string_view peer_id) const;

  std::string node_id_;
  std::string own_channel_;
  Duration heartbeat_;
  std::array<Held, kProtocolCount> local_;
  std::map<std::string, RemoteNode, std::less<>> nodes_;  // by node id
  std::vector<Publish> outgoing_;
  bool state_queued_ = false;  // outgoing_ holds a state message
  std::function<void()> wake_;
  ClusterCounters& counters_;
};

}  // namespace iceway::signaling::cluster
