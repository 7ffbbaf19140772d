#pragma once
// TurnServer: one worker's TURN core, the whole API the I/O layer (turn/io, turn/relay)
// drives. It owns the worker's allocation table, retransmit cache and counters, and borrows
// what all workers share (settings, credentials, peer policy, nonce key, quota, the limiter
// of unauthenticated answers). It never touches a socket and never reads a clock.
//
// Threading: one TurnServer per worker thread; every method is called on that thread only.
// The shared pieces are immutable (or, for Quota and SourceRateLimiter, thread-safe).
//
// How the I/O layer uses it (all calls without heap allocation on the relay path):
//
//   client bytes (UDP datagram, or one frame of stun::next_frame on TCP/TLS)
//     r = server.on_client_message(bytes, five_tuple, now, now_unix, out)
//     if (!r.response.empty())  send r.response to five_tuple.client on the same 5-tuple
//     if (r.to_peer)            send r.to_peer->payload from the relay socket
//                               r.to_peer->relayed (allocation r.to_peer->allocation) to
//                               r.to_peer->peer
//     if (r.created)            the socket RelayPortAllocator::open returned in this call
//                               (r.created->relayed) now relays for r.created->id: start
//                               receiving on it
//     if (r.ended)              close the relay socket r.ended->relayed, log the summary
//
//   a datagram from `peer` on allocation `id`'s relay socket, received at
//   buffer[kPeerHeadroom] with kPeerTailroom spare bytes after it
//     if (auto c = server.on_peer_datagram(id, peer, buffer, size, now))
//       send c->bytes to c->five_tuple.client on that 5-tuple (ChannelData or Data
//       indication, already framed and padded for the client's transport)
//
//   the client's TCP/TLS connection closed
//     if (auto e = server.on_connection_closed(five_tuple)) close e->relayed
//
//   the worker's timer, at next_deadline() (or once a second)
//     for (auto& e : server.expire(now).allocations) close e.relayed
//
//   TCP relays (RFC 6062):
//     if (r.tcp_connect)        open a TCP connection from r.tcp_connect->relayed to ->peer;
//                               when it is up or has failed:
//                               if (auto a = server.on_tcp_connected(id, ok, now, out))
//                                 send a->bytes on a->five_tuple (the Connect's answer)
//     a peer connects to a TCP relay:
//       if (auto a = server.on_tcp_peer_connected(id, peer, now, out)) send a->indication
//       else close the peer's connection (no permission, or too many)
//     if (r.tcp_bound)          after the response, the client connection and the peer's
//                               connection r.tcp_bound->id are one byte stream
//     if (r.tcp_bind_elsewhere) move the connection and the request to that worker (TCP), or
//                               hand the request over and take the peer connection (TLS)
//     every second: server.expire_tcp(now): send the 447s, close the rest
//     an allocation ended: close what server.tcp().remove_allocation(id) returns
//
//   Mobility (RFC 8016):
//     if (r.mobility_elsewhere) hand the request to that worker's on_handed_over(), which
//                               answers through this one
//     if (r.moved)              the allocation serves this 5-tuple now; handed over, it moves
//                               to the request's worker (AllocationTable::extract, adopt)
//
//   SIGHUP: server.reconfigure(new shared pieces) on this worker's thread.
#include <cstddef>
#include <memory>
#include <optional>

#include "common/bytes.hpp"
#include "common/clock.hpp"
#include "common/endpoint.hpp"
#include "turn/allocation_table.hpp"
#include "turn/counters.hpp"
#include "turn/handlers/context.hpp"
#include "turn/handlers/handlers.hpp"
#include "turn/nonce.hpp"
#include "turn/peer_policy.hpp"
#include "turn/port_reservations.hpp"
#include "turn/quota.hpp"
#include "turn/relay_port_allocator.hpp"
#include "turn/rest_credentials.hpp"
#include "turn/retransmit_cache.hpp"
#include "turn/settings.hpp"
#include "turn/source_rate_limiter.hpp"
#include "turn/tcp_connections.hpp"

namespace iceway::turn {

// What all workers share; built by app/ at start and again, validated, on SIGHUP. Keep the
// same NonceIssuer across reloads so nonces already handed out stay valid.
struct SharedTurnState {
  std::shared_ptr<const Settings> settings;
  std::shared_ptr<const Credentials> credentials;
  std::shared_ptr<const PeerPolicy> policy;
  std::shared_ptr<const NonceIssuer> nonces;
  // The one limiter of unauthenticated answers for the whole process (thread-safe, kept
  // across reloads like the nonce key): a limiter per worker would multiply the budget.
  std::shared_ptr<SourceRateLimiter> unauthenticated;
  // Ports held for EVEN-PORT R=1 (thread-safe, kept across reloads): a reservation made on
  // one worker is taken by an Allocate that may arrive on another.
  std::shared_ptr<PortReservations> reservations;
};

class TurnServer {
 public:
  // `quota` (process-wide) and `ports` (this worker's) must outlive the server.
  // `live_relays` answers "is this one of our live relayed addresses?" for the peer policy;
  // null means this worker's own table (enough with one worker; with several, pass a view
  // over all of them).
  // `worker` numbers this worker among `workers` (the top byte of its RFC 6062 CONNECTION-IDs).
  // `random` draws CONNECTION-IDs and mobility tickets; null means the CSPRNG (a fuzzer passes
  // a counter, so that what it finds replays).
  TurnServer(SharedTurnState shared, Quota& quota, RelayPortAllocator& ports, const LiveRelays* live_relays = nullptr,
             std::uint8_t worker = 0, std::uint8_t workers = 1, RandomSource* random = nullptr);

  // Both re-check every permission and channel against the new peer policy and remove what
  // it refuses (AllocationTable::recheck_peers).
  RecheckResult reconfigure(SharedTurnState shared);
  // Replaces only the peer policy (the host's addresses changed).
  RecheckResult set_policy(std::shared_ptr<const PeerPolicy> policy);

  // One STUN message or ChannelData frame from a client. `out` receives the response and
  // must hold at least kMinResponseBuffer bytes.
  HandleResult on_client_message(ByteSpan bytes, const FiveTuple& five_tuple, TimePoint now, UnixSeconds now_unix,
                                 MutableByteSpan out);
  // A request another worker received and handed over: an RFC 8016 Refresh
  // (HandleResult::mobility_elsewhere) or a TLS connection's RFC 6062 ConnectionBind
  // (tcp_bind_elsewhere), from a 5-tuple whose messages reach worker `home`. The answer is for
  // `home` to send; a `moved` allocation goes there with its relay sockets, a `tcp_bound`
  // peer connection with its socket.
  HandleResult on_handed_over(ByteSpan bytes, const FiveTuple& five_tuple, std::uint8_t home, TimePoint now,
                              UnixSeconds now_unix, MutableByteSpan out);

  // A datagram from `peer` on allocation `id`'s relay socket (see handlers.hpp for the
  // buffer layout). Nothing when the allocation is gone, the peer has no permission or the
  // bandwidth cap is reached.
  std::optional<ToClient> on_peer_datagram(AllocationId id, const Endpoint& peer, MutableByteSpan buffer,
                                           std::size_t size, TimePoint now);

  // RFC 8656 §7: an allocation made over TCP/TLS ends when its connection closes. A mobile one
  // (RFC 8016) is detached instead: its client may come back on a new connection.
  std::optional<EndedAllocation> on_connection_closed(const FiveTuple& five_tuple);

  // Also ends the port reservations whose hold ran out (every worker calls it; any one will do).
  ExpireResult expire(TimePoint now) {
    shared_.reservations->expire(now);
    return table_.expire(now);
  }
  std::optional<TimePoint> next_deadline() const { return table_.next_deadline(); }

  // RFC 6062 §5.2: the connection a Connect started (HandleResult::tcp_connect) is up, or
  // failed. The Connect's answer, written into `out`: success with CONNECTION-ID, or 447.
  // Nothing when the connection is gone meanwhile (expire_tcp answered it, or its
  // allocation ended): then close the socket.
  std::optional<ToClient> on_tcp_connected(ConnectionId id, bool connected, TimePoint now, MutableByteSpan out);

  // RFC 6062 §5.3: `peer` connected to allocation `id`'s TCP relay. The ConnectionAttempt
  // indication for the client, written into `out`; nothing when the allocation is gone, is
  // not a TCP relay, has no permission for the peer's address, or has a connection with
  // that peer or its limit of them already: then close the peer's connection.
  struct ConnectionAttempt {
    ConnectionId id = 0;
    ToClient indication;
  };
  std::optional<ConnectionAttempt> on_tcp_peer_connected(AllocationId id, const Endpoint& peer, TimePoint now,
                                                         MutableByteSpan out);

  // TCP connections past their 30 s (turn/tcp_connections.hpp). A Connect still waiting gets
  // its 447 (`answer`, for `client`); every one of them is to be closed.
  struct ExpiredTcp {
    TcpConnection connection;
    FiveTuple client;
    std::vector<std::byte> answer;  // empty when there is nothing to answer
  };
  std::vector<ExpiredTcp> expire_tcp(TimePoint now);

  // A data connection of allocation `id` moved `to_peer` bytes from the client and `to_client`
  // from the peer: counted, and charged to the allocation's bandwidth cap
  // (turn.bandwidth_per_allocation). A stream is slowed, not dropped: the answer is how long
  // that direction waits before reading again (zero within the cap).
  Duration on_tcp_piped(AllocationId id, std::size_t to_peer, std::size_t to_client, TimePoint now);
  TcpConnections& tcp() { return tcp_; }
  const TcpConnections& tcp() const { return tcp_; }

  const AllocationTable& table() const { return table_; }
  AllocationTable& table() { return table_; }
  const TurnCounters& counters() const { return counters_; }
  // The I/O layer counts its stream connections (opened, refused, closed by a deadline) here.
  TurnCounters& counters() { return counters_; }
  const SharedTurnState& shared() const { return shared_; }

 private:
  static TableLimits limits_of(const Settings& settings);
  HandleResult handle(ByteSpan bytes, const FiveTuple& five_tuple, std::uint8_t home, TimePoint now,
                      UnixSeconds now_unix, MutableByteSpan out);
  const LiveRelays& live_relays() const {
    return live_relays_ != nullptr ? *live_relays_ : static_cast<const LiveRelays&>(table_);
  }

  SharedTurnState shared_;
  Quota& quota_;
  RelayPortAllocator& ports_;
  const LiveRelays* live_relays_;
  TurnCounters counters_;  // before table_: the table updates it until its destruction
  AllocationTable table_;
  RetransmitCache retransmits_;
  SystemRandom system_random_;
  RandomSource& random_;  // CONNECTION-IDs and mobility tickets
  TcpConnections tcp_;
};

}  // namespace iceway::turn
