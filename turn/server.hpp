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
  TurnServer(SharedTurnState shared, Quota& quota, RelayPortAllocator& ports, const LiveRelays* live_relays = nullptr);

  // Both re-check every permission and channel against the new peer policy and remove what
  // it refuses (AllocationTable::recheck_peers).
  RecheckResult reconfigure(SharedTurnState shared);
  // Replaces only the peer policy (the host's addresses changed).
  RecheckResult set_policy(std::shared_ptr<const PeerPolicy> policy);

  // One STUN message or ChannelData frame from a client. `out` receives the response and
  // must hold at least kMinResponseBuffer bytes.
  HandleResult on_client_message(ByteSpan bytes, const FiveTuple& five_tuple, TimePoint now, UnixSeconds now_unix,
                                 MutableByteSpan out);

  // A datagram from `peer` on allocation `id`'s relay socket (see handlers.hpp for the
  // buffer layout). Nothing when the allocation is gone, the peer has no permission or the
  // bandwidth cap is reached.
  std::optional<ToClient> on_peer_datagram(AllocationId id, const Endpoint& peer, MutableByteSpan buffer,
                                           std::size_t size, TimePoint now);

  // RFC 8656 §7: an allocation made over TCP/TLS ends when its connection closes.
  std::optional<EndedAllocation> on_connection_closed(const FiveTuple& five_tuple);

  // Also ends the port reservations whose hold ran out (every worker calls it; any one will do).
  ExpireResult expire(TimePoint now) {
    shared_.reservations->expire(now);
    return table_.expire(now);
  }
  std::optional<TimePoint> next_deadline() const { return table_.next_deadline(); }

  const AllocationTable& table() const { return table_; }
  AllocationTable& table() { return table_; }
  const TurnCounters& counters() const { return counters_; }
  // The I/O layer counts its stream connections (opened, refused, closed by a deadline) here.
  TurnCounters& counters() { return counters_; }
  const SharedTurnState& shared() const { return shared_; }

 private:
  static TableLimits limits_of(const Settings& settings);
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
};

}  // namespace iceway::turn
