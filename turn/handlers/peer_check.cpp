// check_peer (handlers.hpp): the peer policy plus the per-allocation budget of refusals.
#include "turn/handlers/handlers.hpp"

namespace iceway::turn {

PeerDecision check_peer(Allocation& allocation, const Endpoint& peer, Context& ctx) {
  PeerDecision decision = ctx.policy.check(peer, ctx.live_relays);
  // Out of budget: a live relay's port answers like a dead one.
  if (decision.allowed && decision.reason == PeerReason::own_relay && !allocation.refused_peers.unlimited() &&
      allocation.refused_peers.tokens(ctx.now) < 1) {
    decision.allowed = false;
    decision.reason = PeerReason::server_address;
  }
  if (!decision.allowed) {
    ++allocation.counters.refused_peers;
    allocation.refused_peers.try_consume(1, ctx.now);
  }
  return decision;
}

}  // namespace iceway::turn
