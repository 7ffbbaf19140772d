#pragma once
// iceway's public signaling listener (SPEC §2, §6): HTTP(S) and WebSocket on one port with
//   /ws                      native protocol
//   {peerjs_path}/peerjs     PeerJS WebSocket;  {peerjs_path}/, /{key}/id, /{key}/peers  PeerJS REST
//   /relay                   named relay
//   /yjs                     y-webrtc topics
//   /sdk/iceway.js           the JavaScript client and its TypeScript declarations
//   /sdk/iceway.d.ts         (embedded; CORS and cache headers, signal/sdk_files.hpp)
//   /  and  /ice-test        the demo call page and the ICE test page (embedded from web/;
//                            settings.static_dir may replace them), with /demo/ for their assets
// plus whatever routes the app adds (/api/v1/ice-servers).
//
// Wiring (app/):
//   signaling::SignalServer server(context, config.signal, ice_servers);
//   server.add_route("/api/v1/ice-servers", handler);           // before start()
//   auto bound = server.start(config.signal.listen, tls_context);  // tls may be null
//   ... SIGHUP:  server.update_settings(new_signal_settings); server.set_tls(new_tls_context);
//   ... SIGTERM: server.stop_accepting(); server.close_all();     // 1001 to every client
//   metrics:     server.counters()  (relaxed atomics; read from any thread)
//
// Threads: one. The registry (every peer, room and queue), the Socket.IO mounts, the cluster link
// and every session live on `context`, which exactly one thread runs (app/'s control thread):
// that thread owns all of it, so nothing needs a strand or a lock. Every public method is called
// on that thread (or before it runs); the add_*() calls precede start().
// Lifetime: `ice_servers` must outlive the server; the io_context must outlive it or be stopped
// before it is destroyed.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>

#include "common/endpoint.hpp"
#include "signal/counters.hpp"
#include "signal/registry.hpp"
#include "signal/http/http_server.hpp"
#include "signal/http/http_types.hpp"
#include "signal/ice_servers.hpp"
#include "signal/random.hpp"
#include "signal/settings.hpp"
#include "signal/socketio/engineio_session.hpp"
#include "signal/socketio/socketio_app.hpp"
#include "signal/socketio/socketio_connection.hpp"

namespace iceway::signaling::cluster {
class ClusterService;
struct ClusterSettings;
}  // namespace iceway::signaling::cluster

namespace iceway::signaling {

class Hub;
class SocketIoMount;

class SignalServer {
 public:
  SignalServer(boost::asio::io_context& context, const Settings& settings, IceServersProvider& ice_servers);
  ~SignalServer();
  SignalServer(const SignalServer&) = delete;
  SignalServer& operator=(const SignalServer&) = delete;

  // Extra HTTP routes and resources on the same listener (see HttpServer). Before start().
  void add_route(std::string prefix, HttpHandler handler);
  void add_async_route(std::string prefix, AsyncHttpHandler handler);
  void add_static(std::string path, std::string content_type, std::string body);
  // A Socket.IO endpoint at `path` ("/socket.io/") running `app`; null `app` = a bare Engine.IO
  // endpoint that echoes every message. Before start(). settings.socketio mounts the default one
  // (and the echo path) already. Throws std::logic_error when sessions do not run on the
  // registry's io_context: the mount's tables are that thread's (socketio_mount.hpp).
  void add_socketio_mount(std::string path, std::unique_ptr<socketio::SocketApp> app,
                          const socketio::EngineSettings& engine, const socketio::ConnectionSettings& connection);

  // Listens on `listen` (TLS and plain on one port when `tls` is set) and starts the registry's
  // timers. Returns the bound endpoint (useful with port 0). May be called again for another
  // endpoint. Throws boost::system::system_error if the address cannot be bound.
  Endpoint start(const Endpoint& listen, std::shared_ptr<boost::asio::ssl::context> tls = nullptr);
  void set_tls(std::shared_ptr<boost::asio::ssl::context> tls);
  // SIGHUP: limits apply to the next message and connection; nobody is disconnected.
  void update_settings(const Settings& settings);

  // Drain, step 1: no new connections.
  void stop_accepting();
  // Drain, step 2: every signaling client gets a close frame with `code` (1001 "going away").
  void close_all(std::uint16_t code = 1001, std::string reason = "server shutting down");
  // Stops the registry's timers (after close_all, before the io_contexts stop).
  void stop();

  // [cluster]: ids, rooms and messages span the nodes sharing `settings.redis` (signal/cluster/).
  // After start(); `settings.node_id` must be set. Without this call no Redis code runs.
  void start_cluster(const cluster::ClusterSettings& settings);

  Counters& counters() { return counters_; }
  // `iceway ctl peers` and `disconnect` (on the signaling thread): the registry's connections
  // (WebSocket front doors; Socket.IO's sockets are its mounts' own), and closing a peer id's.
  const Registry& registry() const;
  std::size_t disconnect_peer(std::string_view peer_id);

 private:
  // The SDK's answers depend on signal.allowed_origins, which a reload replaces.
  struct SdkOrigins {
    std::vector<std::string> origins;
  };

  Counters counters_;
  std::shared_ptr<SdkOrigins> sdk_origins_ = std::make_shared<SdkOrigins>();
  OpenSslRandom random_;
  std::shared_ptr<Hub> hub_;
  HttpServer http_;
  boost::asio::io_context& registry_context_;
  Settings initial_settings_;
  std::vector<std::shared_ptr<SocketIoMount>> socketio_mounts_;
  std::unique_ptr<cluster::ClusterService> cluster_;  // last: it uses hub_ until it is gone
};

}  // namespace iceway::signaling
