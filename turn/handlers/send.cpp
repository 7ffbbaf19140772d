// Send indications (RFC 8656 §11.2): data from the client for a peer, inside STUN.
// Indications are never answered; every failed check discards silently.
#include "stun/attributes/address.hpp"
#include "stun/attributes/turn.hpp"
#include "turn/handlers/handlers.hpp"

namespace iceway::turn {

HandleResult handle_send(const Request& request, Context& ctx) {
  const stun::MessageView& message = request.message;
  Allocation& allocation = *request.allocation;  // §5: dispatch drops indications without one
  HandleResult result;
  result.method = stun::Method::send;
  auto discard = [&]() {
    ++allocation.counters.dropped;
    ctx.counters.relay_dropped_no_permission.add();
    return result;
  };

  // A TCP relay (RFC 6062) has no datagrams to send: its peers are TCP connections.
  if (allocation.tcp) return discard();

  // §11.2: XOR-PEER-ADDRESS and DATA must be there and well formed.
  const auto peer = message.get<stun::XorPeerAddress>();
  const auto data = message.get<stun::Data>();
  if (!peer || !peer.value() || !data || !data.value()) return discard();
  const Endpoint& endpoint = peer.value()->endpoint;
  // §11.2 (RFC 6156): a peer of a family the allocation has no relay of cannot be reached;
  // a dual allocation sends from the relay of the peer's family.
  const Endpoint* relay = allocation.relayed_for(endpoint.address.family());
  if (relay == nullptr) return discard();
  // §11.2 DONT-FRAGMENT: accepted and needs nothing here; §13 has a UDP relay rely on the
  // DF bit of what it receives, and a TCP client's relay socket was set up at Allocate.

  // §11.2: a permission for the peer's IP must exist (data does not refresh it, §9).
  if (!allocation.permissions.allows(endpoint.address, ctx.now)) return discard();
  // Permissions ignore ports, so on one of our own addresses the exact port must be a live
  // relayed address (SPEC §9; see PeerPolicy). Cheap: a short list compare, then the check.
  if (ctx.policy.is_server_address(endpoint.address)) {
    const PeerDecision decision = ctx.policy.check(endpoint, ctx.live_relays);
    if (!decision.allowed) {
      result.peer_denied = decision.reason;
      return discard();
    }
  }

  const ByteSpan payload = data.value()->bytes;
  if (!allocation.bandwidth.try_consume(static_cast<double>(payload.size()), ctx.now)) {
    ++allocation.counters.dropped;
    ctx.counters.relay_dropped_bandwidth.add();
    return result;
  }
  allocation.counters.bytes_to_peer += payload.size();
  ++allocation.counters.packets_to_peer;
  ctx.counters.count_relay(Direction::client_to_peer, payload.size());
  // §11.2: from the relayed address, to XOR-PEER-ADDRESS, carrying DATA's value.
  result.to_peer = ToPeer{allocation.id, *relay, endpoint, payload};
  return result;
}

}  // namespace iceway::turn
