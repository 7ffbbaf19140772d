// Refresh (RFC 8656 §8.2): extend an allocation's lifetime, or delete it with LIFETIME 0.
#include "stun/attributes/turn.hpp"
#include "turn/handlers/handlers.hpp"
#include "turn/handlers/response.hpp"

namespace iceway::turn {

HandleResult handle_refresh(const Request& request, Context& ctx) {
  const stun::MessageView& message = request.message;
  const SessionKey& key = request.auth->key;
  Allocation& allocation = *request.allocation;  // §5: dispatch answered 437 and 441

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
  return success_response(message, key, ctx, [&](stun::MessageBuilder& builder) {
    builder.add(stun::Lifetime{static_cast<std::uint32_t>(desired.count())});
  });
}

}  // namespace iceway::turn
