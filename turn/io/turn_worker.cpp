#include "turn/io/turn_worker.hpp"

#include <spdlog/spdlog.h>

#include <chrono>

#include "common/log_escape.hpp"
#include "net/address.hpp"
#include "net/tls_context.hpp"
#include "turn/handlers/handlers.hpp"

namespace iceway::turn::io {

namespace {
// How often expiry runs at most: lifetimes are whole seconds, so a second is exact enough.
constexpr std::chrono::seconds kExpiryTick{1};

DtlsCookies random_cookies() {
  SystemRandom random;
  return DtlsCookies(random);
}

}  // namespace

UnixSeconds TurnWorker::unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

UnixSeconds TurnWorker::unix_at(TimePoint now) {
  if (now != unix_read_at_) {
    unix_read_at_ = now;
    unix_seconds_ = unix_now();
  }
  return unix_seconds_;
}

TurnWorker::TurnWorker(net::Worker& worker, SharedTurnState shared, Quota& quota, LiveRelaySet& live_relays,
                       StreamLimits& stream_limits, unsigned workers)
    : worker_(worker),
      live_relays_(live_relays),
      stream_limits_(stream_limits),
      relay_ports_(
          worker,
          [this](AllocationId id, const net::Datagram& datagram, const Endpoint& peer) {
            on_peer_datagram(id, datagram, peer);
          },
          [this](AllocationId id, boost::asio::ip::tcp::socket socket, const Endpoint& peer) {
            on_tcp_peer(id, std::move(socket), peer);
          },
          [this](ConnectionId id, bool ok) { on_tcp_connected(id, ok); }),
      server_(shared, quota, relay_ports_, &live_relays, static_cast<std::uint8_t>(worker.index()),
              static_cast<std::uint8_t>(workers)),
      expiry_timer_(worker.context()),
      dtls_cookies_(random_cookies()) {
  relay_ports_.apply_settings(shared.settings);
  relay_ports_.count_discarded_in(server_.counters().relay_dropped_no_allocation);
}

TurnWorker::~TurnWorker() { close_all(); }

std::error_code TurnWorker::listen_udp(const Endpoint& local) {
  auto socket = std::make_shared<net::UdpSocket>(worker_.ready_poll(), worker_.receive_batch());
  // Large kernel buffers absorb bursts while the worker is busy with another socket.
  auto error = socket->open(local, {.reuse_port = true, .receive_buffer_bytes = 4 << 20, .send_buffer_bytes = 4 << 20});
  if (error) return error;
  if (auto started = socket->start(*this)) return started;
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

std::error_code TurnWorker::listen_dtls(const Endpoint& local) {
  if (!tls_) return std::make_error_code(std::errc::invalid_argument);
  if (!dtls_) dtls_ = net::make_server_dtls_context(*tls_);
  if (!dtls_) return std::make_error_code(std::errc::not_enough_memory);
  configure_dtls_server_context(dtls_.get());
  auto socket = std::make_shared<net::UdpSocket>(worker_.ready_poll(), worker_.receive_batch());
  auto error = socket->open(local, {.reuse_port = true, .receive_buffer_bytes = 1 << 20, .send_buffer_bytes = 1 << 20});
  if (error) return error;
  if (auto started = socket->start(dtls_port_)) return started;
  dtls_sockets_.push_back(std::move(socket));
  return {};
}

std::vector<Endpoint> TurnWorker::dtls_endpoints() const {
  std::vector<Endpoint> endpoints;
  for (auto& socket : dtls_sockets_) endpoints.push_back(socket->local_endpoint());
  return endpoints;
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

void TurnWorker::start() { schedule_expiry(); }

void TurnWorker::reconfigure(SharedTurnState shared) {
  relay_ports_.apply_settings(shared.settings);
  log_recheck(server_.reconfigure(std::move(shared)));
}

void TurnWorker::set_policy(std::shared_ptr<const PeerPolicy> policy) { log_recheck(server_.set_policy(std::move(policy))); }

void TurnWorker::log_recheck(const RecheckResult& removed) const {
  if (removed.permissions == 0 && removed.channels == 0) return;
  spdlog::info("peer policy re-checked: removed {} permission(s) and {} channel(s) it now refuses", removed.permissions,
               removed.channels);
}

void TurnWorker::set_tls_context(std::shared_ptr<boost::asio::ssl::context> tls) {
  tls_ = std::move(tls);
  if (dtls_sockets_.empty()) return;
  // Sessions keep the context they started with (an SSL object holds a reference to it).
  if (auto dtls = net::make_server_dtls_context(*tls_)) {
    configure_dtls_server_context(dtls.get());
    dtls_ = std::move(dtls);
  }
}

void TurnWorker::begin_drain() {
  // New Allocates get 508 from here on (the relay port allocator refuses), which RFC 8656
  // §7.2 lets a server answer at any time; live allocations keep relaying.
  relay_ports_.set_draining(true);
  for (auto& acceptor : acceptors_) acceptor.acceptor->close();
  draining_ = true;  // and no new DTLS sessions; live ones go on
}

void TurnWorker::close_all() {
  expiry_timer_.cancel();
  for (auto& acceptor : acceptors_) acceptor.acceptor->close();
  // End the allocations first so each gets its log line and frees its quota and relay flag.
  // Logged as shutdown, not expired: most of them had lifetime left.
  for (auto& ended : server_.table().remove_all(EndReason::shutdown)) allocation_ended(ended);
  for (auto& socket : udp_sockets_) socket->close();
  // close() calls on_closed(), which erases from the map: iterate over a copy.
  auto connections = connections_;
  for (auto& [tuple, connection] : connections) connection->close();
  connections_.clear();
  dtls_connections_.clear();
  for (auto& socket : dtls_sockets_) socket->close();
  relay_ports_.close_all();
}

std::vector<SessionSummary> TurnWorker::sessions(std::string_view user) const {
  std::vector<SessionSummary> out;
  const TimePoint now = Clock::now();
  server_.table().for_each([&](const Allocation& allocation) {
    if (user.empty() || allocation.user_id == user) out.push_back(summarize(allocation, now));
  });
  return out;
}

std::size_t TurnWorker::disconnect(std::string_view user, std::optional<std::uint64_t> session) {
  std::vector<std::pair<AllocationId, FiveTuple>> chosen;
  server_.table().for_each([&](const Allocation& allocation) {
    if (session ? allocation.id == *session : allocation.user_id == user) chosen.emplace_back(allocation.id, allocation.five_tuple);
  });
  for (const auto& [id, tuple] : chosen) {
    if (auto ended = server_.table().remove(id, EndReason::disconnected)) allocation_ended(*ended);
    // A stream client's connection carried only this allocation's traffic.
    if (auto connection = connections_.find(tuple); connection != connections_.end()) connection->second->close();
  }
  return chosen.size();
}

// Issue 11: a connection holds a slot of the process-wide caps from accept to close (for DTLS,
// from the cookie's return), and a TLS or DTLS one also a handshake slot until its handshake
// ends. A refusal is counted; the caller closes (or, for DTLS, ignores) the client unanswered.
std::optional<StreamAdmission> TurnWorker::admit(const IpAddress& source, bool handshake) {
  StreamAdmission admission;
  auto slot = stream_limits_.acquire_connection(source);
  if (!slot) {
    server_.counters().count_stream_close(slot.error());
    return std::nullopt;
  }
  admission.connection = std::move(slot).value();
  if (handshake) {
    auto handshake_slot = stream_limits_.acquire_handshake();
    if (!handshake_slot) {
      server_.counters().count_stream_close(handshake_slot.error());
      return std::nullopt;
    }
    admission.handshake = std::move(handshake_slot).value();
  }
  const Settings& settings = *server_.shared().settings;
  admission.timeouts = {.handshake = settings.tls_handshake_timeout,
                        .frame = settings.stream_frame_timeout,
                        .auth = settings.stream_auth_timeout,
                        .idle = kIdleWithoutAllocation};
  return admission;
}

void TurnWorker::accept(boost::asio::ip::tcp::socket socket, bool tls) {
  boost::system::error_code error;
  const auto remote = socket.remote_endpoint(error);
  if (error) return;  // already reset by the client
  auto admitted = admit(net::from_asio(remote.address()), tls);
  if (!admitted) {
    // Nothing was read, so nothing is answered.
    boost::system::error_code ignored;
    socket.close(ignored);
    return;
  }
  StreamAdmission admission = std::move(*admitted);
  std::shared_ptr<ClientConnection> connection =
      tls ? start_tls_connection(std::move(socket), tls_, *this, std::move(admission))
          : start_tcp_connection(std::move(socket), *this, std::move(admission));
  server_.counters().stream_clients(connection->five_tuple().transport).add(1);
  connections_.emplace(connection->five_tuple(), connection);
}

void TurnWorker::on_closed(ClientConnection& connection) {
  server_.counters().stream_clients(connection.five_tuple().transport).add(-1);
  if (auto reason = connection.close_reason()) {
    server_.counters().count_stream_close(*reason);
    spdlog::debug("stream closed: client={} {} reason={}", to_string(connection.five_tuple().transport),
                  connection.five_tuple().client.to_string(), label(*reason));
  }
  // RFC 8656 §7: an allocation made over TCP/TLS ends with its connection (and over DTLS with
  // its session).
  if (auto ended = server_.on_connection_closed(connection.five_tuple())) allocation_ended(*ended);
  const FiveTuple tuple = connection.five_tuple();  // the erase below may destroy `connection`
  // An RFC 6062 data connection ends its peer connection (closed with it) in the core's table,
  // this worker's or the one that sent its peer connection here.
  if (auto pipe = pipes_.find(tuple); pipe != pipes_.end()) {
    const ConnectionId id = pipe->second.id;
    const unsigned owner = pipe->second.owner;
    if (owner == worker_.index()) server_.tcp().remove(id);
    else forget_remote_pipe(owner, id);
    pipe_by_id_.erase(id);
    pipes_.erase(pipe);
  }
  dtls_connections_.erase(tuple);
  connections_.erase(tuple);
}

void TurnWorker::on_dtls_datagram(const net::Datagram& datagram, const Endpoint& from, net::UdpSocket& socket) {
  const FiveTuple tuple{from, datagram.destination, Transport::dtls};
  std::shared_ptr<DtlsConnection> replaced;
  if (auto it = dtls_connections_.find(tuple); it != dtls_connections_.end()) {
    auto connection = it->second;  // held: the datagram may close it
    // A ClientHello to an established session is a client starting over from the same address
    // and port (restarted without close_notify, or a NAT that gave the new one the old
    // mapping): it goes to the front door, and only a returned cookie, which proves the sender
    // receives at that address, replaces the session. Anything else is the session's.
    if (!connection->handshake_done() || !looks_like_client_hello(datagram.data())) {
      connection->on_datagram(datagram.data());
      return;
    }
    replaced = std::move(connection);
  }
  if (draining_ || !dtls_ || !looks_like_client_hello(datagram.data())) return;
  // The stateless front door: a ClientHello without a valid cookie gets a HelloVerifyRequest
  // and leaves nothing behind; the caps are asked only once the cookie came back.
  struct Front final : DtlsOutput {
    net::UdpSocket& socket;
    const Endpoint& client;
    const IpAddress* source;
    Front(net::UdpSocket& to, const Endpoint& at, const IpAddress* from_address)
        : socket(to), client(at), source(from_address) {}
    void send_datagram(ByteSpan bytes) override { socket.send_copied(bytes, client, source); }
    void deliver(ByteSpan) override {}  // nothing is decrypted before the handshake ends
  };
  const bool wildcard = socket.local_endpoint().address.is_unspecified();
  Front front(socket, from, wildcard ? &datagram.destination.address : nullptr);
  auto session = DtlsSession::listen(dtls_.get(), dtls_cookies_, datagram.data(), from, Clock::now(), front);
  if (!session) return;
  if (replaced) replaced->close();  // its allocation ends with it, as when the client closes it
  auto admitted = admit(from.address, /*handshake=*/true);
  if (!admitted) return;  // the client's handshake times out; nothing more is kept
  std::shared_ptr<net::UdpSocket> owner;
  for (auto& candidate : dtls_sockets_) {
    if (candidate.get() == &socket) owner = candidate;
  }
  if (!owner) return;
  auto connection = std::make_shared<DtlsConnection>(worker_.context(), std::move(session), std::move(owner), tuple,
                                                     *this, std::move(*admitted));
  server_.counters().stream_clients(Transport::dtls).add(1);
  dtls_connections_.emplace(tuple, connection);
  connections_.emplace(tuple, connection);
  connection->start();
}

void TurnWorker::on_datagram(const net::Datagram& datagram, const Endpoint& from, net::UdpSocket& /*socket*/) {
  // On a wildcard listener the 5-tuple's server side is the host address the client used, so
  // answers and relayed data leave from it (a client drops them from any other address).
  handle_client(datagram.data(), FiveTuple{from, datagram.destination, Transport::udp}, nullptr, datagram.received_at);
}

void TurnWorker::on_frame(ByteSpan frame, ClientConnection& connection) {
  handle_client(frame, connection.five_tuple(), &connection, Clock::now());
}

void TurnWorker::handle_client(ByteSpan bytes, const FiveTuple& tuple, ClientConnection* stream, TimePoint now,
                               bool in_receive_batch) {
  // While another worker decides a request from this 5-tuple (hand_over_request), what else it
  // sends waits for that answer: the allocation or peer connection may be on its way here.
  if (!awaiting_.empty()) {
    if (auto it = awaiting_.find(tuple); it != awaiting_.end()) {
      if (it->second.size() < kMaxAwaiting) it->second.emplace_back(bytes.begin(), bytes.end());
      return;
    }
  }
  auto result = server_.on_client_message(bytes, tuple, now, unix_at(now), answer_buffer_);
  log_result(result, tuple, now);
  // Issue 11: a success, or an answer with MESSAGE-INTEGRITY, meets the connection's deadline
  // for proving it is a real client (turn.stream_auth_timeout).
  if (stream && !stream->proved() && !result.response.empty() && (result.authenticated || !result.error))
    stream->prove();
  if (result.created) allocation_created(*result.created, stream);
  if (!result.response.empty()) {
    if (stream) stream->send(result.response);
    else send_udp(result.reply_to ? *result.reply_to : tuple, result.response, false);
  }
  if (result.tcp_connect) start_tcp_connect(*result.tcp_connect);
  if (result.tcp_bound && stream) bind_data_connection(*result.tcp_bound, *stream);
  if (result.tcp_bind_elsewhere && stream) {
    // A plain TCP connection moves to the worker with the peer connection; a TLS session cannot
    // change threads, so its request goes there and the peer connection comes here.
    if (tuple.transport == Transport::tcp) {
      move_connection(*result.tcp_bind_elsewhere, *stream);
    } else {
      stream->pause_reading();  // what follows the ConnectionBind may be the peer's bytes
      if (!hand_over_request(*result.tcp_bind_elsewhere, bytes, tuple)) stream->close();
    }
  }
  if (result.mobility_elsewhere) hand_over_request(*result.mobility_elsewhere, bytes, tuple);
  if (result.moved) allocation_moved(*result.moved, tuple, stream, worker_.index());
  if (result.to_peer) {
    // From a UDP client the payload lies in the worker's receive batch: it leaves with the
    // round's other relayed datagrams. A stream client's frame lives in its connection's
    // buffer, which the next read reuses (and a message that waited, in its own): sent now.
    if (stream || !in_receive_batch) relay_ports_.send(result.to_peer->relayed, result.to_peer->payload, result.to_peer->peer);
    else relay_ports_.send_batched(result.to_peer->relayed, result.to_peer->payload, result.to_peer->peer);
  }
  if (result.ended) allocation_ended(*result.ended);
  if (result.released) {
    relay_ports_.close(result.released->relayed);
    live_relays_.remove(result.released->advertised);
    spdlog::info("relay released: client={} {} relayed={} (the allocation goes on with its other family)",
                 to_string(tuple.transport), tuple.client.to_string(), result.released->advertised.to_string());
  }
}

void TurnWorker::on_peer_datagram(AllocationId id, const net::Datagram& datagram, const Endpoint& peer) {
  static_assert(net::ReceiveBatch::kHeadroom >= kPeerHeadroom && net::ReceiveBatch::kTailroom >= kPeerTailroom);
  // The core wants the payload at kPeerHeadroom: start its buffer that far before it.
  MutableByteSpan buffer = datagram.buffer.subspan(datagram.offset - kPeerHeadroom);
  if (auto to_client = server_.on_peer_datagram(id, peer, buffer, datagram.size, datagram.received_at))
    send_to_client(to_client->five_tuple, to_client->bytes);
}

void TurnWorker::log_result(const HandleResult& result, const FiveTuple& tuple, TimePoint now) {
  // SPEC §8: an auth failure is an event an operator cares about (and what fail2ban-style
  // tools watch). Not the rate-limited requests (dispatch sets no failure on them: they are
  // the flood the limit is there to mute), and not an expired nonce, which every long-lived
  // allocation meets: that is routine, for debugging only.
  for (const std::string& line : refusal_log_.on_result(result, tuple, now)) spdlog::info("{}", line);
  if (result.auth_failure) {
    spdlog::info("auth failure: client={} {} method={} reason={}", to_string(tuple.transport), tuple.client.to_string(),
                 stun::to_string(result.method), kAuthFailureLabels[static_cast<std::size_t>(*result.auth_failure)]);
  } else if (result.stale_nonce) {
    spdlog::debug("stale nonce: client={} {} method={}", to_string(tuple.transport), tuple.client.to_string(),
                  stun::to_string(result.method));
  }
}

void TurnWorker::send_to_client(const FiveTuple& tuple, ByteSpan bytes) {
  if (tuple.transport == Transport::udp) {
    // Framed in place in the worker's receive batch: queued with the round's other datagrams.
    send_udp(tuple, bytes, true);
  } else if (auto it = connections_.find(tuple); it != connections_.end()) {
    it->second->send(bytes);
  }
}

void TurnWorker::send_udp(const FiveTuple& tuple, ByteSpan bytes, bool in_receive_batch) {
  const IpAddress* source = nullptr;
  net::UdpSocket* socket = udp_listener(tuple.server);
  if (socket == nullptr) {
    // Received on a wildcard listener: that socket, from the address the client sent to.
    const Endpoint wildcard{tuple.server.address.is_v4() ? IpAddress{} : IpAddress::v6({}), tuple.server.port};
    socket = udp_listener(wildcard);
    source = &tuple.server.address;
  }
  if (socket == nullptr) return;
  if (in_receive_batch) socket->send_batched(bytes, tuple.client, source);
  else socket->send_copied(bytes, tuple.client, source);
}

net::UdpSocket* TurnWorker::udp_listener(const Endpoint& local) const {
  for (const auto& socket : udp_sockets_)
    if (socket->local_endpoint() == local) return socket.get();
  return nullptr;
}

void TurnWorker::allocation_created(const CreatedAllocation& created, ClientConnection* stream) {
  relay_ports_.activate(created.relayed, created.id);
  if (created.relayed_ipv6) relay_ports_.activate(*created.relayed_ipv6, created.id);
  const Allocation* allocation = server_.table().find_by_id(created.id);
  if (allocation == nullptr) return;
  live_relays_.add(allocation->advertised);
  if (allocation->advertised_ipv6) live_relays_.add(*allocation->advertised_ipv6);
  if (stream) {
    // The connection now carries ChannelData and lives as long as its allocation.
    stream->set_channel_data_allowed(true);
    stream->set_idle_timeout(server_.shared().settings->max_lifetime + std::chrono::seconds(60));
  }
  spdlog::info("allocation created: user={} client={} {} relayed={}{} lifetime={}s", log_escape(allocation->user_id),
               to_string(allocation->five_tuple.transport), allocation->five_tuple.client.to_string(),
               allocation->advertised.to_string(),
               allocation->advertised_ipv6 ? " relayed_ipv6=" + allocation->advertised_ipv6->to_string() : std::string(),
               // Rounded up: the lifetime granted a moment ago, not one second less.
               std::chrono::ceil<std::chrono::seconds>(allocation->expires - Clock::now()).count());
}

void TurnWorker::allocation_ended(const EndedAllocation& ended) {
  // A client connection or DTLS session outlives its allocation only as long as one without
  // an allocation may idle: a DTLS client that vanished without close_notify (UDP has no FIN)
  // must not hold its slot of the stream caps for the allocation's whole lifetime again.
  if (ended.five_tuple.transport != Transport::udp) {
    if (auto it = connections_.find(ended.five_tuple); it != connections_.end())
      it->second->set_idle_timeout(kIdleWithoutAllocation);
  }
  relay_ports_.close(ended.relayed);
  live_relays_.remove(ended.advertised);
  // RFC 6062: a TCP relay's peer and data connections end with it.
  for (const TcpConnection& connection : server_.tcp().remove_allocation(ended.id)) end_tcp_connection(connection.id);
  if (ended.relayed_ipv6) relay_ports_.close(*ended.relayed_ipv6);
  if (ended.advertised_ipv6) live_relays_.remove(*ended.advertised_ipv6);
  auto seconds = std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - ended.created).count();
  spdlog::info(
      "allocation ended: user={} client={} {} relayed={} reason={} duration={}s permissions={} "
      "bytes_to_peer={} bytes_to_client={} packets_to_peer={} packets_to_client={} dropped={} refused_peers={}",
      log_escape(ended.user_id), to_string(ended.five_tuple.transport), ended.five_tuple.client.to_string(),
      ended.advertised.to_string(), label(ended.reason), seconds, ended.permissions, ended.counters.bytes_to_peer,
      ended.counters.bytes_to_client, ended.counters.packets_to_peer, ended.counters.packets_to_client,
      ended.counters.dropped, ended.counters.refused_peers);
}

void TurnWorker::schedule_expiry() {
  expiry_timer_.expires_after(kExpiryTick);
  expiry_timer_.async_wait([this](const boost::system::error_code& error) {
    if (error) return;
    auto result = server_.expire(Clock::now());
    for (auto& ended : result.allocations) allocation_ended(ended);
    // RFC 6062's 30 s: a Connect still waiting is answered 447, and an unbound peer closed.
    for (auto& expired : server_.expire_tcp(Clock::now())) {
      if (!expired.answer.empty()) send_to_client(expired.client, expired.answer);
      end_tcp_connection(expired.connection.id);
    }
    for (const std::string& line : refusal_log_.flush(Clock::now())) spdlog::info("{}", line);
    // Listeners' drops at a full receive buffer show within a second (net/receive_tally.hpp).
    for (auto& socket : udp_sockets_) socket->count_drops();
    for (auto& socket : dtls_sockets_) socket->count_drops();
    schedule_expiry();
  });
}

}  // namespace iceway::turn::io
