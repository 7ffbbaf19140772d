#include "signal/http/signal_server.hpp"

#include <boost/asio/dispatch.hpp>

#include "signal/cluster/cluster_service.hpp"

#include <algorithm>

#include <boost/asio/post.hpp>

#include "signal/http/hub.hpp"
#include "signal/http/socketio_mount.hpp"
#include "signal/socketio/conformance_server.hpp"
#include "signal/socketio/tutorial_server.hpp"
#include "signal/http/embedded.hpp"
#include "signal/sdk_files.hpp"

namespace iceway::signaling {
namespace {

// "{path}/peerjs" without a doubled slash, as the reference builds it.
std::string peerjs_socket_path(const std::string& base) {
  return base + (base.ends_with('/') ? "" : "/") + "peerjs";
}

socketio::EngineSettings engine_settings(const Settings& signal) {
  const auto& settings = signal.socketio;
  socketio::EngineSettings engine;
  engine.ping_interval = settings.ping_interval;
  engine.ping_timeout = settings.ping_timeout;
  engine.max_payload = settings.max_payload;
  // What waits for a client's next poll is bounded like a WebSocket's send queue.
  engine.max_buffered_bytes = signal.max_send_queue_bytes;
  return engine;
}

socketio::TutorialLimits tutorial_limits(const Settings& settings) {
  socketio::TutorialLimits limits;
  limits.rooms.max_rooms_per_socket = settings.max_rooms_per_connection;
  limits.rooms.max_sockets_per_room = settings.max_peers_per_room;
  limits.max_json_depth = settings.max_json_depth;
  return limits;
}

}  // namespace

SignalServer::SignalServer(boost::asio::io_context& context, const Settings& settings, IceServersProvider& ice_servers)
    : hub_(std::make_shared<Hub>(context, settings, ice_servers, random_, counters_)),
      http_(context, settings, &counters_),
      registry_context_(context),
      initial_settings_(settings) {
  http_.add_websocket_route("/ws", Protocol::native, hub_);
  http_.add_websocket_route(peerjs_socket_path(settings.peerjs_path), Protocol::peerjs, hub_);
  http_.add_websocket_route("/relay", Protocol::relay, hub_);
  http_.add_websocket_route("/yjs", Protocol::yjs, hub_);
  // App profiles: routes are fixed at start (a reload changes what a profile does, not where).
  for (const auto& profile : settings.json_profiles) http_.add_websocket_route(profile.path, Protocol::profile, hub_);

  // PeerJS REST: the answers need the registry, so they are computed on its thread. The path
  // prefix is fixed at construction (a reload does not move routes).
  std::string base = settings.peerjs_path;
  while (base.size() > 1 && base.ends_with('/')) base.pop_back();
  http_.add_async_route(base, [hub = hub_, base](const HttpRequest& request, HttpResponder respond) {
    if (request.method != "GET" && request.method != "HEAD") {
      return respond({405, "text/plain; charset=utf-8", "method not allowed\n", {}});
    }
    std::string rest = request.path.size() > base.size() ? request.path.substr(base.size()) : std::string();
    if (base == "/") rest = request.path;
    hub->peerjs_http(std::move(rest), [respond = std::move(respond)](std::optional<HttpReply> reply) {
      if (!reply) return respond({404, "text/plain; charset=utf-8", "not found\n", {}});
      // The reference answers any origin (cors({origin: true})); the client fetches /id from
      // the page's origin, which may not be ours.
      respond({reply->status, reply->content_type, std::move(reply->body), {{"Access-Control-Allow-Origin", "*"}}});
    });
  });
  // The SDK: apps on other origins import it, so it needs CORS, and it may be cached.
  sdk_origins_->origins = settings.allowed_origins;
  for (auto file : {std::make_shared<const SdkFile>("/sdk/iceway.js", "text/javascript; charset=utf-8",
                                                    std::string(embedded_sdk())),
                    std::make_shared<const SdkFile>("/sdk/iceway.d.ts", "application/typescript; charset=utf-8",
                                                    std::string(embedded_sdk_types()))}) {
    http_.add_route(file->path(), [file, origins = sdk_origins_](const HttpRequest& request) {
      return file->answer(request, origins->origins);
    });
  }
  // The demo call page and the ICE test page (web/). A page of the same path in
  // settings.static_dir replaces the built-in one (index.html for "/"); the pages' own scripts
  // and style keep their paths so a replacement page may still use them.
  constexpr std::string_view kHtml = "text/html; charset=utf-8";
  constexpr std::string_view kJavaScript = "text/javascript; charset=utf-8";
  http_.add_static("/", std::string(kHtml), std::string(embedded_demo_page()), true);
  http_.add_static("/ice-test", std::string(kHtml), std::string(embedded_ice_test_page()), true);
  http_.add_static("/demo/style.css", "text/css; charset=utf-8", std::string(embedded_web_style()));
  http_.add_static("/demo/call.js", std::string(kJavaScript), std::string(embedded_call_script()));
  http_.add_static("/demo/ice-test.js", std::string(kJavaScript), std::string(embedded_ice_test_script()));

  // The Socket.IO front door.
  const auto& socketio = settings.socketio;
  if (socketio.enabled) {
    socketio::ConnectionSettings connection;
    connection.binary = socketio.relay_binary ? socketio::BinaryPolicy::relay : socketio::BinaryPolicy::refuse;
    connection.max_attachment_bytes = socketio.max_payload;
    connection.packet.max_json_depth = settings.max_json_depth;
    std::unique_ptr<socketio::SocketApp> app;
    if (socketio.app == "conformance") {
      app = std::make_unique<socketio::ConformanceServer>();
      connection.connect_timeout = std::chrono::milliseconds(1000);  // the suite's fixture
    } else {
      app = std::make_unique<socketio::TutorialServer>(tutorial_limits(settings));
    }
    // A Socket.IO profile on the default path replaces the common tutorial server there.
    const bool replaced = std::any_of(settings.socketio_profiles.begin(), settings.socketio_profiles.end(),
                                      [&](const SocketIoProfile& profile) { return profile.path == socketio.path; });
    if (!replaced) add_socketio_mount(socketio.path, std::move(app), engine_settings(settings), connection);
    for (const auto& profile : settings.socketio_profiles) {
      add_socketio_mount(profile.path, std::make_unique<socketio::TutorialServer>(tutorial_limits(settings), profile),
                         engine_settings(settings), connection);
    }
    if (!socketio.engineio_echo_path.empty()) {
      add_socketio_mount(socketio.engineio_echo_path, nullptr, engine_settings(settings), connection);
    }
  }
}

void SignalServer::add_socketio_mount(std::string path, std::unique_ptr<socketio::SocketApp> app,
                                      const socketio::EngineSettings& engine,
                                      const socketio::ConnectionSettings& connection) {
  auto mount = std::make_shared<SocketIoMount>(registry_context_, path, std::move(app), engine, connection,
                                               initial_settings_, random_, counters_);
  socketio_mounts_.push_back(mount);
  http_.add_socketio_route(std::move(path), std::move(mount));
}

SignalServer::~SignalServer() {
  http_.stop_accepting();
  hub_->stop();
}

void SignalServer::add_route(std::string prefix, HttpHandler handler) {
  http_.add_route(std::move(prefix), std::move(handler));
}

void SignalServer::add_async_route(std::string prefix, AsyncHttpHandler handler) {
  http_.add_async_route(std::move(prefix), std::move(handler));
}

void SignalServer::add_static(std::string path, std::string content_type, std::string body) {
  http_.add_static(std::move(path), std::move(content_type), std::move(body));
}

Endpoint SignalServer::start(const Endpoint& listen, std::shared_ptr<boost::asio::ssl::context> tls) {
  hub_->start();
  return http_.listen(listen, std::move(tls));
}

void SignalServer::set_tls(std::shared_ptr<boost::asio::ssl::context> tls) { http_.set_tls(std::move(tls)); }

void SignalServer::update_settings(const Settings& settings) {
  sdk_origins_->origins = settings.allowed_origins;
  http_.update_settings(settings);
  hub_->update_settings(settings);
  for (const auto& mount : socketio_mounts_) {
    boost::asio::post(registry_context_, [mount, settings] { mount->update_settings(settings); });
  }
}

void SignalServer::stop_accepting() { http_.stop_accepting(); }

const Registry& SignalServer::registry() const { return hub_->registry(); }

std::size_t SignalServer::disconnect_peer(std::string_view peer_id) { return hub_->disconnect_peer(peer_id); }

void SignalServer::close_all(std::uint16_t code, std::string reason) {
  hub_->close_all(code, std::move(reason));
  for (const auto& mount : socketio_mounts_) boost::asio::post(registry_context_, [mount] { mount->close_all(); });
}

void SignalServer::stop() {
  hub_->stop();
  if (cluster_) boost::asio::dispatch(registry_context_, [this] { cluster_->stop(); });
}

void SignalServer::start_cluster(const cluster::ClusterSettings& settings) {
  cluster_ = std::make_unique<cluster::ClusterService>(registry_context_, settings, counters_.cluster);
  cluster_->add_member(*hub_);
  for (const auto& mount : socketio_mounts_) cluster_->add_member(*mount);
  boost::asio::post(registry_context_, [this] { cluster_->start(); });
}

}  // namespace iceway::signaling
