#pragma once
// The request/response loop shared by plain and TLS sessions (Beast's CRTP pattern, as in its
// advanced_server_flex example): read a request with a timeout and a body limit, route it
// (router.hpp), answer it or hand the connection to a WebSocket or Engine.IO session, read the
// next. Derived provides stream(), upgrade(), upgrade_engine() and do_eof().
#include <algorithm>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include "signal/http/beast_messages.hpp"
#include "signal/http/server_state.hpp"
#include "signal/http/socketio_mount.hpp"
#include "signal/query.hpp"
#include "signal/static_files.hpp"

namespace iceway::signaling {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace websocket = boost::beast::websocket;

template <class Derived>
class HttpSession {
 protected:
  using tcp = boost::asio::ip::tcp;

 public:
  HttpSession(std::shared_ptr<ServerState> state, beast::flat_buffer buffer, Endpoint remote, bool secure)
      : state_(std::move(state)), buffer_(std::move(buffer)), remote_(remote), secure_(secure) {}

 protected:
  Derived& derived() { return static_cast<Derived&>(*this); }

  void do_read() {
    settings_ = state_->settings;
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
    if (state_->table.find_socketio_route(target_path(parser_->get().target())) == nullptr) {
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
    BeastRequest request;
    request.version(11);
    request.keep_alive(false);
    send(make_response(plain(status, std::move(text)), request));
  }

  void handle(BeastRequest request) {
    const std::string_view path = target_path(request.target());
    const bool readable = request.method() == http::verb::get || request.method() == http::verb::head;
    const auto decision = route_request(state_->table, path, websocket::is_upgrade(request), readable,
                                        !settings_->static_dir.empty());
    using Kind = RouteDecision::Kind;
    switch (decision.kind) {
      case Kind::socketio: return handle_socketio(std::move(request), *decision.socketio);
      case Kind::websocket:
        if (!origin_allowed(*settings_, request)) {
          state_->counters.count_error(ErrorCode::origin_not_allowed);
          return send(make_response(plain(403, "origin not allowed\n"), request));
        }
        return derived().upgrade(std::move(request), *decision.websocket, settings_);
      case Kind::no_websocket_here: return send(make_response(plain(404, "no WebSocket endpoint here\n"), request));
      case Kind::websocket_only: {
        HttpResponse reply = plain(426, "this endpoint speaks WebSocket\n");
        reply.headers.emplace_back("Upgrade", "websocket");
        return send(make_response(reply, request));
      }
      case Kind::method_not_allowed: return send(make_response(plain(405, "method not allowed\n"), request));
      case Kind::resource: {
        const auto& resource = *decision.resource;
        if (resource.overridable && !settings_->static_dir.empty()) {
          std::error_code fs_error;
          auto file = resolve_static_path(settings_->static_dir, path);
          if (file && std::filesystem::is_regular_file(*file, fs_error)) return send_file(*file, request);
        }
        return send(make_response({200, resource.content_type, resource.body, {}}, request));
      }
      case Kind::handler: {
        const auto& route = *decision.route;
        if (route.handler) return send(make_response(route.handler(to_http_request(request, remote_, secure_)), request));
        auto shared_request = std::make_shared<BeastRequest>(std::move(request));
        auto executor = beast::get_lowest_layer(derived().stream()).get_executor();
        route.async_handler(to_http_request(*shared_request, remote_, secure_),
                            [self = derived().shared_from_this(), shared_request, executor](HttpResponse reply) {
                              net::post(executor, [self, shared_request, reply = std::move(reply)] {
                                self->send(make_response(reply, *shared_request));
                              });
                            });
        return;
      }
      case Kind::static_file:
        if (auto file = resolve_static_path(settings_->static_dir, path)) return send_file(*file, request);
        break;
      case Kind::not_found: break;
    }
    send(make_response(plain(404, "not found\n"), request));
  }

  // Polling requests and WebSocket upgrades of a Socket.IO (Engine.IO) mount; the mount runs on
  // this thread (socketio_mount.hpp), so the calls are direct.
  void handle_socketio(BeastRequest request, const RouteTable::SocketIoRoute& route) {
    if (websocket::is_upgrade(request)) {
      if (!origin_allowed(*settings_, request)) {
        state_->counters.count_error(ErrorCode::origin_not_allowed);
        return send(make_response(plain(403, "origin not allowed\n"), request));
      }
      return derived().upgrade_engine(std::move(request), route.mount, settings_);
    }
    auto shared_request = std::make_shared<BeastRequest>(std::move(request));
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

  void send_file(const std::string& file_path, const BeastRequest& request) {
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
      BeastResponse head{http::status::ok, request.version()};
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

}  // namespace iceway::signaling
