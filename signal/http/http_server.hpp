#pragma once
// The HTTP(S) and WebSocket front of iceway's public listener, after Beast's advanced_server_flex
// example, one class per file: a Listener per endpoint (listener.hpp), a DetectSession that peeks
// at the first bytes to tell TLS from plain text (detect_session.hpp; one port serves both when a
// certificate is configured), Plain/TlsHttpSession over the shared request loop (http_session.hpp)
// with its timeout and body limit, and the route table with the pure decision of which front door
// serves a request (router.hpp, where the rules are listed).
//
// It knows no signaling protocol; SignalServer (signal_server.hpp) adds the signaling routes, and
// the same class serves the admin listener (/metrics, /healthz, /readyz) with only add_route().
//
// Threads: one. Accepting and every session run on the io_context given at construction, which
// exactly one thread runs (app/'s control thread): that thread serialises every handler, so
// nothing here needs a strand or a lock. Every method is called on that thread (or before it
// runs); routes must be added before the first listen().
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>

#include "common/endpoint.hpp"
#include "signal/http/http_types.hpp"
#include "signal/protocol.hpp"
#include "signal/settings.hpp"

namespace iceway::signaling {

class Hub;
class SocketIoMount;
struct Counters;
struct ServerState;
class Listener;

class HttpServer {
 public:
  // `counters` receives the WebSocket sessions' slow-reader errors and must outlive the server;
  // null (an admin listener without WebSocket routes) = counted nowhere that matters. Of
  // `settings` the HTTP side uses handshake_timeout, max_http_body_bytes, static_dir and, for
  // WebSocket routes, allowed_origins and the frame, queue, ping and idle limits.
  HttpServer(boost::asio::io_context& context, const Settings& settings, Counters* counters = nullptr);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // `prefix` matches itself and everything below it ("/api/v1/" or "/api" matches "/api/x", not
  // "/apix"). Throws std::logic_error after listen().
  void add_route(std::string prefix, HttpHandler handler);
  void add_async_route(std::string prefix, AsyncHttpHandler handler);
  // `overridable`: a file for `path` in settings.static_dir (index.html for "/") is served
  // instead, so an operator's own page replaces a built-in one.
  void add_static(std::string path, std::string content_type, std::string body, bool overridable = false);
  // WebSocket upgrades on exactly `path` become connections of `protocol` on `hub`.
  void add_websocket_route(std::string path, Protocol protocol, std::shared_ptr<Hub> hub);
  // Engine.IO polling requests and WebSocket upgrades on exactly `path` (or `path` without its
  // trailing slash) go to `mount`, which runs on the same io_context (socketio_mount.hpp).
  void add_socketio_route(std::string path, std::shared_ptr<SocketIoMount> mount);

  // Binds, listens and starts accepting; returns the bound endpoint (port 0 -> the real port).
  // `tls` null = plain HTTP only; otherwise both TLS and plain on the same port. Throws
  // boost::system::system_error if the address cannot be bound (a startup error).
  Endpoint listen(const Endpoint& endpoint, std::shared_ptr<boost::asio::ssl::context> tls = nullptr);
  // SIGHUP: new connections use the new certificate; existing ones keep theirs.
  void set_tls(std::shared_ptr<boost::asio::ssl::context> tls);
  // SIGHUP: new sessions use the new limits (origins, queue bound, ping and idle times).
  void update_settings(const Settings& settings);
  // Drain: close the listening sockets; sessions already running are not touched.
  void stop_accepting();

 private:
  std::shared_ptr<ServerState> state_;
  boost::asio::io_context& context_;
  std::vector<std::shared_ptr<Listener>> listeners_;
};

}  // namespace iceway::signaling
