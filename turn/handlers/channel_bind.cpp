// ChannelBind (RFC 8656 §12.2): bind a channel number to a peer transport address.
#include "stun/attributes/address.hpp"
#include "stun/attributes/turn.hpp"
#include "turn/handlers/handlers.hpp"
#include "turn/handlers/response.hpp"

namespace iceway::turn {

HandleResult handle_channel_bind(const Request& request, Context& ctx) {
  const stun::MessageView& message = request.message;
  const SessionKey& key = request.auth->key;
  Allocation& allocation = *request.allocation;  // §5: dispatch answered 437 and 441
  auto fail = [&](stun::ErrorCode code) { return error_response(message, code, key, ctx); };
  // A TCP relay (RFC 6062) has no channels: its peers are TCP connections, each with a data
  // connection of its own.
  if (allocation.tcp) return fail(stun::ErrorCode::bad_request);

  // §12.2: CHANNEL-NUMBER and XOR-PEER-ADDRESS, both well formed, else 400.
  const auto number = message.get<stun::ChannelNumber>();
  const auto peer = message.get<stun::XorPeerAddress>();
  if (!number || !number.value() || !peer || !peer.value()) return fail(stun::ErrorCode::bad_request);
  const std::uint16_t channel = number.value()->number;
  const Endpoint& endpoint = peer.value()->endpoint;
  // §12.2: the channel number range (400). See turn/channels.hpp for why 0x4000-0x7FFF.
  if (channel < kMinChannelNumber || channel > kMaxChannelNumber) return fail(stun::ErrorCode::bad_request);

  // §12.2: a peer of a family the allocation has no relay of is 443.
  if (allocation.relayed_for(endpoint.address.family()) == nullptr) {
    return fail(stun::ErrorCode::peer_address_family_mismatch);
  }
  // §12.2 "The server MAY impose restrictions on the IP address and port": the peer
  // policy (403). Checked before binding, so a denied peer never gets a binding; the rules
  // below would answer 400 for a conflicting request whatever the policy says.
  const PeerDecision decision = check_peer(allocation, endpoint, ctx);
  if (!decision.allowed) {
    HandleResult result = fail(stun::ErrorCode::forbidden);
    result.peer_denied = decision.reason;
    return result;
  }

  // §12.2: the number is not bound to another peer and the peer not to another number
  // (400); a full channel table is 508; else create or refresh, with the peer's permission.
  // A peer that is another allocation's relayed address is re-checked for each ChannelData
  // (ChannelBinding::own_relay): that allocation may end while the channel lives on.
  switch (ctx.table.bind_channel(allocation, channel, endpoint, ctx.now, decision.reason == PeerReason::own_relay)) {
    case ChannelBindOutcome::created:
    case ChannelBindOutcome::refreshed:
      return success_response(message, key, ctx);
    case ChannelBindOutcome::bad_number:
    case ChannelBindOutcome::number_in_use:
    case ChannelBindOutcome::peer_in_use:
      return fail(stun::ErrorCode::bad_request);
    case ChannelBindOutcome::full: {
      HandleResult result = fail(stun::ErrorCode::insufficient_capacity);
      result.refusal = Refusal::channel_capacity;
      return result;
    }
  }
  return fail(stun::ErrorCode::server_error);
}

}  // namespace iceway::turn
