#pragma once
// The Socket.IO server most WebRTC tutorials write, built in: what `/socket.io/` does when no
// app profile describes the application (issue 12, "Without a profile"). In the main namespace:
//
//   join, joinRoom      join the room named by the first argument: a string or number, or the
//                       `room` or `roomId` field of an object ("001", {"roomId":"001"})
//   leave, leaveRoom    leave it again
//   login, register     take the name given by the first argument: a string, or the `username`
//                       or `name` field; a name another socket holds moves to this one (a
//                       reloaded page logs in again before its old socket times out)
//   anything else       relayed unchanged (name, argument bytes, attachments) to
//                         - the socket named by the first argument's `to`, `target` or `toUser`
//                           field: a logged-in name, or a socket id;
//                         - otherwise the other members of the room named by its `room` or
//                           `roomId` field, or by the first argument itself when it is a room
//                           the sender has joined (socket.to(room).emit: not back to the sender)
//
// An app profile (signal/profiles/socketio_profile.hpp) adds what one tutorial's server does
// beyond that: an event sent to each socket on connect, names taken from the handshake's auth
// object or from a field of the first event that carries one, and per-event rules (join,
// io.to(room), socket.to(room), a rename, unwrapping a field of the first argument). A rule
// wins over the behaviour above for its event.
//
// [cluster]: names, sockets and rooms span the nodes, as with socket.io's Redis adapter: a
// receiver, socket id or room member on another node is reached there, a login elsewhere takes
// the name (the last page to log in is called), and "not online" or "nobody else in the room"
// means on no node. The room limits count this node's members only.
//
// join, leave and login are acknowledged with {"ok":true} when the client asked for an ack.
// Nothing is dropped silently: an event no rule routes, a receiver that is not online, a room
// with nobody else in it and every refused join or login is answered with
// {"ok":false,"error":CODE,"message":TEXT,"event":NAME}, as the ack when the client asked for
// one and as an `error` event otherwise, and counted under CODE. A relayed event's own ack is
// not forwarded (the tutorials' servers do not forward them either).
#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

#include "signal/profiles/socketio_profile.hpp"
#include "signal/socketio/socketio_app.hpp"
#include "signal/socketio/socketio_cluster_link.hpp"
#include "signal/socketio/socketio_rooms.hpp"

namespace iceway::signaling::socketio {

enum class TutorialError : std::uint8_t {
  unknown_event,   // no rule routes it: no receiver field, no room
  unknown_target,  // the named receiver is not online
  no_recipient,    // the room has nobody but the sender
  bad_room,        // join/leave without a room, or a room name over max_room_bytes
  bad_name,        // login/register without a name, or a name over max_name_bytes
  too_many_rooms,  // RoomLimits::max_rooms_per_socket
  room_full,       // RoomLimits::max_sockets_per_room
};
inline constexpr std::size_t kTutorialErrorCount = 7;

// The wire code and metric label ("unknown-target").
std::string_view to_string(TutorialError error);

struct TutorialLimits {
  RoomLimits rooms;
  // Names and room names are kept for as long as their socket lives: bound what one holds.
  std::size_t max_name_bytes = 256;
  std::size_t max_room_bytes = 256;
  // signal.max_json_depth: the codec has bounded every payload already; routing reads the
  // first argument with the same limit, so the thread's one JSON parser keeps its buffers.
  std::size_t max_json_depth = 32;
};

class TutorialServer final : public SocketApp {
 public:
  explicit TutorialServer(const TutorialLimits& limits, SocketIoProfile profile = {})
      : limits_(limits), profile_(std::move(profile)), rooms_(limits.rooms) {}

  // Only the main namespace, which is all the tutorials use; others get the reference
  // server's "Invalid namespace".
  std::optional<std::string> admit(std::string_view nsp, std::string_view auth) const override;
  void on_event(const SocketEvent& event, std::vector<AppAction>& out) override;
  void attach_cluster(cluster::ClusterPort& cluster, std::string scope) override;
  void on_remote(const cluster::RemoteEvent& event, std::vector<AppAction>& out) override;

  std::uint64_t errors(TutorialError error) const { return errors_[static_cast<std::size_t>(error)]; }
  const RoomTable& rooms() const { return rooms_; }
  // The socket holding `name`, or null.
  const std::string* socket_of(std::string_view name) const;

 private:
  void on_message(const SocketEvent& event, std::vector<AppAction>& out);
  // The common server's routing of an event whose first argument is an object the scanner
  // reads exactly (most relayed events); false when it cannot, and on_message parses it.
  bool route_plain(const SocketEvent& event, std::vector<AppAction>& out);
  void to_receiver(const SocketEvent& event, const std::string& receiver, std::vector<AppAction>& out);
  void to_room(const SocketEvent& event, const std::string& room, std::vector<AppAction>& out);
  // The profile's rule for the event, carried out; false when no rule names it.
  bool apply_rule(const SocketEvent& event, std::vector<AppAction>& out);
  void relay(const SocketEvent& event, std::vector<std::string> to, std::vector<AppAction>& out);
  // An emit to a room's members on every node (`except` skipped: socket.to(room)); false when
  // nobody on any node would receive it.
  bool emit_to_room(const SocketEvent& event, const std::string& room, std::string_view except, std::string event_name,
                    std::string arguments, std::vector<AppAction>& out);
  // socket.join(room), acknowledged when asked; refused past the room limits.
  void join(const SocketEvent& event, const std::string& room, std::vector<AppAction>& out);
  void answer_ok(const SocketEvent& event, std::vector<AppAction>& out);
  void refuse(const SocketEvent& event, TutorialError error, std::string_view message, std::vector<AppAction>& out);
  void forget_name(const std::string& socket_id);
  void take_name(const std::string& socket_id, const std::string& name);
  // The profile's name sources: the auth object on connect, the first argument of an event
  // while the socket has no name. A name found but refused is answered (and the event with it:
  // name_from_fields returns false).
  void name_from_auth(const SocketEvent& event, std::vector<AppAction>& out);
  bool name_from_fields(const SocketEvent& event, std::vector<AppAction>& out);

  TutorialLimits limits_;
  SocketIoProfile profile_;
  RoomTable rooms_;
  SocketIoClusterLink cluster_;
  std::map<std::string, std::string, std::less<>> socket_by_name_;
  std::map<std::string, std::string, std::less<>> name_by_socket_;
  std::array<std::uint64_t, kTutorialErrorCount> errors_{};
};

}  // namespace iceway::signaling::socketio
