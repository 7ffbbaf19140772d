#include "turn/refusal.hpp"

namespace iceway::turn {

std::string_view refusal_text(Refusal refusal) {
  switch (refusal) {
    case Refusal::allocation_exists:
      return "this client address and port already has an allocation (a new Allocate needs a new source port)";
    case Refusal::no_allocation: return "no allocation on this client address and port (expired or never made)";
    case Refusal::another_users_allocation:
      return "the allocation on this client address and port belongs to another user";
    case Refusal::quota_per_user: return "the user has turn.max_allocations_per_user allocations already";
    case Refusal::quota_per_ip: return "the client address has turn.max_allocations_per_ip allocations already";
    case Refusal::quota_total: return "the server has turn.max_allocations allocations already";
    case Refusal::no_relay_port: return "no free relay port left in turn.relay_ports";
    case Refusal::draining: return "the server is draining and has no server.alternate of the client's family";
    case Refusal::reservation_token:
      return "RESERVATION-TOKEN names no port held for it (unknown, already used, or its 30 s hold is over)";
    case Refusal::even_port_reservation:
      return "EVEN-PORT R=1 needs an even port whose next port is free too, and turn.relay_ports has no such pair "
             "left";
    case Refusal::channel_capacity: return "no channel number left on this allocation";
    case Refusal::permission_capacity: return "the allocation has as many permissions as it may hold";
    case Refusal::tcp_connection_capacity: return "the TCP relay has as many peer connections as it may hold (64)";
    case Refusal::tcp_connection_unknown:
      return "CONNECTION-ID names no peer connection waiting for its ConnectionBind (unknown, already bound, or its "
             "30 s are over)";
    case Refusal::mobility_off:
      return "MOBILITY-TICKET asks for mobility (RFC 8016), which turn.mobility = false refuses (as it does for TCP "
             "relays)";
    case Refusal::mobility_ticket_unknown:
      return "MOBILITY-TICKET names no allocation (expired, ended, or made over another transport), so the client "
             "must allocate anew";
  }
  return "unknown";
}

}  // namespace iceway::turn
