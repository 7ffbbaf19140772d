#include "signal/http/listener.hpp"

#include <chrono>

#include <boost/asio/dispatch.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <spdlog/spdlog.h>

#include "signal/http/asio_address.hpp"
#include "signal/http/detect_session.hpp"

namespace iceway::signaling {

namespace net = boost::asio;
namespace beast = boost::beast;
using tcp = boost::asio::ip::tcp;

Listener::Listener(net::io_context& context, std::shared_ptr<ServerState> state, const tcp::endpoint& endpoint)
    : acceptor_(context), retry_timer_(acceptor_.get_executor()), state_(std::move(state)) {
  acceptor_.open(endpoint.protocol());
  acceptor_.set_option(net::socket_base::reuse_address(true));
  acceptor_.bind(endpoint);
  acceptor_.listen(net::socket_base::max_listen_connections);
}

void Listener::run() { net::dispatch(acceptor_.get_executor(), [self = shared_from_this()] { self->do_accept(); }); }

void Listener::stop() {
  net::dispatch(acceptor_.get_executor(), [self = shared_from_this()] {
    beast::error_code ignored;
    self->acceptor_.close(ignored);
    self->retry_timer_.cancel();
  });
}

void Listener::do_accept() {
  if (!acceptor_.is_open()) return;
  // No strand: the one thread that runs the io_context (http_server.hpp) already serialises
  // a connection's handlers, and a strand would add a lock and a queue to every completion on
  // the message path.
  acceptor_.async_accept(beast::bind_front_handler(&Listener::on_accept, shared_from_this()));
}

void Listener::on_accept(beast::error_code ec, tcp::socket socket) {
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

}  // namespace iceway::signaling
