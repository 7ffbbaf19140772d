// CreatePermission (RFC 8656 §10.2): install or refresh permissions for peer IP addresses.
#include <array>

#include "stun/attributes/address.hpp"
#include "turn/handlers/handlers.hpp"
#include "turn/handlers/response.hpp"

namespace iceway::turn {

HandleResult handle_create_permission(const Request& request, Context& ctx) {
  const stun::MessageView& message = request.message;
  const SessionKey& key = request.auth->key;
  Allocation& allocation = *request.allocation;  // §5: dispatch answered 437 and 441

  // §10.2: at least one XOR-PEER-ADDRESS, each well formed (400), each of a family the
  // allocation has a relay of (443), each allowed by the peer policy (403). The request is all or nothing:
  // every check runs before any permission is installed.
  std::size_t peers = 0;
  std::size_t new_peers = 0;
  for (const auto& attribute : message.attributes()) {
    if (attribute.type != stun::AttributeType::xor_peer_address) continue;
    auto peer = stun::XorPeerAddress::decode(attribute, message.transaction_id());
    if (!peer) return error_response(message, stun::ErrorCode::bad_request, key, ctx);
    const Endpoint& endpoint = peer.value().endpoint;
    if (allocation.relayed_for(endpoint.address.family()) == nullptr) {
      return error_response(message, stun::ErrorCode::peer_address_family_mismatch, key, ctx);
    }
    const PeerDecision decision = check_peer(allocation, endpoint, ctx);
    if (!decision.allowed) {
      HandleResult result = error_response(message, stun::ErrorCode::forbidden, key, ctx);
      result.peer_denied = decision.reason;
      return result;
    }
    ++peers;
    if (!allocation.permissions.expiry(endpoint.address)) ++new_peers;
  }
  if (peers == 0) return error_response(message, stun::ErrorCode::bad_request, key, ctx);

  // §10.2 "If the server is unable to fulfill the request ... due to some capacity limit":
  // 508, before anything is installed. (new_peers may count a repeated address twice, which
  // can only make this check stricter, never let the limit be passed.)
  if (allocation.permissions.size() + new_peers > ctx.table.limits().max_permissions) {
    HandleResult result = error_response(message, stun::ErrorCode::insufficient_capacity, key, ctx);
    result.refusal = Refusal::permission_capacity;
    return result;
  }

  // §10.2, §9: install or refresh each permission; the port is ignored.
  for (const auto& attribute : message.attributes()) {
    if (attribute.type != stun::AttributeType::xor_peer_address) continue;
    const Endpoint endpoint = stun::XorPeerAddress::decode(attribute, message.transaction_id()).value().endpoint;
    // Decided again (cheap, and without a second list): whether this is another allocation's
    // relay matters when a reload re-checks the permission (AllocationTable::recheck_peers).
    const bool own_relay = ctx.policy.check(endpoint, ctx.live_relays).reason == PeerReason::own_relay;
    ctx.table.install_permission(allocation, endpoint.address, ctx.now, own_relay);
  }
  return success_response(message, key, ctx);
}

}  // namespace iceway::turn
