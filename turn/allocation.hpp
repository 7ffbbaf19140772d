#pragma once
// One TURN allocation (RFC 8656 §2.2, §7): the relayed transport address, who owns it, its
// lifetime, permissions, channels, bandwidth bucket and traffic counters.
//
// Owned by exactly one worker's AllocationTable (through unique_ptr, so its address is
// stable while it lives); only that worker's thread touches it. Pointers into it are valid
// until the table removes it: expire(), remove(), or the table's destruction.
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "common/clock.hpp"
#include "common/endpoint.hpp"
#include "stun/attributes/turn.hpp"
#include "stun/message.hpp"
#include "turn/channels.hpp"
#include "turn/permissions.hpp"
#include "turn/quota.hpp"
#include "turn/rest_credentials.hpp"
#include "turn/session_key.hpp"
#include "turn/token_bucket.hpp"

namespace iceway::turn {

using AllocationId = std::uint64_t;  // per table, never reused; 0 is "none"
using stun::TransactionId;

struct RelayCounters {
  std::uint64_t bytes_to_peer = 0;
  std::uint64_t packets_to_peer = 0;
  std::uint64_t bytes_to_client = 0;
  std::uint64_t packets_to_client = 0;
  std::uint64_t dropped = 0;  // no permission, no channel or over the bandwidth cap
  std::uint64_t refused_peers = 0;  // CreatePermission/ChannelBind peers refused (check_peer)
};

// What Allocate decided; AllocationTable::create() turns it into an Allocation.
struct AllocationSpec {
  FiveTuple five_tuple;
  Endpoint relayed;     // the relay socket's bound local address
  Endpoint advertised;  // XOR-RELAYED-ADDRESS: `relayed` with external_ip applied
  std::string username;
  std::string user_id;  // quota and log identity (REST user id or static name)
  SessionKey key{};     // the key (and integrity attribute) that verified the Allocate
  TimePoint expires{};
  TransactionId allocate_transaction_id{};
  TokenBucket bandwidth;
  QuotaLease lease;
  std::optional<stun::ReservationToken> reservation_token;  // EVEN-PORT R=1 reserved the next port
  // ADDITIONAL-ADDRESS-FAMILY (RFC 8656 §7.2 step 9): the IPv6 relay of a dual allocation
  // (`relayed` is then its IPv4 one).
  std::optional<Endpoint> relayed_ipv6;
  std::optional<Endpoint> advertised_ipv6;
  bool tcp = false;  // a TCP relay (RFC 6062): peers are TCP connections, see TcpConnections
};

struct Allocation {
  AllocationId id = 0;
  FiveTuple five_tuple;
  Endpoint relayed;
  Endpoint advertised;
  // A dual allocation's IPv6 relay (RFC 8656 §7.2 step 9); `relayed` is its IPv4 one. One
  // lifetime, one quota slot, one set of permissions and channels for both.
  std::optional<Endpoint> relayed_ipv6;
  std::optional<Endpoint> advertised_ipv6;
  // A TCP relay (RFC 6062): `relayed` is a listening TCP socket, data goes over the peer
  // connections of turn/tcp_connections.hpp, and channels and Send do not apply.
  bool tcp = false;
  // RFC 8016 mobility (turn.mobility): the ticket a Refresh from a new 5-tuple must carry to
  // take the allocation over (turn/mobility.hpp), and the one it replaced, which a repeated
  // Refresh from the new 5-tuple may still carry. None: the client did not ask for mobility.
  std::optional<stun::MobilityTicket> ticket;
  std::optional<stun::MobilityTicket> previous_ticket;
  // A mobile allocation whose TCP, TLS or DTLS connection closed: it waits, reachable only by
  // its ticket, until a Refresh from the client's new connection takes it or it expires.
  bool detached = false;
  std::string username;  // RFC 8656 §7.2: later requests must carry this USERNAME (else 441)
  std::string user_id;
  SessionKey key{};
  TimePoint created{};
  TimePoint expires{};
  // RFC 8656 §7.2 retransmission rule: a repeated Allocate with this transaction id gets the
  // success answer again instead of 437, even after the retransmit cache dropped it.
  TransactionId allocate_transaction_id{};
  // Its answer's RESERVATION-TOKEN, for that same retransmission (EVEN-PORT R=1).
  std::optional<stun::ReservationToken> reservation_token;
  Permissions permissions;
  Channels channels;
  TokenBucket bandwidth;
  TokenBucket refused_peers;  // the budget of check_peer() (handlers.hpp)
  RelayCounters counters;
  QuotaLease lease;

  // Numbers the Data indications sent to the client (their transaction ids), so no random
  // bytes are drawn per relayed packet; indications expect no answer (RFC 8489 §6.3.2).
  std::uint64_t indications_sent = 0;

  // The table's expiry schedule (see AllocationTable): the deadline its queue entry is for.
  TimePoint scheduled{};

  // The relay socket that reaches a peer of `family`, or null when the allocation has no
  // relayed address of that family (RFC 8656: 443 Peer Address Family Mismatch).
  const Endpoint* relayed_for(AddressFamily family) const {
    if (relayed.address.family() == family) return &relayed;
    if (relayed_ipv6 && family == AddressFamily::ipv6) return &*relayed_ipv6;
    return nullptr;
  }
};

}  // namespace iceway::turn
