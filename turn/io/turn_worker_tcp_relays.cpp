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
  pipes_[stream.five_tuple()] = Pipe{bound.id, bound.allocation, worker_.index(), Duration{}};
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

std::optional<boost::asio::ip::tcp::socket> TurnWorker::tcp_socket_of(int fd) {
  boost::asio::ip::tcp::socket socket(worker_.context());
  sockaddr_storage local{};
  socklen_t length = sizeof local;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &length) != 0) return std::nullopt;
  boost::system::error_code error;
  socket.assign(local.ss_family == AF_INET6 ? boost::asio::ip::tcp::v6() : boost::asio::ip::tcp::v4(), fd, error);
  if (error) return std::nullopt;
  return socket;
}

void TurnWorker::forget_remote_pipe(unsigned owner, ConnectionId id) {
  TurnWorker* holder = owner < siblings_.size() ? siblings_[owner] : nullptr;
  if (holder == nullptr) return;
  boost::asio::post(holder->worker_.context(), [holder, id] {
    holder->server_.tcp().remove(id);
    holder->remote_pipes_.erase(id);
  });
}

void TurnWorker::adopt_connection(HandedOver moved) {
  auto adopted = tcp_socket_of(moved.fd);
  if (!adopted) {
    ::close(moved.fd);
    return;
  }
  boost::asio::ip::tcp::socket socket = std::move(*adopted);
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
  if (auto remote = remote_pipes_.find(id); remote != remote_pipes_.end()) {
    TurnWorker* home = remote->second < siblings_.size() ? siblings_[remote->second] : nullptr;
    remote_pipes_.erase(remote);
    if (home != nullptr) boost::asio::post(home->worker_.context(), [home, id] { home->end_remote_pipe(id); });
    return;
  }
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
  if (pipe->second.owner == worker_.index())
    return server_.on_tcp_piped(pipe->second.allocation, to_peer, to_client, Clock::now());
  // The allocation is another worker's: it counts the bytes and charges its bandwidth cap, and
  // its answer slows this pipe's next chunk.
  TurnWorker* holder = pipe->second.owner < siblings_.size() ? siblings_[pipe->second.owner] : nullptr;
  if (holder != nullptr) {
    const AllocationId allocation = pipe->second.allocation;
    const FiveTuple tuple = connection.five_tuple();
    TurnWorker* home = this;
    boost::asio::post(holder->worker_.context(), [holder, home, allocation, tuple, to_peer, to_client] {
      const Duration wait = holder->server_.on_tcp_piped(allocation, to_peer, to_client, Clock::now());
      if (wait <= Duration::zero()) return;
      boost::asio::post(home->worker_.context(), [home, tuple, wait] {
        if (auto it = home->pipes_.find(tuple); it != home->pipes_.end()) it->second.wait = wait;
      });
    });
  }
  return std::exchange(pipe->second.wait, Duration::zero());
}

void TurnWorker::carry_peer(const TcpBound& bound, std::uint8_t home, HandedBack& back) {
  back.bound = bound;
  auto peer = relay_ports_.tcp().take(bound.id);
  if (!peer) {  // it broke meanwhile: the data connection is closed there
    server_.tcp().remove(bound.id);
    return;
  }
  boost::system::error_code error;
  back.peer_fd = peer->release(error);
  if (error) {
    back.peer_fd = -1;
    server_.tcp().remove(bound.id);
    return;
  }
  remote_pipes_[bound.id] = home;
}

void TurnWorker::pipe_remote_peer(HandedBack& back, ClientConnection* stream) {
  const TcpBound& bound = *back.bound;
  auto peer = back.peer_fd >= 0 && stream != nullptr ? tcp_socket_of(back.peer_fd) : std::nullopt;
  if (!peer) {  // no pipe after all: the holder forgets the connection
    forget_remote_pipe(back.from_worker, bound.id);
    if (stream != nullptr) stream->close();
    return;  // ~HandedBack closes the descriptor
  }
  back.peer_fd = -1;  // the socket owns it now
  stream->become_pipe(std::move(*peer));
  stream->resume_reading();  // paused at the ConnectionBind (turn_worker.cpp)
  stream->set_idle_timeout(server_.shared().settings->max_lifetime + std::chrono::seconds(60));
  pipes_[stream->five_tuple()] = Pipe{bound.id, bound.allocation, back.from_worker, Duration{}};
  pipe_by_id_[bound.id] = stream->five_tuple();
  spdlog::debug("peer connection moved: client=tls {} from worker {} to worker {} (RFC 6062 ConnectionBind)",
                stream->five_tuple().client.to_string(), back.from_worker, worker_.index());
}

void TurnWorker::end_remote_pipe(ConnectionId id) {
  if (auto it = pipe_by_id_.find(id); it != pipe_by_id_.end()) {
    if (auto connection = connections_.find(it->second); connection != connections_.end()) {
      auto held = connection->second;  // close() calls on_closed(), which erases it
      held->close();
    }
  }
}

}  // namespace iceway::turn::io
