#include "turn/io/turn_worker.hpp"

#include <spdlog/spdlog.h>

#include "stun/request_classifier.hpp"

namespace iceway::turn::io {

namespace {
// RFC 8656 §3.1 leaves the idle close of a TCP connection without an allocation to the
// server; long enough for ICE's consent checks on a STUN-only connection, short enough
// that idle sockets do not pile up.
constexpr std::chrono::seconds kIdleWithoutAllocation{60};
}  // namespace

TurnWorker::TurnWorker(net::Worker& worker, std::shared_ptr<const Settings> settings)
    : worker_(worker), settings_(std::move(settings)) {}

TurnWorker::~TurnWorker() { close_all(); }

std::error_code TurnWorker::listen_udp(const Endpoint& local) {
  auto socket = std::make_shared<net::UdpSocket>(worker_.context(), worker_.receive_batch());
  // Large kernel buffers absorb bursts while the worker is busy with another socket.
  auto error = socket->open(local, {.reuse_port = true, .receive_buffer_bytes = 4 << 20, .send_buffer_bytes = 4 << 20});
  if (error) return error;
  socket->start(*this);
  udp_sockets_.push_back(std::move(socket));
  return {};
}

std::error_code TurnWorker::listen_tcp(const Endpoint& local, std::shared_ptr<boost::asio::ssl::context> tls) {
  bool is_tls = tls != nullptr;
  if (is_tls) tls_ = std::move(tls);
  auto acceptor = std::make_shared<net::TcpAcceptor>(
      worker_.context(), [this, is_tls](boost::asio::ip::tcp::socket socket) { accept(std::move(socket), is_tls); });
  auto error = acceptor->open(local, /*reuse_port=*/true);
  if (error) return error;
  acceptor->start();
  acceptors_.push_back({std::move(acceptor), is_tls});
  return {};
}

std::vector<Endpoint> TurnWorker::udp_endpoints() const {
  std::vector<Endpoint> endpoints;
  for (auto& socket : udp_sockets_) endpoints.push_back(socket->local_endpoint());
  return endpoints;
}

std::vector<Endpoint> TurnWorker::tcp_endpoints() const {
  std::vector<Endpoint> endpoints;
  for (auto& acceptor : acceptors_) endpoints.push_back(acceptor.acceptor->local_endpoint());
  return endpoints;
}

void TurnWorker::apply_settings(std::shared_ptr<const Settings> settings) { settings_ = std::move(settings); }

void TurnWorker::set_tls_context(std::shared_ptr<boost::asio::ssl::context> tls) { tls_ = std::move(tls); }

void TurnWorker::stop_accepting() {
  for (auto& acceptor : acceptors_) acceptor.acceptor->close();
}

void TurnWorker::close_all() {
  stop_accepting();
  for (auto& socket : udp_sockets_) socket->close();
  // close() calls on_closed(), which erases from the map: iterate over a copy.
  auto connections = connections_;
  for (auto& [raw, connection] : connections) connection->close();
  connections_.clear();
}

void TurnWorker::accept(boost::asio::ip::tcp::socket socket, bool tls) {
  std::shared_ptr<ClientConnection> connection =
      tls ? start_tls_connection(std::move(socket), tls_, *this, kIdleWithoutAllocation)
          : start_tcp_connection(std::move(socket), *this, kIdleWithoutAllocation);
  connections_.emplace(connection.get(), connection);
}

void TurnWorker::on_closed(ClientConnection& connection) { connections_.erase(&connection); }

void TurnWorker::Reply::send(ByteSpan bytes) const {
  if (udp) udp->send_to(bytes, to);
  else if (stream) stream->send(bytes);
}

void TurnWorker::on_datagram(ByteSpan data, const Endpoint& from, net::UdpSocket& socket) {
  FiveTuple tuple{from, socket.local_endpoint(), Transport::udp};
  handle_message(data, tuple, Reply{&socket, from, nullptr});
}

void TurnWorker::on_frame(ByteSpan frame, ClientConnection& connection) {
  handle_message(frame, connection.five_tuple(), Reply{nullptr, {}, &connection});
}

void TurnWorker::handle_message(ByteSpan bytes, const FiveTuple& tuple, const Reply& reply) {
  auto classification = stun::classify_request(bytes);
  switch (classification.verdict) {
    case stun::Verdict::drop:
      return;
    case stun::Verdict::bad_request:
    case stun::Verdict::unknown_attributes:
    case stun::Verdict::binding: {
      auto answer = stun::build_automatic_response(classification, tuple.client, settings_->software, answer_buffer_);
      if (answer) reply.send(answer.value());
      return;
    }
    case stun::Verdict::request:
    case stun::Verdict::indication:
      return;  // no TURN method is handled by a STUN-only server: classify_request already answered 400
  }
}

}  // namespace iceway::turn::io
