#include "signal/socketio/socketio_rooms.hpp"

namespace iceway::signaling::socketio {

std::string_view to_string(JoinResult result) {
  switch (result) {
    case JoinResult::joined: return "joined";
    case JoinResult::already_joined: return "already joined";
    case JoinResult::unknown_socket: return "unknown socket";
    case JoinResult::too_many_rooms: return "too many rooms";
    case JoinResult::room_full: return "room full";
  }
  return "unknown";
}

bool RoomTable::add_socket(std::string_view nsp, std::string_view socket_id) {
  auto space = namespaces_.find(nsp);
  if (space == namespaces_.end()) space = namespaces_.emplace(std::string(nsp), Namespace{}).first;
  return space->second.sockets.emplace(std::string(socket_id), std::set<std::string, std::less<>>{}).second;
}

std::vector<std::string> RoomTable::remove_socket(std::string_view nsp, std::string_view socket_id) {
  const auto space = namespaces_.find(nsp);
  if (space == namespaces_.end()) return {};
  const auto socket = space->second.sockets.find(socket_id);
  if (socket == space->second.sockets.end()) return {};
  std::vector<std::string> left(socket->second.begin(), socket->second.end());
  for (const std::string& room : socket->second) {
    const auto members = space->second.rooms.find(room);
    members->second.erase(members->second.find(socket_id));
    if (members->second.empty()) space->second.rooms.erase(members);
  }
  space->second.sockets.erase(socket);
  if (space->second.sockets.empty()) namespaces_.erase(space);
  return left;
}

bool RoomTable::has_socket(std::string_view nsp, std::string_view socket_id) const {
  const auto space = namespaces_.find(nsp);
  return space != namespaces_.end() && space->second.sockets.contains(socket_id);
}

JoinResult RoomTable::join(std::string_view nsp, std::string_view socket_id, std::string_view room) {
  const auto space = namespaces_.find(nsp);
  if (space == namespaces_.end()) return JoinResult::unknown_socket;
  const auto socket = space->second.sockets.find(socket_id);
  if (socket == space->second.sockets.end()) return JoinResult::unknown_socket;
  if (socket->second.contains(room)) return JoinResult::already_joined;
  if (socket->second.size() >= limits_.max_rooms_per_socket) return JoinResult::too_many_rooms;
  auto members = space->second.rooms.find(room);
  if (members != space->second.rooms.end() && members->second.size() >= limits_.max_sockets_per_room) {
    return JoinResult::room_full;
  }
  if (members == space->second.rooms.end()) {
    members = space->second.rooms.emplace(std::string(room), std::set<std::string, std::less<>>{}).first;
  }
  members->second.emplace(socket_id);
  socket->second.emplace(room);
  return JoinResult::joined;
}

bool RoomTable::leave(std::string_view nsp, std::string_view socket_id, std::string_view room) {
  const auto space = namespaces_.find(nsp);
  if (space == namespaces_.end()) return false;
  const auto socket = space->second.sockets.find(socket_id);
  if (socket == space->second.sockets.end()) return false;
  const auto joined = socket->second.find(room);
  if (joined == socket->second.end()) return false;
  socket->second.erase(joined);
  const auto members = space->second.rooms.find(room);
  members->second.erase(members->second.find(socket_id));
  if (members->second.empty()) space->second.rooms.erase(members);
  return true;
}

bool RoomTable::in_room(std::string_view nsp, std::string_view socket_id, std::string_view room) const {
  const auto space = namespaces_.find(nsp);
  if (space == namespaces_.end()) return false;
  const auto socket = space->second.sockets.find(socket_id);
  return socket != space->second.sockets.end() && socket->second.contains(room);
}

std::vector<std::string> RoomTable::to_room(std::string_view nsp, std::string_view room,
                                            std::string_view except) const {
  std::vector<std::string> recipients;
  const auto space = namespaces_.find(nsp);
  if (space == namespaces_.end()) return recipients;
  const auto members = space->second.rooms.find(room);
  if (members != space->second.rooms.end()) {
    for (const std::string& member : members->second) {
      if (member != except) recipients.push_back(member);
    }
  } else if (room != except && space->second.sockets.contains(room)) {
    recipients.emplace_back(room);
  }
  return recipients;
}

std::vector<std::string> RoomTable::to_socket(std::string_view nsp, std::string_view socket_id) const {
  if (!has_socket(nsp, socket_id)) return {};
  return {std::string(socket_id)};
}

std::size_t RoomTable::room_count() const {
  std::size_t count = 0;
  for (const auto& [name, space] : namespaces_) count += space.rooms.size();
  return count;
}

std::size_t RoomTable::rooms_of(std::string_view nsp, std::string_view socket_id) const {
  const auto space = namespaces_.find(nsp);
  if (space == namespaces_.end()) return 0;
  const auto socket = space->second.sockets.find(socket_id);
  return socket == space->second.sockets.end() ? 0 : socket->second.size();
}

}  // namespace iceway::signaling::socketio
