#pragma once
// One listening socket of an HttpServer: accepts, switches Nagle off (signaling frames are small
// and each is waited for), and hands each connection to a DetectSession; out of descriptors, it
// waits 100 ms instead of spinning.
#include <memory>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/error.hpp>

#include "signal/http/server_state.hpp"

namespace iceway::signaling {

class Listener final : public std::enable_shared_from_this<Listener> {
 public:
  // Binds and listens at once: a port that cannot be bound throws (a startup error).
  Listener(boost::asio::io_context& context, std::shared_ptr<ServerState> state,
           const boost::asio::ip::tcp::endpoint& endpoint);

  boost::asio::ip::tcp::endpoint local_endpoint() const { return acceptor_.local_endpoint(); }
  void run();
  void stop();

 private:
  void do_accept();
  void on_accept(boost::beast::error_code ec, boost::asio::ip::tcp::socket socket);

  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer retry_timer_;
  std::shared_ptr<ServerState> state_;
};

}  // namespace iceway::signaling
