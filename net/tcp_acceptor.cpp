#include "net/tcp_acceptor.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include <boost/asio/socket_base.hpp>

#include "net/address.hpp"

namespace iceway::net {

TcpAcceptor::TcpAcceptor(boost::asio::io_context& context, AcceptHandler on_accept)
    : context_(context), acceptor_(context), handler_(std::move(on_accept)) {}

std::error_code TcpAcceptor::open(const Endpoint& local, bool reuse_port) {
  boost::system::error_code error;
  auto endpoint = to_tcp(local);
  acceptor_.open(endpoint.protocol(), error);
  if (error) return error;
  int fd = acceptor_.native_handle();
  int one = 1;
  if (local.address.is_v6()) ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
  acceptor_.set_option(boost::asio::socket_base::reuse_address(true), error);
  if (reuse_port && ::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0)
    return {errno, std::system_category()};
  acceptor_.bind(endpoint, error);
  if (!error) acceptor_.listen(boost::asio::socket_base::max_listen_connections, error);
  if (error) {
    acceptor_.close();
    return error;
  }
  local_ = from_asio(acceptor_.local_endpoint(error));
  return error;
}

void TcpAcceptor::start() { do_accept(); }

void TcpAcceptor::do_accept() {
  acceptor_.async_accept(context_, [self = shared_from_this()](const boost::system::error_code& error,
                                                               boost::asio::ip::tcp::socket socket) {
    self->on_accept(error, std::move(socket));
  });
}

void TcpAcceptor::on_accept(const boost::system::error_code& error, boost::asio::ip::tcp::socket socket) {
  if (error == boost::asio::error::operation_aborted || !acceptor_.is_open()) return;
  if (!error) {
    boost::system::error_code ignored;
    socket.set_option(boost::asio::ip::tcp::no_delay(true), ignored);
    handler_(std::move(socket));
  }
  // Other errors (EMFILE, ECONNABORTED) are transient for an acceptor: keep accepting.
  do_accept();
}

void TcpAcceptor::close() {
  boost::system::error_code ignored;
  acceptor_.close(ignored);
}

}  // namespace iceway::net
