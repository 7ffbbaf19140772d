// TurnWorker's part in TCP relays (RFC 6062): starting Connect's connections and answering
// when they are up, letting peers in with a ConnectionAttempt, turning a ConnectionBind's client
// connection into a data connection (or moving it to the worker that holds its peer), and the
// bandwidth of data connections. The sockets are turn/io/tcp_relays; the decisions the core's.
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include "turn/io/turn_worker.hpp"

namespace iceway::turn::io {

void TurnWorker::start_tcp_connect(const TcpConnectStart& start) {
  relay_ports_.tcp().connect(start.id, start.relayed, start.peer);
}

void TurnWorker::on_tcp_connected(ConnectionId id, bool ok) {
  auto answer = server_.on_tcp_connected(id, ok, Clock::now(), answer_buffer_);
  if (answer) send_to_client(answer->five_tuple, answer->bytes);
  // Failed, or nobody waits for it any more (expired, its allocation ended): close it.
  if (!ok || !answer) relay_ports_.tcp().close_peer(id);
}

void TurnWorker::on_tcp_peer(AllocationId id, boost::asio::ip::tcp::socket socket, const Endpoint& peer) {
  auto attempt = server_.on_tcp_peer_connected(id, peer, Clock::now(), answer_buffer_);
  if (!attempt) {
    // No permission for that peer, or a connection with it already: refused by closing.
    boost::system::error_code ignored;
    socket.close(ignored);
    return;
  }
  relay_ports_.tcp().hold(attempt->id, std::move(socket));
  send_to_client(attempt->indication.five_tuple, attempt->indication.bytes);
}

void TurnWorker::bind_data_connection(const TcpBound& bound, ClientConnection& stream) {
  auto peer = relay_ports_.tcp().take(bound.id);
  if (!peer) {  // the peer's connection broke meanwhile: so does this one
    server_.tcp().remove(bound.id);
    stream.close();
    return;
  }
  stream.become_pipe(std::move(*peer));
  // It lives as long as its allocation, like the control connection.
  stream.set_idle_timeout(server_.shared().settings->max_lifetime + std::chrono::seconds(60));
  pipes_[stream.five_tuple()] = Pipe{bound.id, bound.allocation};
  pipe_by_id_[bound.id] = stream.five_tuple();
}

void TurnWorker::move_connection(std::uint8_t worker, ClientConnection& stream) {
  if (worker >= siblings_.size() || siblings_[worker] == nullptr) return stream.close();
  const FiveTuple tuple = stream.five_tuple();
  auto moved = stream.hand_over();
  if (!moved) return stream.close();
  server_.counters().stream_clients(tuple.transport).add(-1);
  spdlog::debug("data connection moved: client=tcp {} from worker {} to worker {} (RFC 6062 ConnectionBind)",
                tuple.client.to_string(), worker_.index(), worker);
  // Erased after this frame's handling returns: the connection object is still on the stack.
  boost::asio::post(worker_.context(), [this, tuple] { connections_.erase(tuple); });
  TurnWorker* target = siblings_[worker];
  boost::asio::post(target->worker_.context(),
                    [target, moved = std::make_shared<HandedOver>(std::move(*moved))]() mutable {
                      target->adopt_connection(std::move(*moved));
                    });
}

void TurnWorker::adopt_connection(HandedOver moved) {
  boost::asio::ip::tcp::socket socket(worker_.context());
  sockaddr_storage local{};
  socklen_t length = sizeof local;
  if (::getsockname(moved.fd, reinterpret_cast<sockaddr*>(&local), &length) != 0) {
    ::close(moved.fd);
    return;
  }
  boost::system::error_code error;
  socket.assign(local.ss_family == AF_INET6 ? boost::asio::ip::tcp::v6() : boost::asio::ip::tcp::v4(), moved.fd, error);
  if (error) {
    ::close(moved.fd);
    return;
  }
  const Settings& settings = *server_.shared().settings;
  StreamAdmission admission;
  admission.connection = std::move(moved.slot);
  admission.timeouts = {.handshake = settings.tls_handshake_timeout,
                        .frame = settings.stream_frame_timeout,
                        .auth = settings.stream_auth_timeout,
                        .idle = kIdleWithoutAllocation};
  auto connection = start_tcp_connection(std::move(socket), *this, std::move(admission), std::move(moved.bytes));
  server_.counters().stream_clients(Transport::tcp).add(1);
  connections_.emplace(connection->five_tuple(), connection);
}

void TurnWorker::end_tcp_connection(ConnectionId id) {
  relay_ports_.tcp().close_peer(id);
  if (auto it = pipe_by_id_.find(id); it != pipe_by_id_.end()) {
    if (auto connection = connections_.find(it->second); connection != connections_.end()) {
      auto held = connection->second;  // close() calls on_closed(), which erases it
      held->close();
    }
  }
}

Duration TurnWorker::on_piped(ClientConnection& connection, std::size_t to_peer, std::size_t to_client) {
  auto pipe = pipes_.find(connection.five_tuple());
  if (pipe == pipes_.end()) return Duration::zero();
  return server_.on_tcp_piped(pipe->second.allocation, to_peer, to_client, Clock::now());
}

}  // namespace iceway::turn::io
