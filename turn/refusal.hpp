#pragma once
// Why a TURN request was refused with 486, 508, 437 or 441, beyond what the code says: the
// handler that refuses names the cause, the refusal log (turn/refusal_log.hpp) puts it in
// words, so an operator reading "508" learns whether the port range is exhausted or the
// client asked for a reservation. One table: refusal_text().
#include <cstdint>
#include <string_view>

namespace iceway::turn {

enum class Refusal : std::uint8_t {
  allocation_exists,      // 437 to Allocate: the 5-tuple already has an allocation
  no_allocation,          // 437 to Refresh, CreatePermission, ChannelBind: none on the 5-tuple
  another_users_allocation,  // 441: the 5-tuple's allocation belongs to another user
  quota_per_user,         // 486: turn.max_allocations_per_user
  quota_per_ip,           // 486: turn.max_allocations_per_ip
  quota_total,            // 486: turn.max_allocations
  no_relay_port,          // 508: the relay port range has no free port
  draining,               // 508: shutting down, and no server.alternate of the client's family
  reservation_token,      // 508: RESERVATION-TOKEN names no port held (unknown, used or past 30 s)
  even_port_reservation,  // 508: EVEN-PORT R=1 and no free even/odd port pair in the range
  channel_capacity,       // 508 to ChannelBind: no channel number left
  permission_capacity,    // 508 to CreatePermission: the allocation's permission limit
  tcp_connection_capacity,  // 508 to Connect: the TCP relay has TcpConnections::kMaxPerAllocation
  tcp_connection_unknown,   // 400 to ConnectionBind: no connection waits under that CONNECTION-ID
  mobility_off,             // 405 to MOBILITY-TICKET: turn.mobility is off, or a TCP relay asked
  mobility_ticket_unknown,  // 437 to Refresh: MOBILITY-TICKET names no allocation (or one of another transport)
};

std::string_view refusal_text(Refusal refusal);

}  // namespace iceway::turn
