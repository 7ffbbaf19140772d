#pragma once
// Everything one worker thread does for STUN and TURN: its listener sockets (UDP with
// SO_REUSEPORT, TCP, TLS, DTLS on the UDP side of the TLS port), its client connections and
// DTLS sessions, its relay sockets, its expiry timer, and
// the TURN core (turn::TurnServer) that decides what to answer and relay. One TurnWorker per
// net::Worker; it is touched only from that worker's thread (other threads post to the
// worker's context), so nothing here takes a lock.
//
// The relay path (a ChannelData or Send from a client, a datagram from a peer) does no heap
// allocation: the core writes answers into answer_buffer_ and frames peer data in place in
// the receive batch's headroom.
#include <array>
#include <chrono>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <optional>
#include <string_view>
#include <system_error>
#include <unordered_map>
#include <vector>

#include "net/tcp_acceptor.hpp"
#include "net/udp_socket.hpp"
#include "net/worker.hpp"
#include "turn/dtls_cookie.hpp"
#include "turn/io/client_connection.hpp"
#include "turn/io/dtls_connection.hpp"
#include "turn/io/live_relay_set.hpp"
#include "turn/io/relay_ports.hpp"
#include "turn/refusal_log.hpp"
#include "turn/server.hpp"
#include "turn/session_summary.hpp"
#include "turn/stream_limits.hpp"

namespace iceway::turn::io {

class TurnWorker final : public net::DatagramHandler, public FrameHandler {
 public:
  // `quota`, `live_relays` and `stream_limits` are shared by all workers and must outlive this one.
  // `workers` is how many TurnWorkers the process runs (RFC 6062 CONNECTION-IDs name one).
  TurnWorker(net::Worker& worker, SharedTurnState shared, Quota& quota, LiveRelaySet& live_relays,
             StreamLimits& stream_limits, unsigned workers = 1);
  ~TurnWorker();

  // Opens this worker's share of a listener. Call before the worker thread starts.
  std::error_code listen_udp(const Endpoint& local);
  // TLS when `tls` is set; it may be replaced later with set_tls_context().
  std::error_code listen_tcp(const Endpoint& local, std::shared_ptr<boost::asio::ssl::context> tls);
  // TURN over DTLS on UDP `local` (the TLS listener's address), with the certificate of the
  // TLS context given to listen_tcp() or set_tls_context(); call after that.
  std::error_code listen_dtls(const Endpoint& local);
  std::vector<Endpoint> udp_endpoints() const;
  std::vector<Endpoint> dtls_endpoints() const;
  std::vector<Endpoint> tcp_endpoints() const;
  // Starts the expiry timer; call once the listeners are open.
  void start();
  // Every TurnWorker of the process, by worker index (this one too), for moving an RFC 6062
  // data connection to the worker that holds its peer connection. Call before the threads start.
  void set_siblings(std::vector<TurnWorker*> siblings) { siblings_ = std::move(siblings); }

  // The rest run on the worker's thread (post to it from elsewhere).
  void reconfigure(SharedTurnState shared);
  // The host's addresses changed: the same settings with a policy built from the new set.
  void set_policy(std::shared_ptr<const PeerPolicy> policy);
  void set_tls_context(std::shared_ptr<boost::asio::ssl::context> tls);
  // Drain: stop accepting TCP/TLS connections and refuse new allocations; live allocations
  // keep relaying.
  void begin_drain();
  // Shutdown: end every allocation (logged) and close every socket and connection.
  void close_all();
  // `iceway ctl sessions`: this worker's allocations, `user`'s only when not empty.
  std::vector<SessionSummary> sessions(std::string_view user) const;
  // `iceway ctl disconnect`: ends `user`'s allocations (or the one with id `session`), logged as
  // disconnected; a TCP/TLS client's connection goes with its allocation. Returns how many.
  std::size_t disconnect(std::string_view user, std::optional<std::uint64_t> session);

  // This worker's TURN counters, for the metrics collector (relaxed atomics: any thread may
  // read them while the worker writes).
  const TurnCounters& counters() const { return server_.counters(); }
  // What became of this worker's UDP sends (the same rules for reading).
  const net::SendTally& udp_sends() const { return worker_.receive_batch().sends.tally(); }
  // The datagrams the kernel dropped at this worker's full receive buffers (the same rules).
  const net::ReceiveTally& udp_receives() const { return worker_.receive_batch().receives; }

  // net::DatagramHandler: a datagram on a STUN/TURN listener.
  void on_datagram(const net::Datagram& datagram, const Endpoint& from, net::UdpSocket& socket) override;
  // FrameHandler: a frame on a client's TCP/TLS connection.
  void on_frame(ByteSpan frame, ClientConnection& connection) override;
  void on_closed(ClientConnection& connection) override;
  Duration on_piped(ClientConnection& connection, std::size_t to_peer, std::size_t to_client) override;

 private:
  // A datagram on a DTLS listener: to its 5-tuple's session, or to the stateless front door.
  void on_dtls_datagram(const net::Datagram& datagram, const Endpoint& from, net::UdpSocket& socket);
  std::optional<StreamAdmission> admit(const IpAddress& source, bool handshake);
  // `in_receive_batch`: a UDP client's bytes lie in the worker's receive batch (not so for a
  // message that waited in awaiting_).
  // `now`: when the bytes were received (a UDP receive round's time, shared by its datagrams).
  void handle_client(ByteSpan bytes, const FiveTuple& tuple, ClientConnection* stream, TimePoint now,
                     bool in_receive_batch = true);
  void log_result(const HandleResult& result, const FiveTuple& tuple, TimePoint now);
  static UnixSeconds unix_now();  // the wall clock REST usernames and nonces expire by
  // The wall clock once per receive round: the datagrams of one round share `now`.
  UnixSeconds unix_at(TimePoint now);
  void on_peer_datagram(AllocationId id, const net::Datagram& datagram, const Endpoint& peer);
  void send_to_client(const FiveTuple& tuple, ByteSpan bytes);
  // Leaves with the receive round's other datagrams (one sendmmsg per socket): `bytes` as a
  // view when they lie in the worker's receive batch, else (answers, built in a buffer the
  // next request reuses) copied into the batch.
  void send_udp(const FiveTuple& tuple, ByteSpan bytes, bool in_receive_batch);
  void allocation_created(const CreatedAllocation& created, ClientConnection* stream);
  void allocation_ended(const EndedAllocation& ended);
  // RFC 6062 (turn/io/tcp_relays.hpp does the sockets).
  void start_tcp_connect(const TcpConnectStart& start);
  void on_tcp_connected(ConnectionId id, bool ok);
  void on_tcp_peer(AllocationId id, boost::asio::ip::tcp::socket socket, const Endpoint& peer);
  void bind_data_connection(const TcpBound& bound, ClientConnection& stream);
  void move_connection(std::uint8_t worker, ClientConnection& stream);
  void adopt_connection(HandedOver moved);
  void end_tcp_connection(ConnectionId id);
  // A request whose state another worker holds (turn/io/turn_worker_handover.cpp): an RFC 8016
  // Refresh whose ticket names it, or a TLS connection's RFC 6062 ConnectionBind. It goes there;
  // that worker answers through this one and sends back what now lives here: a moved allocation
  // with its relay sockets, or a bound peer connection's socket.
  struct HandedBack {
    unsigned from_worker = 0;
    std::unique_ptr<Allocation> allocation;
    std::vector<net::BoundUdpPort> relays;
    std::optional<TcpBound> bound;
    int peer_fd = -1;  // the bound peer connection, or -1 when it broke meanwhile
    bool proves = false;  // the answer is a success or authenticated (turn.stream_auth_timeout)
    ~HandedBack();
  };
  // False when there is no such worker (nothing was sent).
  bool hand_over_request(std::uint8_t worker, ByteSpan bytes, const FiveTuple& tuple);
  void on_handed_over(const std::vector<std::byte>& bytes, const FiveTuple& tuple, std::uint8_t home);
  void on_handover_answer(const FiveTuple& tuple, const std::vector<std::byte>& answer, HandedBack& back);
  // RFC 8016 (turn/io/turn_worker_mobility.cpp): the allocation leaves for worker `home`.
  void carry_allocation(const HandleResult::Moved& moved, HandedBack& back);
  void take_allocation(const FiveTuple& tuple, HandedBack& back, ClientConnection* stream);
  // RFC 6062 over TLS: the peer connection leaves for the data connection's worker, which
  // pipes it; its allocation, bandwidth and end stay with this one (remote_pipes_).
  void carry_peer(const TcpBound& bound, std::uint8_t home, HandedBack& back);
  void pipe_remote_peer(HandedBack& back, ClientConnection* stream);
  void end_remote_pipe(ConnectionId id);
  // Worker `owner` forgets its peer connection `id`, piped here no longer (or never).
  void forget_remote_pipe(unsigned owner, ConnectionId id);
  // A TCP descriptor from another worker, served by this one's event loop; nothing on failure
  // (the descriptor stays the caller's to close).
  std::optional<boost::asio::ip::tcp::socket> tcp_socket_of(int fd);
  // An allocation's client moved to `to` (`stream` when that is a connection of this worker).
  void allocation_moved(const HandleResult::Moved& moved, const FiveTuple& to, ClientConnection* stream,
                        unsigned from_worker);
  // Its old connection, if any, may idle only as long as one without an allocation.
  void left_behind(const FiveTuple& old);
  void accept(boost::asio::ip::tcp::socket socket, bool tls);
  void schedule_expiry();
  void log_recheck(const RecheckResult& removed) const;

  // RFC 8656 §3.1 leaves the idle close of a TCP connection without an allocation to the
  // server; long enough for ICE's consent checks on a STUN-only connection, short enough
  // that idle sockets do not pile up.
  static constexpr std::chrono::seconds kIdleWithoutAllocation{60};

  net::Worker& worker_;
  LiveRelaySet& live_relays_;
  StreamLimits& stream_limits_;
  RelayPorts relay_ports_;
  TurnServer server_;
  RefusalLog refusal_log_;  // why 486, 508, 403, 437 and 441 were answered, rate-limited
  boost::asio::steady_timer expiry_timer_;
  std::shared_ptr<boost::asio::ssl::context> tls_;
  // DTLS: the context made from tls_, this worker's cookie key (a client's datagrams all reach
  // the same worker, SO_REUSEPORT hashing its address), the listener sockets, and the sessions
  // by 5-tuple (they are in connections_ too, as every client connection is).
  struct DtlsPort final : net::DatagramHandler {
    explicit DtlsPort(TurnWorker& owner) : worker_(owner) {}
    void on_datagram(const net::Datagram& datagram, const Endpoint& from, net::UdpSocket& socket) override {
      worker_.on_dtls_datagram(datagram, from, socket);
    }
    TurnWorker& worker_;
  };
  std::shared_ptr<SSL_CTX> dtls_;
  DtlsCookies dtls_cookies_;
  DtlsPort dtls_port_{*this};
  std::vector<std::shared_ptr<net::UdpSocket>> dtls_sockets_;
  std::unordered_map<FiveTuple, std::shared_ptr<DtlsConnection>> dtls_connections_;
  bool draining_ = false;
  std::vector<std::shared_ptr<net::UdpSocket>> udp_sockets_;
  // Where a UDP client's answers leave from: the listener bound to `local`. A scan of the few
  // listeners, cheaper per packet than hashing the address.
  net::UdpSocket* udp_listener(const Endpoint& local) const;
  struct Acceptor {
    std::shared_ptr<net::TcpAcceptor> acceptor;
    bool tls = false;
  };
  std::vector<Acceptor> acceptors_;
  std::unordered_map<FiveTuple, std::shared_ptr<ClientConnection>> connections_;
  // RFC 6062 data connections (in connections_ too): which peer connection each carries.
  struct Pipe {
    ConnectionId id = 0;
    AllocationId allocation = 0;
    // The worker whose core holds the allocation: this one, or (a TLS data connection) the
    // one that sent the peer connection here. Its bandwidth cap answers a chunk late then:
    // `wait` is what it said of the last one.
    unsigned owner = 0;
    Duration wait{};
  };
  std::unordered_map<FiveTuple, Pipe> pipes_;
  std::unordered_map<ConnectionId, FiveTuple> pipe_by_id_;
  // Peer connections of this worker's TCP relays piped by another worker's data connection.
  std::unordered_map<ConnectionId, unsigned> remote_pipes_;
  std::vector<TurnWorker*> siblings_;
  // 5-tuples whose request another worker is deciding (hand_over_request), with what they sent
  // since (at most kMaxAwaiting messages each; more are dropped, as a full socket buffer would).
  static constexpr std::size_t kMaxAwaiting = 16;
  std::unordered_map<FiveTuple, std::vector<std::vector<std::byte>>> awaiting_;
  // Answers are built here and sent before the next message is read.
  std::array<std::byte, 2048> answer_buffer_{};
  TimePoint unix_read_at_ = TimePoint::min();  // unix_at(): the round the wall clock was last read for
  UnixSeconds unix_seconds_ = 0;
};

}  // namespace iceway::turn::io
