#pragma once
// Socket.IO rooms for one node, as a pure table (the reference server's in-memory adapter):
// per namespace, which sockets are connected and which rooms each has joined. It answers "who
// receives this emit" with a list of socket ids and does no I/O; the caller hands the emit to
// those sockets' connections.
//
// Kept deliberately small (connect, join, leave, disconnect, recipients) so that it can later
// be backed by the shared signaling registry (signal/registry.hpp), which owns the other front
// doors' rooms and their limits, without its users changing.
//
// One owner, one thread, like the rest of signaling. Recipients come back sorted by socket id,
// so what a test or a log sees does not depend on hashing.
#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace iceway::signaling::socketio {

struct RoomLimits {
  // Both bound what one client can make the node hold (signal.max_rooms_per_connection and
  // signal.max_peers_per_room are the other front doors' values).
  std::size_t max_rooms_per_socket = 16;
  std::size_t max_sockets_per_room = 64;
};

enum class JoinResult : std::uint8_t {
  joined,
  already_joined,
  unknown_socket,  // not connected to the namespace (add_socket first)
  too_many_rooms,  // the socket is in max_rooms_per_socket rooms already
  room_full,       // the room has max_sockets_per_room members already
};

std::string_view to_string(JoinResult result);

class RoomTable {
 public:
  explicit RoomTable(const RoomLimits& limits) : limits_(limits) {}

  // A socket joined namespace `nsp`; false if it was there already.
  bool add_socket(std::string_view nsp, std::string_view socket_id);
  // The socket left `nsp` (or disconnected): it leaves every room. Returns the rooms it left.
  std::vector<std::string> remove_socket(std::string_view nsp, std::string_view socket_id);
  bool has_socket(std::string_view nsp, std::string_view socket_id) const;

  JoinResult join(std::string_view nsp, std::string_view socket_id, std::string_view room);
  bool leave(std::string_view nsp, std::string_view socket_id, std::string_view room);
  bool in_room(std::string_view nsp, std::string_view socket_id, std::string_view room) const;

  // io.to(room).emit: every member of `room`; socket.to(room).emit: the same without `except`
  // (the sender). As in the reference server, where every socket is in a room named after its
  // own id, a room that is a connected socket's id reaches that socket.
  std::vector<std::string> to_room(std::string_view nsp, std::string_view room, std::string_view except = {}) const;
  // io.to(socket_id).emit when the id is known to be a socket: it, if connected, else nobody.
  std::vector<std::string> to_socket(std::string_view nsp, std::string_view socket_id) const;

  std::size_t room_count() const;  // rooms with at least one member, all namespaces
  std::size_t rooms_of(std::string_view nsp, std::string_view socket_id) const;

 private:
  struct Namespace {
    std::map<std::string, std::set<std::string, std::less<>>, std::less<>> rooms;    // room -> members
    std::map<std::string, std::set<std::string, std::less<>>, std::less<>> sockets;  // socket -> rooms
  };

  RoomLimits limits_;
  std::map<std::string, Namespace, std::less<>> namespaces_;
};

}  // namespace iceway::signaling::socketio
