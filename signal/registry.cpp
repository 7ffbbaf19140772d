#include "signal/registry.hpp"

#include <algorithm>

namespace iceway::signaling {

Result<Registry::Connection*, Registry::AddError> Registry::add(ConnectionId id, Protocol protocol,
                                                               const IpAddress& remote, TimePoint now,
                                                               double burst) {
  if (connections_.contains(id)) return failure(AddError::duplicate_connection);
  const IpAddress source = source_prefix(remote, limits_.ipv6_prefix);
  auto& from_address = per_address_[source];
  if (from_address >= limits_.max_connections_per_ip) {
    if (from_address == 0) per_address_.erase(source);
    return failure(AddError::too_many_from_address);
  }
  ++from_address;
  auto [it, inserted] =
      connections_.emplace(id, Connection{id, protocol, remote, source, {}, {}, TokenBucket(now, burst)});
  counters_.connections_active[index(protocol)].increment();
  return &it->second;
}

Registry::Connection* Registry::find(ConnectionId id) {
  auto it = connections_.find(id);
  return it == connections_.end() ? nullptr : &it->second;
}

const Registry::Connection* Registry::find(ConnectionId id) const {
  auto it = connections_.find(id);
  return it == connections_.end() ? nullptr : &it->second;
}

std::optional<Registry::Departure> Registry::remove(ConnectionId id) {
  auto it = connections_.find(id);
  if (it == connections_.end()) return std::nullopt;
  Connection& connection = it->second;
  Departure departure;
  departure.protocol = connection.protocol;
  for (const auto& room : connection.rooms) {
    departure.rooms.push_back({room, drop_member(connection.protocol, room, id)});
  }
  if (!connection.peer_id.empty()) {
    peers_[index(connection.protocol)].erase(connection.peer_id);
    departure.peer_id = std::move(connection.peer_id);
  }
  if (auto address = per_address_.find(connection.source); address != per_address_.end()) {
    if (--address->second == 0) per_address_.erase(address);
  }
  counters_.connections_active[index(connection.protocol)].decrement();
  connections_.erase(it);
  return departure;
}

std::size_t Registry::connections_from(const IpAddress& address) const {
  auto it = per_address_.find(source_prefix(address, limits_.ipv6_prefix));
  return it == per_address_.end() ? 0 : it->second;
}

void Registry::for_each(const std::function<void(const Connection&)>& visit) const {
  for (const auto& [id, connection] : connections_) visit(connection);
}

bool Registry::claim_id(ConnectionId id, std::string_view peer_id) {
  Connection* connection = find(id);
  if (connection == nullptr || peer_id.empty()) return false;
  auto& peers = peers_[index(connection->protocol)];
  if (auto it = peers.find(peer_id); it != peers.end()) return it->second == id;
  release_id(id);
  peers.emplace(std::string(peer_id), id);
  connection->peer_id = std::string(peer_id);
  return true;
}

std::optional<ConnectionId> Registry::take_over_id(ConnectionId new_holder, std::string_view peer_id) {
  Connection* connection = find(new_holder);
  if (connection == nullptr) return std::nullopt;
  auto& peers = peers_[index(connection->protocol)];
  auto it = peers.find(peer_id);
  if (it == peers.end() || it->second == new_holder) return std::nullopt;
  const ConnectionId previous = it->second;
  if (Connection* old = find(previous)) old->peer_id.clear();
  release_id(new_holder);
  it->second = new_holder;
  connection->peer_id = std::string(peer_id);
  return previous;
}

void Registry::release_id(ConnectionId id) {
  Connection* connection = find(id);
  if (connection == nullptr || connection->peer_id.empty()) return;
  peers_[index(connection->protocol)].erase(connection->peer_id);
  connection->peer_id.clear();
}

std::optional<ConnectionId> Registry::holder(Protocol protocol, std::string_view peer_id) const {
  const auto& peers = peers_[index(protocol)];
  auto it = peers.find(peer_id);
  if (it == peers.end()) return std::nullopt;
  return it->second;
}

std::vector<std::string> Registry::peer_ids(Protocol protocol) const {
  std::vector<std::string> ids;
  ids.reserve(peers_[index(protocol)].size());
  for (const auto& [peer_id, holder_id] : peers_[index(protocol)]) ids.push_back(peer_id);
  std::sort(ids.begin(), ids.end());
  return ids;
}

Result<Registry::Joined, Registry::JoinError> Registry::join(ConnectionId id, std::string_view room) {
  Connection* connection = find(id);
  if (connection == nullptr) return failure(JoinError::unknown_connection);
  auto& rooms = rooms_[index(connection->protocol)];
  auto it = rooms.find(room);
  if (it != rooms.end()) {
    auto& members = it->second.members;
    if (std::find(members.begin(), members.end(), id) != members.end()) {
      Joined joined{true, {}};
      for (ConnectionId member : members) {
        if (member != id) joined.others.push_back(member);
      }
      return joined;
    }
  }
  if (connection->rooms.size() >= limits_.max_rooms_per_connection) return failure(JoinError::too_many_rooms);
  if (it != rooms.end() && it->second.members.size() >= limits_.max_peers_per_room) {
    return failure(JoinError::room_full);
  }
  if (it == rooms.end()) {
    it = rooms.emplace(std::string(room), Room{}).first;
    counters_.rooms_active.increment();
  }
  Joined joined{false, it->second.members};
  it->second.members.push_back(id);
  connection->rooms.emplace_back(room);
  return joined;
}

std::optional<std::vector<ConnectionId>> Registry::leave(ConnectionId id, std::string_view room) {
  Connection* connection = find(id);
  if (connection == nullptr) return std::nullopt;
  auto position = std::find(connection->rooms.begin(), connection->rooms.end(), room);
  if (position == connection->rooms.end()) return std::nullopt;
  connection->rooms.erase(position);
  return drop_member(connection->protocol, room, id);
}

std::span<const ConnectionId> Registry::members(Protocol protocol, std::string_view room) const {
  const auto& rooms = rooms_[index(protocol)];
  auto it = rooms.find(room);
  if (it == rooms.end()) return {};
  return it->second.members;
}

bool Registry::is_member(ConnectionId id, std::string_view room) const {
  const Connection* connection = find(id);
  if (connection == nullptr) return false;
  return std::find(connection->rooms.begin(), connection->rooms.end(), room) != connection->rooms.end();
}

std::vector<ConnectionId> Registry::drop_member(Protocol protocol, std::string_view room, ConnectionId id) {
  auto& rooms = rooms_[index(protocol)];
  auto it = rooms.find(room);
  if (it == rooms.end()) return {};
  auto& members = it->second.members;
  members.erase(std::remove(members.begin(), members.end(), id), members.end());
  std::vector<ConnectionId> remaining = members;
  if (members.empty()) {
    rooms.erase(it);
    counters_.rooms_active.decrement();
  }
  return remaining;
}

}  // namespace iceway::signaling
