#pragma once
// What sits above the Socket.IO connections of one node: an application (the built-in tutorial
// server, the conformance fixture, later the app profiles of issue 12) decides, from each
// event a SocketConnection reports, what to emit to which sockets. It is pure: it returns
// AppActions naming socket ids, and the I/O layer (or a test) carries them out on the
// connections that own those ids, in order, with SocketConnection::emit(), ack() and
// disconnect().
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "signal/cluster/cluster_port.hpp"
#include "signal/socketio/socketio_connection.hpp"

namespace iceway::signaling::socketio {

struct AppAction {
  enum class Kind : std::uint8_t {
    emit,        // `event` with `arguments` (and `attachments`) to every socket in `to`
    ack,         // answer `ack_id` of the one socket in `to` with `arguments`
    disconnect,  // remove the one socket in `to` from `nsp`
  };
  Kind kind = Kind::emit;
  std::vector<std::string> to;  // socket ids
  std::string nsp = "/";
  std::string event;
  // Raw JSON text of the arguments, without brackets ("" for none): relayed arguments are the
  // sender's own bytes.
  std::string arguments;
  std::vector<std::string> attachments;
  std::uint64_t ack_id = 0;
};

class SocketApp : public NamespacePolicy {
 public:
  // Every event of every connection of the node, in the order the connections reported them.
  // Views in `event` are valid only during the call.
  virtual void on_event(const SocketEvent& event, std::vector<AppAction>& out) = 0;

  // [cluster]: the app's names, sockets and rooms span the nodes (socketio_cluster_link.hpp);
  // `scope` (the mount's path) keeps two mounts apart on the bus. `cluster` outlives the app.
  // An app that stays within its node ignores both calls.
  virtual void attach_cluster(cluster::ClusterPort& /*cluster*/, std::string /*scope*/) {}
  // Another node's event, in the order received: what to emit to this node's sockets.
  virtual void on_remote(const cluster::RemoteEvent& /*event*/, std::vector<AppAction>& /*out*/) {}
};

}  // namespace iceway::signaling::socketio
