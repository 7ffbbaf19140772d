#pragma once
// What a Socket.IO app (the tutorial server and its profiles) tells the other nodes of a
// [cluster], and how it reads what they send: the socket.io Redis adapter's model on iceway's
// bus (signal/cluster/cluster_port.hpp). Every connected socket is announced by its id (so
// io.to(socketId) reaches it from any node), every name taken with login or a profile's
// name_from, and every room membership; an emit for a socket, a name or a room elsewhere is one
// publish to each node that holds it, carrying the event name, the sender's argument bytes and
// its binary attachments (base64 on the bus), and for socket.to(room) the sender to skip.
//
// Keys on the bus are "<scope>#s:<socket id>", "<scope>#n:<name>" and "<scope>#r:<room>", the
// scope being the mount's path: two Socket.IO paths served by one node keep their names and
// rooms apart on the bus as they do locally ('#' never occurs in a URL path).
//
// Pure (no I/O); one owner, the signaling thread, like the app that owns it.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "signal/cluster/cluster_port.hpp"

namespace iceway::signaling::socketio {

// An emit as it travels between nodes.
struct RemoteEmit {
  std::string event;
  std::string arguments;  // raw JSON text without brackets, as the sender wrote it
  std::vector<std::string> attachments;
  std::string except;  // socket.to(room): the sender, which never receives its own emit
};

// What another node's message asks of this node.
struct ClusterDelivery {
  enum class Kind {
    to_socket,  // `target` is a socket id
    to_name,    // `target` is a name
    to_room,    // `target` is a room
    name_moved  // `target` (a name) was taken on another node: the local holder lets it go
  };
  Kind kind = Kind::to_socket;
  std::string target;
  RemoteEmit emit;
};

class SocketIoClusterLink {
 public:
  void attach(cluster::ClusterPort& cluster, std::string scope);
  bool attached() const { return cluster_ != nullptr; }

  // --- what this node holds (each a no-op when not attached) ---------------------------------
  void socket_connected(std::string_view socket_id);
  // `rooms` are those the socket was in when it went.
  void socket_gone(std::string_view socket_id, const std::vector<std::string>& rooms);
  void joined(std::string_view room, std::string_view socket_id);
  void left(std::string_view room, std::string_view socket_id);
  void name_taken(std::string_view name);
  void name_released(std::string_view name);

  // --- what other nodes hold ------------------------------------------------------------------
  bool socket_elsewhere(std::string_view socket_id) const;
  bool name_elsewhere(std::string_view name) const;
  bool room_elsewhere(std::string_view room) const;

  // --- emits for other nodes (false: nobody elsewhere to receive it) ------------------------
  bool emit_to_socket(std::string_view socket_id, const RemoteEmit& emit);
  bool emit_to_name(std::string_view name, const RemoteEmit& emit);
  bool emit_to_room(std::string_view room, const RemoteEmit& emit);

  // Another node's event: what it asks of this app, or nothing (another mount's, a presence
  // change this app need not act on, or a frame that does not decode).
  std::optional<ClusterDelivery> read(const cluster::RemoteEvent& event) const;

  // The bus form of an emit, and back (nullopt for anything else).
  static std::string encode(const RemoteEmit& emit);
  static std::optional<RemoteEmit> decode(std::string_view frame);

 private:
  std::string key(char kind, std::string_view value) const;
  // The value of `key` if it is this scope's and of `kind`.
  std::optional<std::string> value_of(std::string_view key, char kind) const;

  cluster::ClusterPort* cluster_ = nullptr;
  std::string scope_;
};

}  // namespace iceway::signaling::socketio
