#pragma once
// An HTTP session on a plain TCP connection; an upgrade hands the bare socket to a WebSocket or
// Engine.IO session.
#include <memory>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>

#include "signal/http/engine_websocket.hpp"
#include "signal/http/http_session.hpp"
#include "signal/http/websocket_session.hpp"

namespace iceway::signaling {

// The socket a plain WebSocket session owns: the io_context's own executor type, not the
// type-erased any_io_executor, because every read and write on the message path copies it.
using PlainWebSocketSocket =
    boost::asio::basic_stream_socket<boost::asio::ip::tcp, boost::asio::io_context::executor_type>;

class PlainHttpSession final : public HttpSession<PlainHttpSession>,
                               public std::enable_shared_from_this<PlainHttpSession> {
 public:
  PlainHttpSession(beast::tcp_stream&& stream, beast::flat_buffer&& buffer, std::shared_ptr<ServerState> state,
                   Endpoint remote)
      : HttpSession(std::move(state), std::move(buffer), remote, false), stream_(std::move(stream)) {}

  void run() { do_read(); }
  beast::tcp_stream& stream() { return stream_; }

  void upgrade(BeastRequest request, const RouteTable::WebSocketRoute& route, const std::shared_ptr<const Settings>& settings) {
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
    std::make_shared<WebSocketSession<PlainWebSocketSocket>>(PlainWebSocketSocket(context.get_executor(), protocol, handle),
                                                        route.hub, *settings, route.protocol, remote_.address,
                                                        state_->counters, nullptr)
        ->run(std::move(request));
  }

  void upgrade_engine(BeastRequest request, const std::shared_ptr<SocketIoMount>& mount,
                      const std::shared_ptr<const Settings>& settings) {
    const auto plain_request = to_http_request(request, remote_, secure_);
    tcp::socket socket = stream_.release_socket();
    beast::error_code ec;
    const auto protocol = socket.local_endpoint(ec).protocol();
    if (ec) return;
    auto& context = static_cast<net::io_context&>(net::query(socket.get_executor(), net::execution::context));
    const auto handle = socket.release(ec);
    if (ec) return;
    std::make_shared<EngineWebSocket<PlainWebSocketSocket>>(PlainWebSocketSocket(context.get_executor(), protocol, handle), mount,
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

}  // namespace iceway::signaling
