// ConnectionBind (RFC 6062 §5.4): a new TCP or TLS connection from the client of a TCP relay
// claims a peer connection by its CONNECTION-ID. On success the I/O layer turns that client
// connection into a plain byte pipe to the peer (HandleResult::tcp_bound).
#include "stun/attributes/turn.hpp"
#include "turn/handlers/handlers.hpp"
#include "turn/handlers/response.hpp"

namespace iceway::turn {

HandleResult handle_connection_bind(const Request& request, Context& ctx) {
  const stun::MessageView& message = request.message;
  const Authenticated& auth = *request.auth;

  // §5.4: only on a TCP or TLS connection, and only on one that is not a control connection
  // already (it would stop carrying the allocation's requests).
  if (framing_of(ctx.five_tuple.transport) != stun::Framing::stream || ctx.table.find(ctx.five_tuple) != nullptr) {
    return error_response(message, stun::ErrorCode::bad_request, auth.key, ctx);
  }
  const auto connection_id = message.get<stun::ConnectionId>();
  if (!connection_id || !connection_id.value()) return error_response(message, stun::ErrorCode::bad_request, auth.key, ctx);
  const ConnectionId id = connection_id.value()->id;

  // (An id of another worker never gets here: dispatch sent the request there.)

  // §5.4: the id must name a connection waiting for its bind (unknown, expired, still
  // connecting or bound already: 400), and it must be the allocation's user who claims it:
  // another user's ConnectionBind is 441, as another user's request on the allocation is.
  const TcpConnection* pending = ctx.tcp.find(id);
  if (pending == nullptr || pending->state != TcpState::awaiting_bind) {
    HandleResult result = error_response(message, stun::ErrorCode::bad_request, auth.key, ctx);
    result.refusal = Refusal::tcp_connection_unknown;
    return result;
  }
  const Allocation* allocation = ctx.table.find_by_id(pending->allocation);
  if (allocation == nullptr || allocation->username != auth.username) {
    HandleResult result = error_response(message, stun::ErrorCode::wrong_credentials, auth.key, ctx);
    result.auth_failure = AuthFailure::wrong_credentials;
    result.refusal = Refusal::another_users_allocation;
    return result;
  }
  HandleResult result = success_response(message, auth.key, ctx);
  if (result.response.empty()) return result;  // could not build the answer: stays unbound
  const TcpConnection bound = ctx.tcp.bind(id).value();
  result.tcp_bound = TcpBound{bound.id, bound.allocation, bound.peer};
  return result;
}

}  // namespace iceway::turn
