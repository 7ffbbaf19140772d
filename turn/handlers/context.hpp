#pragma once
// What a TURN handler gets and what it gives back (STYLE.md "Handlers decide; the I/O layer
// acts"). A handler is a function of the request, the worker's state and `now`: it writes
// its response into the caller's buffer and returns what to send and what changed; it never
// touches a socket or reads a clock.
//
// Lifetimes: every reference in Context outlives the call. Every span in a HandleResult,
// ToPeer or ToClient points into the caller's input bytes or output buffer and is valid
// until the caller reuses them.
#include <cstddef>
#include <optional>

#include "common/bytes.hpp"
#include "common/clock.hpp"
#include "common/endpoint.hpp"
#include "stun/attributes/error_code.hpp"
#include "stun/message.hpp"
#include "turn/allocation_table.hpp"
#include "turn/counters.hpp"
#include "turn/nonce.hpp"
#include "turn/peer_policy.hpp"
#include "turn/port_reservations.hpp"
#include "turn/random_source.hpp"
#include "turn/quota.hpp"
#include "turn/refusal.hpp"
#include "turn/relay_port_allocator.hpp"
#include "turn/rest_credentials.hpp"
#include "turn/settings.hpp"
#include "turn/source_rate_limiter.hpp"
#include "turn/tcp_connections.hpp"

namespace iceway::turn {

// The response buffer must hold our largest answer: an Allocate success with IPv6
// addresses, ADDRESS-ERROR-CODE, a 127-character SOFTWARE, MESSAGE-INTEGRITY and
// FINGERPRINT is under 400 bytes; a 420 lists at most 16 attributes.
inline constexpr std::size_t kMinResponseBuffer = 1024;

struct Context {
  // The request.
  const FiveTuple& five_tuple;
  TimePoint now;
  UnixSeconds now_unix;  // wall clock: REST-API username expiry and nonce expiry (shared by nodes)
  // Shared by all workers, immutable while a call runs.
  const Settings& settings;
  const Credentials& credentials;
  const NonceIssuer& nonces;
  const PeerPolicy& policy;
  const LiveRelays& live_relays;
  Quota& quota;  // thread-safe
  PortReservations& reservations;  // thread-safe; EVEN-PORT R=1 and RESERVATION-TOKEN
  SourceRateLimiter& unauthenticated;  // thread-safe; bytes answered to unauthenticated senders
  // This worker's.
  AllocationTable& table;
  RelayPortAllocator& ports;
  TurnCounters& counters;
  TcpConnections& tcp;  // the peer connections of TCP relays (RFC 6062)
  RandomSource& random;  // CSPRNG: RFC 8016 mobility tickets
  // The worker whose thread receives this 5-tuple's messages: this one (tcp.worker()), or the
  // one that handed this RFC 8016 Refresh over because its ticket names this one.
  std::uint8_t home_worker = 0;
  // Where the response is written (at least kMinResponseBuffer bytes).
  MutableByteSpan out;
};

// A datagram to send from an allocation's relay socket (Send indication, ChannelData).
struct ToPeer {
  AllocationId allocation = 0;
  Endpoint relayed;  // the relay socket to send from (its local address)
  Endpoint peer;
  ByteSpan payload;  // a view into the client's message
};

// Bytes to send to a client on its 5-tuple (ChannelData or a Data indication).
struct ToClient {
  FiveTuple five_tuple;
  ByteSpan bytes;  // a view into the buffer given to on_peer_datagram
};

struct CreatedAllocation {
  AllocationId id = 0;
  Endpoint relayed;  // the socket RelayPortAllocator::open returned in this call
  std::optional<Endpoint> relayed_ipv6;  // and a dual allocation's second one
};

// RFC 6062 §5.2, Connect: open a TCP connection from the relay `relayed` to `peer`, as
// connection `id`, then tell TurnServer::on_tcp_connected how it went; that builds the answer.
struct TcpConnectStart {
  ConnectionId id = 0;
  AllocationId allocation = 0;
  Endpoint relayed;
  Endpoint peer;
};

// RFC 6062 §5.4, ConnectionBind succeeded: once the response is sent, this client connection
// carries connection `id`'s bytes, both ways, to and from the peer's TCP connection.
struct TcpBound {
  ConnectionId id = 0;
  AllocationId allocation = 0;
  Endpoint peer;
};

struct HandleResult {
  ByteSpan response;                        // to the client on the 5-tuple; empty: send nothing
  std::optional<ToPeer> to_peer;            // relay this datagram
  std::optional<CreatedAllocation> created;  // the pending relay socket now belongs to `id`
  std::optional<EndedAllocation> ended;      // close this relay socket (Refresh with LIFETIME 0)
  std::optional<ReleasedRelay> released;     // close this one relay of a dual allocation

  // For counters and logs (dispatch counts them; the I/O layer may log them).
  stun::Method method = stun::Method::binding;  // the STUN method; Method::data for ChannelData
  std::optional<stun::ErrorCode> error;     // the error code answered, if any
  bool authenticated = false;               // the answer carries MESSAGE-INTEGRITY
  bool from_cache = false;                  // a retransmission answered from the cache
  std::optional<AuthFailure> auth_failure;
  bool stale_nonce = false;   // a 438 to a nonce that expired: the normal renewal, not a failure
  bool rate_limited = false;  // an unauthenticated answer dropped: the source's budget is spent
  std::optional<PeerReason> peer_denied;
  std::optional<Refusal> refusal;  // why a 486, 508, 437 or 441 was answered, for the refusal log
  std::string_view username;       // the request's USERNAME once authenticated (a view into the request)
  // RFC 6062 (TCP relays). For a Connect that passed its checks the response stays empty:
  // it comes from TurnServer::on_tcp_connected (or 447 from expire_tcp).
  std::optional<TcpConnectStart> tcp_connect;
  std::optional<TcpBound> tcp_bound;
  // A ConnectionBind for a connection another worker holds (TcpConnections::worker_of):
  // nothing was checked or answered here; that worker must handle the request (with the
  // connection, over TCP; handed over with TurnServer::on_handed_over, over TLS).
  std::optional<std::uint8_t> tcp_bind_elsewhere;
  // RFC 8016, a Refresh from a new 5-tuple took allocation `id` over (its 5-tuple is now the
  // request's; it was `from`). When the request came from another worker, the allocation
  // moves there (AllocationTable::extract, adopt) with its relay sockets.
  struct Moved {
    AllocationId id = 0;
    FiveTuple from;
  };
  std::optional<Moved> moved;
  // An RFC 8016 Refresh whose ticket names another worker, from a 5-tuple without an
  // allocation here: nothing was checked or answered; that worker handles it
  // (TurnServer::on_handed_over) and answers through this one.
  std::optional<std::uint8_t> mobility_elsewhere;
  // RFC 5780 (stun/nat_behavior.hpp): the answer leaves from reply_to->server to
  // reply_to->client instead of going back on the request's 5-tuple (UDP only).
  std::optional<FiveTuple> reply_to;
};

}  // namespace iceway::turn
