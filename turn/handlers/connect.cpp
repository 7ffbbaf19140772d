// Connect (RFC 6062 §5.2): the client of a TCP relay asks the server to open a TCP connection
// from its relayed address to a peer. The checks answer here; a request that passes them is
// answered when the connection is up (success with CONNECTION-ID, TurnServer::on_tcp_connected)
// or has failed or timed out (447).
#include "stun/attributes/address.hpp"
#include "turn/handlers/handlers.hpp"
#include "turn/handlers/response.hpp"

namespace iceway::turn {

HandleResult handle_connect(const Request& request, Context& ctx) {
  const stun::MessageView& message = request.message;
  const SessionKey& key = request.auth->key;
  Allocation& allocation = *request.allocation;  // §5: dispatch answered 437 and 441

  // Only a TCP relay opens TCP connections (its client is on TCP or TLS, RFC 6062 §5.1).
  if (!allocation.tcp) return error_response(message, stun::ErrorCode::bad_request, key, ctx);

  // §5.2: XOR-PEER-ADDRESS, well formed (400), of the relay's family (443), allowed by the
  // peer policy (403), as for a permission.
  const auto peer = message.get<stun::XorPeerAddress>();
  if (!peer || !peer.value()) return error_response(message, stun::ErrorCode::bad_request, key, ctx);
  const Endpoint target = peer.value()->endpoint;
  const Endpoint* relayed = allocation.relayed_for(target.address.family());
  if (relayed == nullptr) return error_response(message, stun::ErrorCode::peer_address_family_mismatch, key, ctx);
  const PeerDecision decision = check_peer(allocation, target, ctx);
  if (!decision.allowed) {
    HandleResult result = error_response(message, stun::ErrorCode::forbidden, key, ctx);
    result.peer_denied = decision.reason;
    return result;
  }

  // §5.2: a connection with this peer already, connecting, waiting for its bind or bound: 446.
  auto id = ctx.tcp.connect(allocation.id, target, message.transaction_id(), ctx.now);
  if (!id) {
    if (id.error() == TcpRefusal::exists) {
      return error_response(message, stun::ErrorCode::connection_already_exists, key, ctx);
    }
    HandleResult result = error_response(message, stun::ErrorCode::insufficient_capacity, key, ctx);
    result.refusal = Refusal::tcp_connection_capacity;
    return result;
  }
  HandleResult result;
  result.method = stun::Method::connect;
  result.tcp_connect = TcpConnectStart{id.value(), allocation.id, *relayed, target};
  return result;
}

}  // namespace iceway::turn
