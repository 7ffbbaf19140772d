#pragma once
// A TCP acceptor that hands each accepted socket to a callback on its worker's thread.
// Opened per worker with SO_REUSEPORT so the kernel spreads connections over workers and a
// connection stays on the worker that accepted it. Knows no protocol.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <functional>
#include <memory>
#include <system_error>

#include "common/endpoint.hpp"

namespace iceway::net {

class TcpAcceptor : public std::enable_shared_from_this<TcpAcceptor> {
 public:
  using AcceptHandler = std::function<void(boost::asio::ip::tcp::socket)>;

  TcpAcceptor(boost::asio::io_context& context, AcceptHandler on_accept);

  std::error_code open(const Endpoint& local, bool reuse_port);
  Endpoint local_endpoint() const { return local_; }
  void start();
  void close();  // stops accepting; established connections are not affected

 private:
  void do_accept();
  void on_accept(const boost::system::error_code& error, boost::asio::ip::tcp::socket socket);

  boost::asio::io_context& context_;
  boost::asio::ip::tcp::acceptor acceptor_;
  AcceptHandler handler_;
  Endpoint local_;
};

}  // namespace iceway::net
