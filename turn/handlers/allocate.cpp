// Allocate (RFC 8656 §7.2): create an allocation for the 5-tuple with a UDP relay socket.
#include "stun/attributes/address.hpp"
#include "stun/attributes/turn.hpp"
#include "stun/binding.hpp"
#include "turn/handlers/handlers.hpp"
#include "turn/handlers/response.hpp"

namespace iceway::turn {
namespace {

using stun::ErrorCode;

std::uint32_t seconds_left(const Allocation& allocation, TimePoint now) {
  const auto left = std::chrono::duration_cast<Seconds>(allocation.expires - now).count();
  return left <= 0 ? 0 : static_cast<std::uint32_t>(left);
}

// The success response (RFC 8656 §7.2, last paragraph): XOR-RELAYED-ADDRESS, LIFETIME,
// XOR-MAPPED-ADDRESS, and ADDRESS-ERROR-CODE when an additional family was refused.
HandleResult success(const Request& request, Context& ctx, const Endpoint& advertised, std::uint32_t lifetime,
                     bool refused_additional_ipv6) {
  return success_response(request.message, request.auth->key, ctx, [&](stun::MessageBuilder& builder) {
    builder.add(stun::XorRelayedAddress{advertised})
        .add(stun::Lifetime{lifetime})
        .add(stun::XorMappedAddress{Endpoint{stun::unmap_ipv4(ctx.five_tuple.client.address), ctx.five_tuple.client.port}});
    if (refused_additional_ipv6) {
      builder.add(stun::AddressErrorCode{AddressFamily::ipv6, stun::to_wire(ErrorCode::address_family_not_supported),
                                         stun::reason_phrase(ErrorCode::address_family_not_supported)});
    }
  });
}

HandleResult fail(const Request& request, Context& ctx, ErrorCode code, const stun::UnknownAttributes* unknown = nullptr) {
  return error_response(request.message, code, request.auth->key, ctx, unknown);
}

// A refusal whose cause the code alone does not tell (turn/refusal.hpp): for the refusal log.
HandleResult refuse(const Request& request, Context& ctx, ErrorCode code, Refusal why) {
  HandleResult result = fail(request, ctx, code);
  result.refusal = why;
  return result;
}

Refusal quota_refusal(QuotaError error) {
  switch (error) {
    case QuotaError::per_user: return Refusal::quota_per_user;
    case QuotaError::per_ip: return Refusal::quota_per_ip;
    case QuotaError::total: return Refusal::quota_total;
  }
  return Refusal::quota_total;
}

}  // namespace

Seconds desired_lifetime(std::optional<std::uint32_t> requested, const Settings& settings) {
  if (!requested) return settings.default_lifetime;
  const Seconds computed = std::min(Seconds(*requested), settings.max_lifetime);
  return computed > settings.default_lifetime ? computed : settings.default_lifetime;
}

Endpoint advertised_address(const Endpoint& relayed, const Settings& settings) {
  const auto& public_ip = settings.external_public_ip;
  const auto& private_ip = settings.external_private_ip;
  if (public_ip && public_ip->family() == relayed.address.family() &&
      (!private_ip || *private_ip == relayed.address)) {
    return Endpoint{*public_ip, relayed.port};
  }
  return relayed;
}

HandleResult handle_allocate(const Request& request, Context& ctx) {
  const stun::MessageView& message = request.message;
  const Authenticated& auth = *request.auth;

  // §7.2 step 1: authenticated with the long-term mechanism (dispatch did it).

  // §7.2 step 2: the 5-tuple already has an allocation. A retransmission of the request
  // that created it (same transaction id, same user) gets its success answer again; the
  // retransmit cache usually answers first, this covers an entry it already dropped.
  if (Allocation* existing = ctx.table.find(ctx.five_tuple)) {
    if (existing->allocate_transaction_id == message.transaction_id() && existing->username == auth.username) {
      return success(request, ctx, existing->advertised, seconds_left(*existing, ctx.now), false);
    }
    return refuse(request, ctx, ErrorCode::allocation_mismatch, Refusal::allocation_exists);
  }

  // §7.2 step 3: REQUESTED-TRANSPORT must be there and be UDP.
  const auto transport = message.get<stun::RequestedTransport>();
  if (!transport || !transport.value()) return fail(request, ctx, ErrorCode::bad_request);
  if (transport.value()->protocol != stun::RequestedTransport::kUdp) {
    return fail(request, ctx, ErrorCode::unsupported_transport_protocol);
  }

  // A malformed LIFETIME makes the request malformed (§7.2 uses its value below).
  const auto lifetime = message.get<stun::Lifetime>();
  if (!lifetime) return fail(request, ctx, ErrorCode::bad_request);

  // §7.2 step 4: DONT-FRAGMENT. §13 says a UDP-to-UDP relay relies on the DF bit of what it
  // receives, not on this attribute, so from a UDP client it is accepted and needs nothing.
  // From a TCP/TLS client (§15, TCP-to-UDP) the relay socket must set DF; if the port
  // allocator cannot, the attribute is treated as unknown: 420 listing it.
  const auto dont_fragment = message.get<stun::DontFragment>();
  if (!dont_fragment) return fail(request, ctx, ErrorCode::bad_request);
  const bool want_dont_fragment = dont_fragment.value().has_value() && ctx.five_tuple.transport != Transport::udp;

  const auto even_port = message.get<stun::EvenPort>();
  const auto requested_family = message.get<stun::RequestedAddressFamily>();
  const auto additional_family = message.get<stun::AdditionalAddressFamily>();
  const auto reservation = message.get<stun::ReservationToken>();
  if (!even_port || !reservation) return fail(request, ctx, ErrorCode::bad_request);
  // REQUESTED-ADDRESS-FAMILY with an unknown family byte decodes as bad_address_family: that
  // is a family we do not support (440), not a malformed request.
  if (!requested_family && requested_family.error().reason != stun::DecodeReason::bad_address_family) {
    return fail(request, ctx, ErrorCode::bad_request);
  }
  if (!additional_family) return fail(request, ctx, ErrorCode::bad_request);
  const bool has_requested_family = !requested_family || requested_family.value().has_value();
  const bool has_additional_family = additional_family.value().has_value();

  // §7.2 step 5: RESERVATION-TOKEN. Combined with EVEN-PORT or an address family it is a
  // bad request; alone, it names a reservation, and we never hand out tokens (EVEN-PORT
  // with R=1 gets 508 below), so no token is valid: 508.
  if (reservation.value()) {
    if (even_port.value() || has_requested_family || has_additional_family) {
      return fail(request, ctx, ErrorCode::bad_request);
    }
    return refuse(request, ctx, ErrorCode::insufficient_capacity, Refusal::reservation_token);
  }

  // §7.2 step 6: REQUESTED-ADDRESS-FAMILY and ADDITIONAL-ADDRESS-FAMILY together: 400.
  if (has_requested_family && has_additional_family) return fail(request, ctx, ErrorCode::bad_request);

  // §7.2 step 7: the family. Absent means IPv4 (browsers never send it).
  if (!requested_family) return fail(request, ctx, ErrorCode::address_family_not_supported);
  const AddressFamily family = has_requested_family ? requested_family.value()->family : AddressFamily::ipv4;
  const auto& relay_ip = family == AddressFamily::ipv4 ? ctx.settings.relay_ipv4 : ctx.settings.relay_ipv6;
  if (!relay_ip) return fail(request, ctx, ErrorCode::address_family_not_supported);

  // §7.2 step 8: EVEN-PORT. R=1 asks us to reserve the next port under a token; we keep no
  // reservations, so that request cannot be satisfied: 508 (with ADDITIONAL-ADDRESS-FAMILY,
  // 400 first). R=0 only needs an even port.
  if (even_port.value() && even_port.value()->reserve_next) {
    if (has_additional_family) return fail(request, ctx, ErrorCode::bad_request);
    return refuse(request, ctx, ErrorCode::insufficient_capacity, Refusal::even_port_reservation);
  }

  // §7.2 step 9: ADDITIONAL-ADDRESS-FAMILY asks for a dual allocation. IPv4 there is a bad
  // request. We do not make dual allocations: the IPv4 relay is created and the success
  // carries ADDRESS-ERROR-CODE 440 for IPv6, the partial success the step allows.
  if (has_additional_family && additional_family.value()->family == AddressFamily::ipv4) {
    return fail(request, ctx, ErrorCode::bad_request);
  }

  // §7.2 step 10: quota, by user (as the step recommends), by client IP and in total.
  auto lease = ctx.quota.acquire(auth.user_id, ctx.five_tuple.client.address);
  if (!lease) return refuse(request, ctx, ErrorCode::allocation_quota_reached, quota_refusal(lease.error()));

  // §7.2 time-to-expiry: min(requested, max), but never below the default.
  const Seconds granted = desired_lifetime(
      lifetime.value() ? std::optional<std::uint32_t>(lifetime.value()->seconds) : std::nullopt, ctx.settings);

  // §7.2 "The server chooses a relayed transport address": a fresh UDP socket.
  RelayPortRequest port_request;
  port_request.family = family;
  port_request.even_port = even_port.value().has_value();
  port_request.dont_fragment = want_dont_fragment;
  port_request.five_tuple = ctx.five_tuple;
  auto relayed = ctx.ports.open(port_request);
  if (!relayed) {
    switch (relayed.error()) {
      case RelayPortError::family_unavailable: return fail(request, ctx, ErrorCode::address_family_not_supported);
      case RelayPortError::no_port:
        return refuse(request, ctx, ErrorCode::insufficient_capacity, Refusal::no_relay_port);
      case RelayPortError::draining: {
        // A draining node sends the client to the configured alternate of its own family
        // (RFC 8489 §14.15: the address family MUST match the request's source).
        const AddressFamily client_family = stun::unmap_ipv4(ctx.five_tuple.client.address).family();
        for (const auto& alternate : ctx.settings.alternate_servers) {
          if (alternate.address.family() == client_family) {
            return try_alternate_response(message, alternate, auth.key, ctx);
          }
        }
        return refuse(request, ctx, ErrorCode::insufficient_capacity, Refusal::draining);
      }
      case RelayPortError::dont_fragment_unsupported: {
        stun::UnknownAttributes unknown;
        unknown.add(stun::AttributeType::dont_fragment);
        return fail(request, ctx, ErrorCode::unknown_attribute, &unknown);
      }
    }
  }

  const Endpoint advertised = advertised_address(relayed.value(), ctx.settings);
  HandleResult result = success(request, ctx, advertised, static_cast<std::uint32_t>(granted.count()),
                                has_additional_family);
  if (result.response.empty()) {  // could not build the answer: undo, create nothing
    ctx.ports.close(relayed.value());
    result.error = ErrorCode::server_error;
    return result;
  }

  AllocationSpec spec;
  spec.five_tuple = ctx.five_tuple;
  spec.relayed = relayed.value();
  spec.advertised = advertised;
  spec.username = std::string(auth.username);
  spec.user_id = auth.user_id;
  spec.key = auth.key;
  spec.expires = ctx.now + granted;
  spec.allocate_transaction_id = message.transaction_id();
  spec.bandwidth = bandwidth_bucket(ctx.settings.bandwidth_per_allocation, ctx.now);
  spec.lease = std::move(lease).value();
  Allocation& allocation = ctx.table.create(std::move(spec), ctx.now);
  allocation.refused_peers = refused_peer_bucket(ctx.settings.refused_peers_per_minute, ctx.now);
  result.created = CreatedAllocation{allocation.id, allocation.relayed};
  return result;
}

}  // namespace iceway::turn
