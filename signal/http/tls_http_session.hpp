#pragma once
// An HTTP session over TLS: the handshake (continuing from the bytes the detector peeked), then
// the shared loop; an upgrade hands the TLS stream to a WebSocket or Engine.IO session.
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/ssl.hpp>

#include <memory>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>

#include "signal/http/engine_websocket.hpp"
#include "signal/http/http_session.hpp"
#include "signal/http/websocket_session.hpp"

namespace iceway::signaling {

class TlsHttpSession final : public HttpSession<TlsHttpSession>, public std::enable_shared_from_this<TlsHttpSession> {
 public:
  TlsHttpSession(beast::tcp_stream&& stream, beast::flat_buffer&& buffer, std::shared_ptr<net::ssl::context> tls,
                 std::shared_ptr<ServerState> state, Endpoint remote)
      : HttpSession(std::move(state), std::move(buffer), remote, true),
        tls_(std::move(tls)),
        stream_(std::move(stream), *tls_) {}

  void run() {
    beast::get_lowest_layer(stream_).expires_after(state_->settings->handshake_timeout);
    // The bytes the detector peeked are the start of the ClientHello.
    stream_.async_handshake(net::ssl::stream_base::server, buffer_.data(),
                            beast::bind_front_handler(&TlsHttpSession::on_handshake, shared_from_this()));
  }

  beast::ssl_stream<beast::tcp_stream>& stream() { return stream_; }

  void upgrade(BeastRequest request, const RouteTable::WebSocketRoute& route, const std::shared_ptr<const Settings>& settings) {
    std::make_shared<WebSocketSession<beast::ssl_stream<beast::tcp_stream>>>(
        std::move(stream_), route.hub, *settings, route.protocol, remote_.address, state_->counters, tls_)
        ->run(std::move(request));
  }

  void upgrade_engine(BeastRequest request, const std::shared_ptr<SocketIoMount>& mount,
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

}  // namespace iceway::signaling
