#pragma once
// One Socket.IO (or bare Engine.IO echo) endpoint of the public listener: the table from sid to
// the client's EngineSession and SocketConnection, the held GET of each polling client, its
// WebSocket, its timer, and the SocketApp above them all. It follows the recipes at the top of
// engineio_session.hpp and socketio_connection.hpp; every decision is made there, this file only
// carries the outputs to sockets and timers.
//
// Threads: everything here, and every HTTP and WebSocket session that calls it, runs on the one
// io_context given at construction (the signaling thread of app/server.cpp), so the calls below
// are direct and nothing takes a lock. SignalServer refuses a mount when sessions run elsewhere.
//
// Limits (signal.* settings, as the other front doors): connections per source address (keyed
// by source_prefix), messages per second per client (token bucket; a message over the rate is
// dropped and counted rate_limited), maxPayload, the polling buffer (EngineSettings) and the
// WebSocket send queue (max_send_queue_bytes), the Engine.IO ping timeout.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "common/endpoint.hpp"
#include "signal/cluster/cluster_port.hpp"
#include "signal/counters.hpp"
#include "signal/http/http_types.hpp"
#include "signal/random.hpp"
#include "signal/settings.hpp"
#include "signal/socketio/engineio_session.hpp"
#include "signal/socketio/socketio_app.hpp"
#include "signal/socketio/socketio_connection.hpp"

namespace iceway::signaling {

// What the mount needs from a WebSocket carrying an Engine.IO session. Called on the mount's
// thread; neither call may call back into the mount (they only queue and start writes).
class EngineSocket {
 public:
  virtual ~EngineSocket() = default;
  virtual void send(std::vector<socketio::OutboundFrame> frames) = 0;
  // Close (1000) after the frames already sent.
  virtual void close() = 0;
};

class SocketIoMount : public std::enable_shared_from_this<SocketIoMount>, public cluster::ClusterMember {
 public:
  // `app` null = an Engine.IO echo endpoint: every message is sent back as it came. `random`
  // and `counters` must outlive the mount.
  // `path` names the mount's app on the cluster's bus.
  SocketIoMount(boost::asio::io_context& context, std::string path, std::unique_ptr<socketio::SocketApp> app,
                const socketio::EngineSettings& engine, const socketio::ConnectionSettings& connection,
                const Settings& settings, RandomSource& random, Counters& counters);
  ~SocketIoMount() override;

  // [cluster]: the app's names, sockets and rooms span the nodes.
  void attach_cluster(cluster::ClusterPort& cluster) override;
  void remote(std::span<const cluster::RemoteEvent> events) override;

  // A polling request (GET, POST, OPTIONS) under the mount's path; `respond` is called once,
  // possibly later (a held GET). For a held GET the answer is what to call if the client goes
  // away before it is answered (the session ends, as the protocol's test suite expects); an
  // empty function otherwise.
  std::function<void()> http(const HttpRequest& request, HttpResponder respond);
  // A WebSocket upgrade: a refusal to answer instead of upgrading, or none, after which `socket`
  // carries the session named `sid` (set here); or, with `sid` left empty, `socket` has been told
  // to close once open (its session has a WebSocket already).
  std::optional<HttpResponse> open_websocket(const HttpRequest& request, std::weak_ptr<EngineSocket> socket,
                                             std::string& sid);
  void websocket_frame(const std::string& sid, const EngineSocket* socket, std::string_view data, bool binary);
  void websocket_closed(const std::string& sid, const EngineSocket* socket);

  void update_settings(const Settings& settings);
  // Drain: close every session.
  void close_all();
  std::size_t session_count() const { return clients_.size(); }
  std::size_t max_payload() const { return engine_.max_payload; }

 private:
  struct Client;

  HttpResponse handshake(const HttpRequest& request, socketio::EngineTransport transport,
                         std::weak_ptr<EngineSocket> socket, std::string* sid_out);
  std::optional<HttpResponse> refuse_source(const IpAddress& source);
  void apply(Client& client, socketio::EngineOutput out, HttpResponder* respond);
  void apply(Client& client, socketio::ConnectionOutput& out);
  void on_message(Client& client, const socketio::EnginePacket& message);
  void carry_out(std::vector<socketio::AppAction>& actions);
  void schedule(Client& client);
  void forget(Client& client);
  HttpResponse with_cors(const HttpRequest& request, HttpResponse response) const;

  boost::asio::io_context& context_;
  std::string path_;
  std::unique_ptr<socketio::SocketApp> app_;
  socketio::EngineSettings engine_;
  socketio::ConnectionSettings connection_;
  Settings settings_;
  RandomSource& random_;
  Counters& counters_;
  std::unordered_map<std::string, std::shared_ptr<Client>> clients_;         // by sid
  std::unordered_map<std::string, std::string> sid_of_socket_;               // socket id -> sid
  std::unordered_map<IpAddress, std::size_t> per_source_;                    // by source_prefix
};

}  // namespace iceway::signaling
