#include "signal/http/http_server.hpp"

#include <algorithm>
#include <filesystem>
#include <functional>
#include <optional>
#include <stdexcept>
#include <unordered_map>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <spdlog/spdlog.h>

#include "signal/counters.hpp"
#include "signal/http/asio_address.hpp"
#include "signal/http/engine_websocket.hpp"
#include "signal/http/hub.hpp"
#include "signal/http/socketio_mount.hpp"
#include "signal/static_files.hpp"
#include "signal/http/websocket_session.hpp"
#include "signal/query.hpp"

namespace iceway::signaling {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace websocket = boost::beast::websocket;
using tcp = boost::asio::ip::tcp;

namespace {

// Request line and headers; bodies have their own limit (settings.max_http_body_bytes).
constexpr std::uint32_t kMaxHeaderBytes = 16 * 1024;

bool prefix_matches(std::string_view prefix, std::string_view path) {
  if (!path.starts_with(prefix)) return false;
  if (path.size() == prefix.size()) return true;
  return prefix.ends_with('/') || path[prefix.size()] == '/';
}

}  // namespace

// Everything sessions share. The routes are fixed at the first listen(); `settings` and `tls`
// are replaced by a reload, on the same thread as every session.
struct ServerState {
  struct Route {
    std::string prefix;
    HttpHandler handler;
    AsyncHttpHandler async_handler;
  };
  struct WebSocketRoute {
    std::string path;
    Protocol protocol;
    std::shared_ptr<Hub> hub;
  };
  struct SocketIoRoute {
    std::string path;
    std::shared_ptr<SocketIoMount> mount;
  };
  struct Resource {
    std::string content_type;
    std::string body;
    bool overridable = false;  // by a file of the same path in settings.static_dir
  };

  ServerState(const Settings& initial, Counters* counters_in)
      : own_counters(counters_in == nullptr ? std::make_unique<Counters>() : nullptr),
        counters(counters_in == nullptr ? *own_counters : *counters_in),
        settings(std::make_shared<const Settings>(initial)) {}

  std::shared_ptr<const Settings> current_settings() const { return settings; }
  std::shared_ptr<net::ssl::context> current_tls() const { return tls; }
  const Route* find_route(std::string_view path) const {
    const Route* best = nullptr;
    for (const auto& route : routes) {
      if (prefix_matches(route.prefix, path) && (best == nullptr || route.prefix.size() > best->prefix.size())) {
        best = &route;
      }
    }
    return best;
  }
  const WebSocketRoute* find_websocket_route(std::string_view path) const {
    for (const auto& route : websocket_routes) {
      if (route.path == path) return &route;
    }
    return nullptr;
  }
  // "/socket.io/" also answers "/socket.io", as the reference server does.
  const SocketIoRoute* find_socketio_route(std::string_view path) const {
    for (const auto& route : socketio_routes) {
      if (route.path == path) return &route;
      if (route.path.ends_with('/') && route.path.size() == path.size() + 1 && route.path.starts_with(path)) {
        return &route;
      }
    }
    return nullptr;
  }
  void check_not_started() const {
    if (started) throw std::logic_error("HttpServer: routes must be added before listen()");
  }

  std::unique_ptr<Counters> own_counters;  // when the owner passed none
  Counters& counters;
  bool started = false;
  std::vector<Route> routes;
  std::vector<WebSocketRoute> websocket_routes;
  std::vector<SocketIoRoute> socketio_routes;
  std::size_t max_socketio_body = 0;  // the largest maxPayload of the Socket.IO routes
  std::unordered_map<std::string, Resource> resources;

  std::shared_ptr<const Settings> settings;
  std::shared_ptr<net::ssl::context> tls;
};

namespace {

using Request = http::request<http::string_body>;
using WebSocketSocket = net::basic_stream_socket<tcp, net::io_context::executor_type>;
using StringResponse = http::response<http::string_body>;

StringResponse make_response(const HttpResponse& reply, const Request& request) {
  StringResponse response{static_cast<http::status>(reply.status), request.version()};
  response.set(http::field::server, "iceway");
  response.set(http::field::content_type, reply.content_type);
  for (const auto& [name, value] : reply.headers) response.insert(name, value);
  response.keep_alive(request.keep_alive());
  response.body() = reply.body;
  response.prepare_payload();
  // HEAD: the headers of a GET (Content-Length included), no body.
  if (request.method() == http::verb::head) response.body().clear();
  return response;
}

HttpResponse plain(unsigned status, std::string body) {
  HttpResponse reply;
  reply.status = status;
  reply.body = std::move(body);
  return reply;
}

HttpRequest to_http_request(const Request& request, const Endpoint& remote, bool secure) {
  HttpRequest out;
  out.method = std::string(request.method_string());
  out.target = std::string(request.target());
  out.path = std::string(target_path(out.target));
  for (const auto& field : request) out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  out.body = request.body();
  out.remote = remote;
  out.secure = secure;
  return out;
}

bool origin_allowed(const Settings& settings, const Request& request) {
  if (settings.allowed_origins.empty()) return true;
  const auto origin = request[http::field::origin];
  // Browsers always send Origin on a WebSocket upgrade; a request without one is not a page on a
  // foreign site, which is what the list is about.
  if (origin.empty()) return true;
  for (const auto& allowed : settings.allowed_origins) {
    if (beast::iequals(origin, allowed)) return true;
  }
  return false;
}

// The request/response loop shared by plain and TLS sessions (Beast's CRTP pattern). Derived
// provides stream(), upgrade(request, route) and do_eof().
template <class Derived>
class HttpSession {
 public:
  HttpSession(std::shared_ptr<ServerState> state, beast::flat_buffer buffer, Endpoint remote, bool secure)
      : state_(std::move(state)), buffer_(std::move(buffer)), remote_(remote), secure_(secure) {}

 protected:
  Derived& derived() { return static_cast<Derived&>(*this); }

  void do_read() {
    settings_ = state_->current_settings();
    parser_.emplace();
    // The header's Content-Length is judged as it is parsed, before the path is known: admit the
    // largest body any route takes (a Socket.IO mount's maxPayload), then hold every other path
    // to max_http_body_bytes in on_header().
    parser_->body_limit(std::max(settings_->max_http_body_bytes, state_->max_socketio_body));
    parser_->header_limit(kMaxHeaderBytes);
    beast::get_lowest_layer(derived().stream()).expires_after(settings_->handshake_timeout);
    http::async_read_header(derived().stream(), buffer_, *parser_,
                            beast::bind_front_handler(&HttpSession::on_header, derived().shared_from_this()));
  }

  void on_header(beast::error_code ec, std::size_t bytes) {
    if (ec) return on_read(ec, bytes);
    if (state_->find_socketio_route(target_path(parser_->get().target())) == nullptr) {
      const auto length = parser_->content_length();
      if (length && *length > settings_->max_http_body_bytes) return send_and_close(413, "request body too large");
      parser_->body_limit(settings_->max_http_body_bytes);  // a chunked body is counted as it comes
    }
    http::async_read(derived().stream(), buffer_, *parser_,
                     beast::bind_front_handler(&HttpSession::on_read, derived().shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t /*bytes*/) {
    if (ec == http::error::end_of_stream) return derived().do_eof();
    if (ec == http::error::body_limit) return send_and_close(413, "request body too large");
    if (ec == http::error::header_limit) return send_and_close(431, "request headers too large");
    if (ec) return;  // timeout, reset or garbage: drop the connection
    handle(parser_->release());
  }

  void send_and_close(unsigned status, std::string text) {
    Request request;
    request.version(11);
    request.keep_alive(false);
    send(make_response(plain(status, std::move(text)), request));
  }

  void handle(Request request) {
    const std::string_view path = target_path(request.target());
    if (const auto* socketio_route = state_->find_socketio_route(path)) {
      return handle_socketio(std::move(request), *socketio_route);
    }
    const auto* websocket_route = state_->find_websocket_route(path);
    if (websocket::is_upgrade(request)) {
      if (websocket_route == nullptr) return send(make_response(plain(404, "no WebSocket endpoint here\n"), request));
      if (!origin_allowed(*settings_, request)) {
        state_->counters.count_error(ErrorCode::origin_not_allowed);
        return send(make_response(plain(403, "origin not allowed\n"), request));
      }
      return derived().upgrade(std::move(request), *websocket_route, settings_);
    }
    if (websocket_route != nullptr) {
      HttpResponse reply = plain(426, "this endpoint speaks WebSocket\n");
      reply.headers.emplace_back("Upgrade", "websocket");
      return send(make_response(reply, request));
    }
    // Exact resources first, so a catch-all prefix route (a PeerJS path of "/") cannot hide them.
    const bool readable = request.method() == http::verb::get || request.method() == http::verb::head;
    if (auto resource = state_->resources.find(std::string(path)); resource != state_->resources.end()) {
      if (!readable) return send(make_response(plain(405, "method not allowed\n"), request));
      if (resource->second.overridable && !settings_->static_dir.empty()) {
        std::error_code fs_error;
        auto file = resolve_static_path(settings_->static_dir, path);
        if (file && std::filesystem::is_regular_file(*file, fs_error)) return send_file(*file, request);
      }
      return send(make_response({200, resource->second.content_type, resource->second.body, {}}, request));
    }
    if (const auto* route = state_->find_route(path)) {
      if (route->handler) return send(make_response(route->handler(to_http_request(request, remote_, secure_)), request));
      auto shared_request = std::make_shared<Request>(std::move(request));
      auto executor = beast::get_lowest_layer(derived().stream()).get_executor();
      route->async_handler(
          to_http_request(*shared_request, remote_, secure_),
          [self = derived().shared_from_this(), shared_request, executor](HttpResponse reply) {
            net::post(executor, [self, shared_request, reply = std::move(reply)] {
              self->send(make_response(reply, *shared_request));
            });
          });
      return;
    }
    if (readable && !settings_->static_dir.empty()) {
      if (auto file = resolve_static_path(settings_->static_dir, path)) return send_file(*file, request);
    }
    send(make_response(plain(404, "not found\n"), request));
  }

  // Polling requests and WebSocket upgrades of a Socket.IO (Engine.IO) mount; the mount runs on
  // this thread (socketio_mount.hpp), so the calls are direct.
  void handle_socketio(Request request, const ServerState::SocketIoRoute& route) {
    if (websocket::is_upgrade(request)) {
      if (!origin_allowed(*settings_, request)) {
        state_->counters.count_error(ErrorCode::origin_not_allowed);
        return send(make_response(plain(403, "origin not allowed\n"), request));
      }
      return derived().upgrade_engine(std::move(request), route.mount, settings_);
    }
    auto shared_request = std::make_shared<Request>(std::move(request));
    auto executor = beast::get_lowest_layer(derived().stream()).get_executor();
    const auto serial = ++request_serial_;
    auto on_abort = route.mount->http(
        to_http_request(*shared_request, remote_, secure_),
        [self = derived().shared_from_this(), shared_request, executor, serial](HttpResponse reply) {
          // Posted even on this thread: the mount may answer a held GET from inside another
          // session's call.
          net::post(executor, [self, shared_request, serial, reply = std::move(reply)] {
            self->answered_serial_ = serial;
            self->send(make_response(reply, *shared_request));
          });
        });
    if (on_abort) watch_for_abort(serial, std::move(on_abort));
  }

  // While a GET is held, the socket is otherwise idle: readable with nothing to read means the
  // client closed it (fetch aborted, tab closed), which ends the Engine.IO session at once
  // instead of at its next ping. Data (a pipelined request) is left for the next read.
  void watch_for_abort(std::uint64_t serial, std::function<void()> on_abort) {
    auto& socket = beast::get_lowest_layer(derived().stream()).socket();
    socket.async_wait(tcp::socket::wait_read, [self = derived().shared_from_this(), serial,
                                               on_abort = std::move(on_abort)](beast::error_code ec) {
      if (ec || self->answered_serial_ >= serial) return;
      beast::error_code available_error;
      const auto pending = beast::get_lowest_layer(self->stream()).socket().available(available_error);
      if (available_error || pending == 0) on_abort();
    });
  }

  void send_file(const std::string& file_path, const Request& request) {
    std::error_code fs_error;
    if (!std::filesystem::is_regular_file(file_path, fs_error)) {
      return send(make_response(plain(404, "not found\n"), request));
    }
    http::file_body::value_type body;
    beast::error_code ec;
    body.open(file_path.c_str(), beast::file_mode::scan, ec);
    if (ec) return send(make_response(plain(404, "not found\n"), request));
    const auto size = body.size();
    http::response<http::file_body> response{std::piecewise_construct, std::make_tuple(std::move(body)),
                                             std::make_tuple(http::status::ok, request.version())};
    response.set(http::field::server, "iceway");
    response.set(http::field::content_type, mime_type(file_path));
    response.content_length(size);
    response.keep_alive(request.keep_alive());
    if (request.method() == http::verb::head) {
      StringResponse head{http::status::ok, request.version()};
      head.base() = response.base();
      return send(std::move(head));
    }
    send(std::move(response));
  }

  template <class Body>
  void send(http::response<Body>&& response) {
    auto shared = std::make_shared<http::response<Body>>(std::move(response));
    const bool close = shared->need_eof();
    // An answer may come long after the request was read (a held Engine.IO poll): the write gets
    // its own time.
    beast::get_lowest_layer(derived().stream()).expires_after(settings_->handshake_timeout);
    http::async_write(derived().stream(), *shared,
                      [self = derived().shared_from_this(), shared, close](beast::error_code ec, std::size_t) {
                        if (ec) return;
                        if (close) return self->do_eof();
                        self->do_read();
                      });
  }

  std::shared_ptr<ServerState> state_;
  std::shared_ptr<const Settings> settings_;
  beast::flat_buffer buffer_;
  Endpoint remote_;
  bool secure_;
  std::optional<http::request_parser<http::string_body>> parser_;
  // Socket.IO polling requests handed to a mount, and the last one answered (watch_for_abort).
  std::uint64_t request_serial_ = 0;
  std::uint64_t answered_serial_ = 0;
};

class PlainHttpSession final : public HttpSession<PlainHttpSession>,
                               public std::enable_shared_from_this<PlainHttpSession> {
 public:
  PlainHttpSession(beast::tcp_stream&& stream, beast::flat_buffer&& buffer, std::shared_ptr<ServerState> state,
                   Endpoint remote)
      : HttpSession(std::move(state), std::move(buffer), remote, false), stream_(std::move(stream)) {}

  void run() { do_read(); }
  beast::tcp_stream& stream() { return stream_; }

  void upgrade(Request request, const ServerState::WebSocketRoute& route, const std::shared_ptr<const Settings>& settings) {
    // A bare socket: the WebSocket keeps its own timeouts, so tcp_stream's timer and executor
    // copies would only cost memory on every idle connection (docs/BENCHMARKS.md). Its executor
    // is the io_context's own type, not the type-erased any_io_executor: every read and write on
    // the message path copies the executor several times.
    tcp::socket socket = stream_.release_socket();
    beast::error_code ec;
    const auto protocol = socket.local_endpoint(ec).protocol();
    if (ec) return;  // the peer is already gone
    // The acceptor's executor is an io_context's (HttpServer's).
    auto& context = static_cast<net::io_context&>(net::query(socket.get_executor(), net::execution::context));
    const auto handle = socket.release(ec);
    if (ec) return;
    std::make_shared<WebSocketSession<WebSocketSocket>>(WebSocketSocket(context.get_executor(), protocol, handle),
                                                        route.hub, *settings, route.protocol, remote_.address,
                                                        state_->counters, nullptr)
        ->run(std::move(request));
  }

  void upgrade_engine(Request request, const std::shared_ptr<SocketIoMount>& mount,
                      const std::shared_ptr<const Settings>& settings) {
    const auto plain_request = to_http_request(request, remote_, secure_);
    tcp::socket socket = stream_.release_socket();
    beast::error_code ec;
    const auto protocol = socket.local_endpoint(ec).protocol();
    if (ec) return;
    auto& context = static_cast<net::io_context&>(net::query(socket.get_executor(), net::execution::context));
    const auto handle = socket.release(ec);
    if (ec) return;
    std::make_shared<EngineWebSocket<WebSocketSocket>>(WebSocketSocket(context.get_executor(), protocol, handle), mount,
                                                       *settings, state_->counters, nullptr)
        ->run(std::move(request), plain_request);
  }

  void do_eof() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  }

 private:
  beast::tcp_stream stream_;
};

class TlsHttpSession final : public HttpSession<TlsHttpSession>, public std::enable_shared_from_this<TlsHttpSession> {
 public:
  TlsHttpSession(beast::tcp_stream&& stream, beast::flat_buffer&& buffer, std::shared_ptr<net::ssl::context> tls,
                 std::shared_ptr<ServerState> state, Endpoint remote)
      : HttpSession(std::move(state), std::move(buffer), remote, true),
        tls_(std::move(tls)),
        stream_(std::move(stream), *tls_) {}

  void run() {
    beast::get_lowest_layer(stream_).expires_after(state_->current_settings()->handshake_timeout);
    // The bytes the detector peeked are the start of the ClientHello.
    stream_.async_handshake(net::ssl::stream_base::server, buffer_.data(),
                            beast::bind_front_handler(&TlsHttpSession::on_handshake, shared_from_this()));
  }

  beast::ssl_stream<beast::tcp_stream>& stream() { return stream_; }

  void upgrade(Request request, const ServerState::WebSocketRoute& route, const std::shared_ptr<const Settings>& settings) {
    std::make_shared<WebSocketSession<beast::ssl_stream<beast::tcp_stream>>>(
        std::move(stream_), route.hub, *settings, route.protocol, remote_.address, state_->counters, tls_)
        ->run(std::move(request));
  }

  void upgrade_engine(Request request, const std::shared_ptr<SocketIoMount>& mount,
                      const std::shared_ptr<const Settings>& settings) {
    const auto plain_request = to_http_request(request, remote_, secure_);
    std::make_shared<EngineWebSocket<beast::ssl_stream<beast::tcp_stream>>>(std::move(stream_), mount, *settings,
                                                                            state_->counters, tls_)
        ->run(std::move(request), plain_request);
  }

  void do_eof() {
    beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(5));
    stream_.async_shutdown([self = shared_from_this()](beast::error_code) {});
  }

 private:
  void on_handshake(beast::error_code ec, std::size_t bytes_used) {
    if (ec) return;  // not TLS after all, wrong version, timeout: drop
    buffer_.consume(bytes_used);
    do_read();
  }

  std::shared_ptr<net::ssl::context> tls_;
  beast::ssl_stream<beast::tcp_stream> stream_;
};

// Peeks at the first bytes: a TLS ClientHello goes to a TLS session, anything else to plain HTTP
// (Beast's advanced_server_flex "detect_session").
class DetectSession final : public std::enable_shared_from_this<DetectSession> {
 public:
  DetectSession(tcp::socket&& socket, std::shared_ptr<ServerState> state, Endpoint remote)
      : stream_(std::move(socket)), state_(std::move(state)), remote_(remote) {}

  void run() {
    net::dispatch(stream_.get_executor(), beast::bind_front_handler(&DetectSession::on_run, shared_from_this()));
  }

 private:
  void on_run() {
    stream_.expires_after(state_->current_settings()->handshake_timeout);
    beast::async_detect_ssl(stream_, buffer_, beast::bind_front_handler(&DetectSession::on_detect, shared_from_this()));
  }

  void on_detect(beast::error_code ec, bool is_tls) {
    if (ec) return;
    if (!is_tls) {
      return std::make_shared<PlainHttpSession>(std::move(stream_), std::move(buffer_), state_, remote_)->run();
    }
    auto tls = state_->current_tls();
    if (!tls) return;  // TLS without a certificate configured: nothing sensible to answer
    std::make_shared<TlsHttpSession>(std::move(stream_), std::move(buffer_), std::move(tls), state_, remote_)->run();
  }

  beast::tcp_stream stream_;
  std::shared_ptr<ServerState> state_;
  Endpoint remote_;
  beast::flat_buffer buffer_;
};

}  // namespace

class Listener final : public std::enable_shared_from_this<Listener> {
 public:
  Listener(net::io_context& context, std::shared_ptr<ServerState> state, const tcp::endpoint& endpoint)
      : acceptor_(context), retry_timer_(acceptor_.get_executor()), state_(std::move(state)) {
    acceptor_.open(endpoint.protocol());
    acceptor_.set_option(net::socket_base::reuse_address(true));
    acceptor_.bind(endpoint);
    acceptor_.listen(net::socket_base::max_listen_connections);
  }

  tcp::endpoint local_endpoint() const { return acceptor_.local_endpoint(); }

  void run() { net::dispatch(acceptor_.get_executor(), [self = shared_from_this()] { self->do_accept(); }); }

  void stop() {
    net::dispatch(acceptor_.get_executor(), [self = shared_from_this()] {
      beast::error_code ignored;
      self->acceptor_.close(ignored);
      self->retry_timer_.cancel();
    });
  }

 private:
  void do_accept() {
    if (!acceptor_.is_open()) return;
    // No strand: the one thread that runs the io_context (http_server.hpp) already serialises
    // a connection's handlers, and a strand would add a lock and a queue to every completion on
    // the message path.
    acceptor_.async_accept(beast::bind_front_handler(&Listener::on_accept, shared_from_this()));
  }

  void on_accept(beast::error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted || !acceptor_.is_open()) return;
    if (ec) {
      // Out of file descriptors and the like: wait a moment instead of spinning.
      spdlog::warn("signaling: accept failed: {}", ec.message());
      retry_timer_.expires_after(std::chrono::milliseconds(100));
      retry_timer_.async_wait([self = shared_from_this()](beast::error_code wait_error) {
        if (!wait_error) self->do_accept();
      });
      return;
    }
    // Signaling frames are small and each one is waited for: Nagle's algorithm would hold one
    // back until the previous is acknowledged (as `ws` and browsers do, switch it off).
    beast::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    beast::error_code endpoint_error;
    const auto remote = socket.remote_endpoint(endpoint_error);
    if (!endpoint_error) {
      std::make_shared<DetectSession>(std::move(socket), state_, to_endpoint(remote))->run();
    }
    do_accept();
  }

  tcp::acceptor acceptor_;
  net::steady_timer retry_timer_;
  std::shared_ptr<ServerState> state_;
};

HttpServer::HttpServer(net::io_context& context, const Settings& settings, Counters* counters)
    : state_(std::make_shared<ServerState>(settings, counters)), context_(context) {}

HttpServer::~HttpServer() { stop_accepting(); }

void HttpServer::add_route(std::string prefix, HttpHandler handler) {
  state_->check_not_started();
  state_->routes.push_back({std::move(prefix), std::move(handler), {}});
}

void HttpServer::add_async_route(std::string prefix, AsyncHttpHandler handler) {
  state_->check_not_started();
  state_->routes.push_back({std::move(prefix), {}, std::move(handler)});
}

void HttpServer::add_static(std::string path, std::string content_type, std::string body, bool overridable) {
  state_->check_not_started();
  state_->resources[std::move(path)] = {std::move(content_type), std::move(body), overridable};
}

void HttpServer::add_websocket_route(std::string path, Protocol protocol, std::shared_ptr<Hub> hub) {
  state_->check_not_started();
  state_->websocket_routes.push_back({std::move(path), protocol, std::move(hub)});
}

void HttpServer::add_socketio_route(std::string path, std::shared_ptr<SocketIoMount> mount) {
  state_->check_not_started();
  state_->max_socketio_body = std::max(state_->max_socketio_body, mount->max_payload());
  state_->socketio_routes.push_back({std::move(path), std::move(mount)});
}

Endpoint HttpServer::listen(const Endpoint& endpoint, std::shared_ptr<net::ssl::context> tls) {
  if (tls) set_tls(std::move(tls));
  state_->started = true;
  auto listener = std::make_shared<Listener>(context_, state_, to_asio(endpoint));
  const Endpoint bound = to_endpoint(listener->local_endpoint());
  listener->run();
  listeners_.push_back(std::move(listener));
  return bound;
}

void HttpServer::set_tls(std::shared_ptr<net::ssl::context> tls) { state_->tls = std::move(tls); }

void HttpServer::update_settings(const Settings& settings) {
  state_->settings = std::make_shared<const Settings>(settings);
}

void HttpServer::stop_accepting() {
  for (auto& listener : listeners_) listener->stop();
  listeners_.clear();
}

}  // namespace iceway::signaling
