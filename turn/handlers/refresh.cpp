// Refresh (RFC 8656 §8.2): extend an allocation's lifetime, or delete it with LIFETIME 0. With
// turn.mobility, a Refresh from a new 5-tuple carrying the allocation's MOBILITY-TICKET takes
// it over (RFC 8016 §3.2; dispatch found the allocation by its ticket).
#include "stun/attributes/turn.hpp"
#include "turn/handlers/handlers.hpp"
#include "turn/handlers/response.hpp"
#include "turn/mobility.hpp"

namespace iceway::turn {

HandleResult handle_refresh(const Request& request, Context& ctx) {
  const stun::MessageView& message = request.message;
  const SessionKey& key = request.auth->key;
  Allocation& allocation = *request.allocation;  // §5: dispatch answered 437 and 441

  // RFC 8016 §3.2. From a new 5-tuple the ticket is what found the allocation; from the
  // allocation's own 5-tuple it must be its current ticket, or the one a move just replaced
  // (a client repeats its Refresh from the new address, as coturn's uclient -M does).
  const auto mobility = message.get<stun::MobilityTicket>();
  if (!mobility) return error_response(message, stun::ErrorCode::bad_request, key, ctx);
  const bool moving = allocation.five_tuple != ctx.five_tuple;
  if (mobility.value() && !ctx.settings.mobility) {
    HandleResult result = error_response(message, stun::ErrorCode::mobility_forbidden, key, ctx);
    result.refusal = Refusal::mobility_off;
    return result;
  }
  if (mobility.value() && !moving && allocation.ticket != *mobility.value() &&
      allocation.previous_ticket != *mobility.value()) {
    return error_response(message, stun::ErrorCode::bad_request, key, ctx);
  }

  // §8.2: a REQUESTED-ADDRESS-FAMILY of which the allocation has no relay is 443.
  const auto family = message.get<stun::RequestedAddressFamily>();
  if (!family) {
    const bool unknown_family = family.error().reason == stun::DecodeReason::bad_address_family;
    return error_response(message, unknown_family ? stun::ErrorCode::peer_address_family_mismatch
                                                   : stun::ErrorCode::bad_request,
                          key, ctx);
  }
  if (family.value() && allocation.relayed_for(family.value()->family) == nullptr) {
    return error_response(message, stun::ErrorCode::peer_address_family_mismatch, key, ctx);
  }

  const auto lifetime = message.get<stun::Lifetime>();
  if (!lifetime) return error_response(message, stun::ErrorCode::bad_request, key, ctx);

  // §8.2, a dual allocation: LIFETIME 0 with REQUESTED-ADDRESS-FAMILY deletes only the relay
  // of that family, and the allocation goes on with the other. Both share one lifetime, so
  // any other Refresh, with or without the attribute, refreshes both.
  if (lifetime.value() && lifetime.value()->seconds == 0 && family.value() && allocation.relayed_ipv6) {
    HandleResult result = success_response(message, key, ctx, [](stun::MessageBuilder& builder) {
      builder.add(stun::Lifetime{0});
    });
    result.released = ctx.table.release(allocation, family.value()->family);
    return result;
  }

  // §8.2 "desired lifetime": zero deletes the allocation now; the answer carries LIFETIME 0.
  if (lifetime.value() && lifetime.value()->seconds == 0) {
    HandleResult result = success_response(message, key, ctx, [](stun::MessageBuilder& builder) {
      builder.add(stun::Lifetime{0});
    });
    result.ended = ctx.table.remove(allocation.id, EndReason::deleted);
    return result;
  }
  const Seconds desired = desired_lifetime(
      lifetime.value() ? std::optional<std::uint32_t>(lifetime.value()->seconds) : std::nullopt, ctx.settings);
  ctx.table.refresh(allocation, ctx.now + desired);
  std::optional<HandleResult::Moved> moved;
  if (moving) {  // RFC 8016 §3.2: the allocation is the new 5-tuple's, under a new ticket
    moved = HandleResult::Moved{allocation.id, allocation.five_tuple};
    ctx.table.rebind(allocation, ctx.five_tuple);
    ctx.table.set_ticket(allocation, issue_mobility_ticket(ctx.home_worker, ctx.random));
  }
  HandleResult result = success_response(message, key, ctx, [&](stun::MessageBuilder& builder) {
    builder.add(stun::Lifetime{static_cast<std::uint32_t>(desired.count())});
    if (allocation.ticket) builder.add(*allocation.ticket);
  });
  result.moved = moved;
  return result;
}

}  // namespace iceway::turn
