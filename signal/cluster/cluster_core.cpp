#include "signal/cluster/cluster_core.hpp"

#include <algorithm>

namespace iceway::signaling::cluster {
namespace {

void add_member(std::vector<std::string>& members, std::string_view peer_id) {
  if (std::find(members.begin(), members.end(), peer_id) == members.end()) members.emplace_back(peer_id);
}

bool remove_member(std::vector<std::string>& members, std::string_view peer_id) {
  auto it = std::find(members.begin(), members.end(), peer_id);
  if (it == members.end()) return false;
  members.erase(it);
  return true;
}

RemoteEvent presence_event(RemoteEvent::Kind kind, Protocol protocol, std::string room, std::string peer_id) {
  return RemoteEvent{kind, protocol, std::move(peer_id), std::move(room), {}};
}

}  // namespace

std::string node_channel(std::string_view node_id) { return "iceway:node:" + std::string(node_id); }

ClusterCore::ClusterCore(std::string node_id, Duration heartbeat, ClusterCounters& counters)
    : node_id_(std::move(node_id)), own_channel_(node_channel(node_id_)), heartbeat_(heartbeat), counters_(counters) {}

void ClusterCore::update_gauges() {
  counters_.nodes.set(static_cast<std::int64_t>(nodes_.size()));
  counters_.remote_peers.set(static_cast<std::int64_t>(remote_peer_count()));
}

// --- what other nodes hold --------------------------------------------------------------------

const ClusterCore::RemoteNode* ClusterCore::holder_node(Protocol protocol, std::string_view peer_id,
                                                        std::string* name) const {
  for (const auto& [id, node] : nodes_) {
    if (node.held[index(protocol)].ids.contains(peer_id)) {
      if (name != nullptr) *name = id;
      return &node;
    }
  }
  return nullptr;
}

bool ClusterCore::held_elsewhere(Protocol protocol, std::string_view peer_id) const {
  return holder_node(protocol, peer_id, nullptr) != nullptr;
}

std::vector<std::string> ClusterCore::remote_members(Protocol protocol, std::string_view room) const {
  std::vector<std::string> members;
  for (const auto& [id, node] : nodes_) {
    const auto& rooms = node.held[index(protocol)].rooms;
    if (auto it = rooms.find(room); it != rooms.end()) members.insert(members.end(), it->second.begin(), it->second.end());
  }
  return members;
}

std::size_t ClusterCore::remote_peer_count() const {
  std::size_t count = 0;
  for (const auto& [id, node] : nodes_)
    for (const auto& held : node.held) count += held.ids.size();
  return count;
}

// --- what this node holds ---------------------------------------------------------------------

BusMessage ClusterCore::delta(BusType type, Protocol protocol, std::string_view room, std::string_view peer_id) const {
  BusMessage message;
  message.type = type;
  message.node = node_id_;
  message.protocol = protocol;
  message.room = std::string(room);
  message.id = std::string(peer_id);
  return message;
}

void ClusterCore::claimed(Protocol protocol, std::string_view peer_id) {
  local_[index(protocol)].ids.emplace(peer_id);
  publish(std::string(kPresenceChannel), delta(BusType::claim, protocol, {}, peer_id));
}

void ClusterCore::released(Protocol protocol, std::string_view peer_id) {
  auto& ids = local_[index(protocol)].ids;
  if (auto it = ids.find(peer_id); it != ids.end()) ids.erase(it);
  publish(std::string(kPresenceChannel), delta(BusType::release, protocol, {}, peer_id));
}

void ClusterCore::joined(Protocol protocol, std::string_view room, std::string_view peer_id) {
  auto& rooms = local_[index(protocol)].rooms;
  auto it = rooms.find(room);
  if (it == rooms.end()) it = rooms.emplace(std::string(room), std::vector<std::string>{}).first;
  add_member(it->second, peer_id);
  publish(std::string(kPresenceChannel), delta(BusType::join, protocol, room, peer_id));
}

void ClusterCore::left(Protocol protocol, std::string_view room, std::string_view peer_id) {
  auto& rooms = local_[index(protocol)].rooms;
  if (auto it = rooms.find(room); it != rooms.end()) {
    remove_member(it->second, peer_id);
    if (it->second.empty()) rooms.erase(it);
  }
  publish(std::string(kPresenceChannel), delta(BusType::leave, protocol, room, peer_id));
}

bool ClusterCore::send_to_peer(Protocol protocol, std::string_view to, std::string_view frame) {
  std::string node;
  if (holder_node(protocol, to, &node) == nullptr) return false;
  BusMessage message = delta(BusType::peer, protocol, {}, to);
  message.frame = std::string(frame);
  publish(node_channel(node), message);
  counters_.frames_sent.add();
  return true;
}

void ClusterCore::send_to_room(Protocol protocol, std::string_view room, std::string_view frame) {
  for (const auto& [id, node] : nodes_) {
    const auto& rooms = node.held[index(protocol)].rooms;
    auto it = rooms.find(room);
    if (it == rooms.end() || it->second.empty()) continue;
    BusMessage message = delta(BusType::room, protocol, room, {});
    message.frame = std::string(frame);
    publish(node_channel(id), message);
    counters_.frames_sent.add();
  }
}

void ClusterCore::publish_state() {
  BusMessage state;
  state.type = BusType::state;
  state.node = node_id_;
  state.heartbeat = std::chrono::duration_cast<std::chrono::milliseconds>(heartbeat_);
  for (Protocol protocol : kAllProtocols) {
    const Held& held = local_[index(protocol)];
    Holdings& out = state.holdings[index(protocol)];
    out.ids.assign(held.ids.begin(), held.ids.end());
    for (const auto& [room, members] : held.rooms) out.rooms.push_back({room, members});
  }
  publish(std::string(kPresenceChannel), state);
  state_queued_ = true;
}

void ClusterCore::publish(std::string channel, const BusMessage& message) {
  const bool was_empty = outgoing_.empty();
  outgoing_.push_back({std::move(channel), encode(message)});
  if (was_empty && wake_) wake_();
}

std::vector<Publish> ClusterCore::take_outgoing() {
  std::vector<Publish> out;
  out.swap(outgoing_);
  state_queued_ = false;
  return out;
}

// --- what other nodes say ---------------------------------------------------------------------

void ClusterCore::receive(std::string_view payload, TimePoint now, std::vector<RemoteEvent>& events) {
  auto decoded = decode(payload);
  if (!decoded) {
    counters_.bus_refused.add();
    return;
  }
  BusMessage& message = decoded.value();
  if (message.node == node_id_) return;  // our own presence, echoed by the presence channel
  auto it = nodes_.find(message.node);
  const bool new_node = it == nodes_.end();
  if (new_node) it = nodes_.emplace(message.node, RemoteNode{now, heartbeat_, {}}).first;
  it->second.last_seen = now;  // any message shows the node is alive
  apply(message, it->second, events);
  if (message.type != BusType::peer && message.type != BusType::room) update_gauges();
  // A node just started (or back after being dropped) knows nothing of this one until our next
  // heartbeat; until then it would send its peers' room messages (a y-webrtc announce) nowhere
  // and let in ids held here. Our state at once closes that window to one round trip. It ends:
  // the new node knows us after this, so our state is not new to it. One state not yet taken
  // serves every newcomer heard from meanwhile (nodes that start together).
  if (new_node && !state_queued_) publish_state();
}

void ClusterCore::check_conflict(Protocol protocol, std::string_view remote_node, std::string_view peer_id,
                                 std::vector<RemoteEvent>& events) const {
  if (!local_[index(protocol)].ids.contains(peer_id)) return;
  if (remote_node < std::string_view(node_id_)) {
    events.push_back(presence_event(RemoteEvent::Kind::id_conflict, protocol, {}, std::string(peer_id)));
  }
}

void ClusterCore::apply(BusMessage& message, RemoteNode& node, std::vector<RemoteEvent>& events) {
  Held& held = node.held[index(message.protocol)];
  switch (message.type) {
    case BusType::state:
      return apply_state(message, node, events);
    case BusType::claim:
      if (held.ids.insert(message.id).second)
        events.push_back(presence_event(RemoteEvent::Kind::peer_claimed, message.protocol, {}, message.id));
      return check_conflict(message.protocol, message.node, message.id, events);
    case BusType::release:
      if (auto it = held.ids.find(message.id); it != held.ids.end()) {
        held.ids.erase(it);
        events.push_back(presence_event(RemoteEvent::Kind::peer_released, message.protocol, {}, message.id));
      }
      return;
    case BusType::join: {
      auto& members = held.rooms[message.room];
      const auto before = members.size();
      add_member(members, message.id);
      if (members.size() != before) {
        events.push_back(presence_event(RemoteEvent::Kind::peer_joined, message.protocol, message.room, message.id));
      }
      return;
    }
    case BusType::leave: {
      auto it = held.rooms.find(message.room);
      if (it == held.rooms.end() || !remove_member(it->second, message.id)) return;
      if (it->second.empty()) held.rooms.erase(it);
      events.push_back(presence_event(RemoteEvent::Kind::peer_left, message.protocol, message.room, message.id));
      return;
    }
    case BusType::peer:
      counters_.frames_received.add();
      events.push_back(RemoteEvent{RemoteEvent::Kind::deliver_to_peer, message.protocol, message.id, {}, std::move(message.frame)});
      return;
    case BusType::room:
      counters_.frames_received.add();
      events.push_back(RemoteEvent{RemoteEvent::Kind::deliver_to_room, message.protocol, {}, message.room, std::move(message.frame)});
      return;
  }
}

void ClusterCore::apply_state(const BusMessage& message, RemoteNode& node, std::vector<RemoteEvent>& events) {
  node.heartbeat = message.heartbeat;
  for (Protocol protocol : kAllProtocols) {
    const Holdings& now_held = message.holdings[index(protocol)];
    Held& known = node.held[index(protocol)];
    Held next;
    for (const auto& id : now_held.ids) {
      next.ids.insert(id);
      if (known.ids.contains(id)) continue;
      events.push_back(presence_event(RemoteEvent::Kind::peer_claimed, protocol, {}, id));
      check_conflict(protocol, message.node, id, events);
    }
    for (const auto& id : known.ids) {
      if (!next.ids.contains(id)) events.push_back(presence_event(RemoteEvent::Kind::peer_released, protocol, {}, id));
    }
    for (const auto& room : now_held.rooms) next.rooms[room.room] = room.members;
    // Departures first, then arrivals, each room's in the node's order.
    for (const auto& [room, members] : known.rooms) {
      auto fresh = next.rooms.find(room);
      for (const auto& member : members) {
        if (fresh == next.rooms.end() || std::find(fresh->second.begin(), fresh->second.end(), member) == fresh->second.end())
          events.push_back(presence_event(RemoteEvent::Kind::peer_left, protocol, room, member));
      }
    }
    for (const auto& [room, members] : next.rooms) {
      auto old = known.rooms.find(room);
      for (const auto& member : members) {
        if (old == known.rooms.end() || std::find(old->second.begin(), old->second.end(), member) == old->second.end())
          events.push_back(presence_event(RemoteEvent::Kind::peer_joined, protocol, room, member));
      }
    }
    known = std::move(next);
  }
}

void ClusterCore::heartbeat(TimePoint now, std::vector<RemoteEvent>& events) {
  publish_state();
  expire(now, events);
}

void ClusterCore::expire(TimePoint now, std::vector<RemoteEvent>& events) {
  for (auto it = nodes_.begin(); it != nodes_.end();) {
    RemoteNode& node = it->second;
    if (now - node.last_seen <= kMissedHeartbeats * node.heartbeat) {
      ++it;
      continue;
    }
    for (Protocol protocol : kAllProtocols) {
      for (const auto& [room, members] : node.held[index(protocol)].rooms)
        for (const auto& member : members)
          events.push_back(presence_event(RemoteEvent::Kind::peer_left, protocol, room, member));
      for (const auto& id : node.held[index(protocol)].ids)
        events.push_back(presence_event(RemoteEvent::Kind::peer_released, protocol, {}, id));
    }
    it = nodes_.erase(it);
  }
  update_gauges();
}

}  // namespace iceway::signaling::cluster
