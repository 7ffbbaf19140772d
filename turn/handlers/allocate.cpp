// Allocate (RFC 8656 §7.2): create an allocation for the 5-tuple with a UDP relay socket,
// reserving the next port under a token for EVEN-PORT R=1 and taking a reserved port for
// RESERVATION-TOKEN (turn/port_reservations.hpp); or, with REQUESTED-TRANSPORT TCP from a
// TCP/TLS client, a TCP relay (RFC 6062 §5.1). With an empty MOBILITY-TICKET and
// turn.mobility, the allocation gets a ticket (RFC 8016 §3.1, turn/mobility.hpp).
#include "stun/attributes/address.hpp"
#include "stun/attributes/turn.hpp"
#include "stun/binding.hpp"
#include "turn/handlers/handlers.hpp"
#include "turn/handlers/response.hpp"
#include "turn/mobility.hpp"

namespace iceway::turn {
namespace {

using stun::ErrorCode;

std::uint32_t seconds_left(const Allocation& allocation, TimePoint now) {
  const auto left = std::chrono::duration_cast<Seconds>(allocation.expires - now).count();
  return left <= 0 ? 0 : static_cast<std::uint32_t>(left);
}

// What the success answer says besides the first relayed address.
struct SuccessExtras {
  std::optional<Endpoint> advertised_ipv6;            // a dual allocation's second address
  std::optional<ErrorCode> ipv6_refused;              // why ADDITIONAL-ADDRESS-FAMILY was not served
  std::optional<stun::ReservationToken> token;        // EVEN-PORT R=1
  std::optional<stun::MobilityTicket> ticket;         // RFC 8016
};

// The success response (RFC 8656 §7.2, last paragraph): XOR-RELAYED-ADDRESS (two for a dual
// allocation), LIFETIME, XOR-MAPPED-ADDRESS, RESERVATION-TOKEN when the next port was
// reserved, and ADDRESS-ERROR-CODE when the additional family could not be served.
HandleResult success(const Request& request, Context& ctx, const Endpoint& advertised, std::uint32_t lifetime,
                     const SuccessExtras& extras) {
  return success_response(request.message, request.auth->key, ctx, [&](stun::MessageBuilder& builder) {
    builder.add(stun::XorRelayedAddress{advertised});
    if (extras.advertised_ipv6) builder.add(stun::XorRelayedAddress{*extras.advertised_ipv6});
    builder.add(stun::Lifetime{lifetime})
        .add(stun::XorMappedAddress{Endpoint{stun::unmap_ipv4(ctx.five_tuple.client.address), ctx.five_tuple.client.port}});
    if (extras.token) builder.add(*extras.token);
    if (extras.ticket) builder.add(*extras.ticket);
    if (extras.ipv6_refused) {
      builder.add(stun::AddressErrorCode{AddressFamily::ipv6, stun::to_wire(*extras.ipv6_refused),
                                         stun::reason_phrase(*extras.ipv6_refused)});
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

Seconds granted_lifetime(const std::optional<stun::Lifetime>& requested, const Settings& settings) {
  return desired_lifetime(requested ? std::optional<std::uint32_t>(requested->seconds) : std::nullopt, settings);
}

// A relay socket could not be opened (or a held one adopted): the answer for each cause.
HandleResult refuse_port(const Request& request, Context& ctx, RelayPortError error) {
  switch (error) {
    case RelayPortError::family_unavailable: return fail(request, ctx, ErrorCode::address_family_not_supported);
    case RelayPortError::no_port: return refuse(request, ctx, ErrorCode::insufficient_capacity, Refusal::no_relay_port);
    case RelayPortError::draining: {
      // A draining node sends the client to the configured alternate of its own family
      // (RFC 8489 §14.15: the address family MUST match the request's source).
      const AddressFamily client_family = stun::unmap_ipv4(ctx.five_tuple.client.address).family();
      for (const auto& alternate : ctx.settings.alternate_servers) {
        if (alternate.address.family() == client_family) {
          return try_alternate_response(request.message, alternate, request.auth->key, ctx);
        }
      }
      return refuse(request, ctx, ErrorCode::insufficient_capacity, Refusal::draining);
    }
    case RelayPortError::transport_unsupported: return fail(request, ctx, ErrorCode::unsupported_transport_protocol);
    case RelayPortError::dont_fragment_unsupported: {
      stun::UnknownAttributes unknown;
      unknown.add(stun::AttributeType::dont_fragment);
      return fail(request, ctx, ErrorCode::unknown_attribute, &unknown);
    }
  }
  return refuse(request, ctx, ErrorCode::insufficient_capacity, Refusal::no_relay_port);
}

// coturn's clients up to 4.6.x (Debian 12's `turnutils_uclient -Z`) ask for a dual allocation
// with ADDITIONAL-ADDRESS-FAMILY under the draft's code point 0x8032, comprehension-optional,
// so a server that ignored it would quietly answer IPv4 only. Read when the RFC attribute is
// absent, and only as exactly the IPv6 family the RFC attribute may carry; anything else
// under that code point is ignored, as an unknown optional attribute is.
std::optional<AddressFamily> draft_additional_ipv6(const stun::MessageView& message) {
  const auto draft = message.get<stun::AdditionalAddressFamilyDraft>();
  if (draft && draft.value() && draft.value()->family == AddressFamily::ipv6) return AddressFamily::ipv6;
  return std::nullopt;
}

// A dual allocation's IPv6 relay, once its IPv4 one is open: the IPv6 socket, or the code
// ADDRESS-ERROR-CODE gives for not having one (§7.2 step 9 lets the IPv4 part succeed alone).
struct SecondRelay {
  std::optional<Endpoint> relayed;
  std::optional<ErrorCode> refused;
};

SecondRelay open_ipv6_relay(Context& ctx, const RelayPortRequest& first) {
  if (!ctx.settings.relay_ipv6) return {std::nullopt, ErrorCode::address_family_not_supported};
  RelayPortRequest request = first;
  request.family = AddressFamily::ipv6;
  request.even_port = false;
  request.reserve_next = false;
  auto opened = ctx.ports.open(request);
  if (opened) return {opened.value().relayed, std::nullopt};
  if (opened.error() == RelayPortError::family_unavailable) return {std::nullopt, ErrorCode::address_family_not_supported};
  return {std::nullopt, ErrorCode::insufficient_capacity};
}

bool wants_tcp(const stun::MessageView& message) {
  const auto transport = message.get<stun::RequestedTransport>();
  return transport && transport.value() && transport.value()->protocol == stun::RequestedTransport::kTcp;
}

// The allocation, once its answer is built: into the table, and the pending socket named.
void create(HandleResult& result, const Request& request, Context& ctx, const Endpoint& relayed,
            const Endpoint& advertised, Seconds granted, QuotaLease lease,
            const SuccessExtras& extras, const std::optional<Endpoint>& relayed_ipv6 = {}) {
  const Authenticated& auth = *request.auth;
  AllocationSpec spec;
  spec.five_tuple = ctx.five_tuple;
  spec.relayed = relayed;
  spec.advertised = advertised;
  spec.username = std::string(auth.username);
  spec.user_id = auth.user_id;
  spec.key = auth.key;
  spec.expires = ctx.now + granted;
  spec.allocate_transaction_id = request.message.transaction_id();
  spec.bandwidth = bandwidth_bucket(ctx.settings.bandwidth_per_allocation, ctx.now);
  spec.lease = std::move(lease);
  spec.reservation_token = extras.token;
  spec.relayed_ipv6 = relayed_ipv6;
  spec.advertised_ipv6 = extras.advertised_ipv6;
  spec.tcp = wants_tcp(request.message);
  Allocation& allocation = ctx.table.create(std::move(spec), ctx.now);
  allocation.refused_peers = refused_peer_bucket(ctx.settings.refused_peers_per_minute, ctx.now);
  if (extras.ticket) ctx.table.set_ticket(allocation, *extras.ticket);
  result.created = CreatedAllocation{allocation.id, allocation.relayed, allocation.relayed_ipv6};
}

// RESERVATION-TOKEN named a held port: it becomes this allocation's relay socket, in the
// reservation's family, on the quota lease taken when it was reserved.
HandleResult allocate_reserved(const Request& request, Context& ctx, Reservation held,
                               const std::optional<stun::Lifetime>& lifetime, bool want_dont_fragment,
                               const std::optional<stun::MobilityTicket>& ticket) {
  const Seconds granted = granted_lifetime(lifetime, ctx.settings);
  RelayPortRequest port_request;
  port_request.family = held.relayed.address.family();
  port_request.dont_fragment = want_dont_fragment;
  port_request.five_tuple = ctx.five_tuple;
  auto relayed = ctx.ports.adopt(held.relayed, std::move(held.port), port_request);
  if (!relayed) return refuse_port(request, ctx, relayed.error());
  const Endpoint advertised = advertised_address(relayed.value(), ctx.settings);
  SuccessExtras extras;
  extras.ticket = ticket;
  HandleResult result = success(request, ctx, advertised, static_cast<std::uint32_t>(granted.count()), extras);
  if (result.response.empty()) {  // could not build the answer: undo, create nothing
    ctx.ports.close(relayed.value());
    result.error = ErrorCode::server_error;
    return result;
  }
  create(result, request, ctx, relayed.value(), advertised, granted, std::move(held.lease), extras);
  return result;
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
      return success(request, ctx, existing->advertised, seconds_left(*existing, ctx.now),
                     {existing->advertised_ipv6, std::nullopt, existing->reservation_token, existing->ticket});
    }
    return refuse(request, ctx, ErrorCode::allocation_mismatch, Refusal::allocation_exists);
  }

  // §7.2 step 3: REQUESTED-TRANSPORT must be there and be UDP, or TCP (RFC 6062 §5.1), which
  // only a client on a TCP or TLS connection may ask for: 400 from a UDP or DTLS one.
  const auto transport = message.get<stun::RequestedTransport>();
  if (!transport || !transport.value()) return fail(request, ctx, ErrorCode::bad_request);
  const bool tcp = transport.value()->protocol == stun::RequestedTransport::kTcp;
  if (transport.value()->protocol != stun::RequestedTransport::kUdp && !tcp) {
    return fail(request, ctx, ErrorCode::unsupported_transport_protocol);
  }
  if (tcp && framing_of(ctx.five_tuple.transport) != stun::Framing::stream) return fail(request, ctx, ErrorCode::bad_request);

  // RFC 8016 §3.1: an empty MOBILITY-TICKET asks for mobility. Without turn.mobility it is
  // 405 Mobility Forbidden; with a value it is malformed. A TCP relay gets no ticket either
  // (405): its peers' data connections are the client's own TCP connections, which cannot
  // move to a new address.
  const auto mobility = message.get<stun::MobilityTicket>();
  if (!mobility || (mobility.value() && !mobility.value()->empty())) return fail(request, ctx, ErrorCode::bad_request);
  std::optional<stun::MobilityTicket> ticket;
  if (mobility.value()) {
    if (!ctx.settings.mobility || tcp) return refuse(request, ctx, ErrorCode::mobility_forbidden, Refusal::mobility_off);
    ticket = issue_mobility_ticket(ctx.home_worker, ctx.random);
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
  const std::optional<AddressFamily> additional =
      additional_family.value() ? std::optional(additional_family.value()->family) : draft_additional_ipv6(message);
  const bool has_additional_family = additional.has_value();

  // RFC 6062 §5.1: a TCP relay with DONT-FRAGMENT, EVEN-PORT or RESERVATION-TOKEN is a bad
  // request (they are about UDP datagrams and port pairs). So is ADDITIONAL-ADDRESS-FAMILY:
  // RFC 6062 predates dual allocations, and a Connect names one peer of one family anyway.
  if (tcp && (dont_fragment.value() || even_port.value() || reservation.value() || has_additional_family)) {
    return fail(request, ctx, ErrorCode::bad_request);
  }

  // §7.2 step 5: RESERVATION-TOKEN. Combined with EVEN-PORT or an address family it is a
  // bad request; alone, it must name a port still held (unknown, taken or past its 30 s:
  // 508). The reservation brings its own quota lease, taken when the port was reserved, so
  // step 10 has nothing left to count.
  if (reservation.value()) {
    if (even_port.value() || has_requested_family || has_additional_family) {
      return fail(request, ctx, ErrorCode::bad_request);
    }
    auto held = ctx.reservations.take(*reservation.value(), ctx.now);
    if (!held) return refuse(request, ctx, ErrorCode::insufficient_capacity, Refusal::reservation_token);
    return allocate_reserved(request, ctx, std::move(*held), lifetime.value(), want_dont_fragment, ticket);
  }

  // §7.2 step 6: REQUESTED-ADDRESS-FAMILY and ADDITIONAL-ADDRESS-FAMILY together: 400.
  if (has_requested_family && has_additional_family) return fail(request, ctx, ErrorCode::bad_request);

  // §7.2 step 7: the family. Absent means IPv4 (browsers never send it).
  if (!requested_family) return fail(request, ctx, ErrorCode::address_family_not_supported);
  const AddressFamily family = has_requested_family ? requested_family.value()->family : AddressFamily::ipv4;
  const auto& relay_ip = family == AddressFamily::ipv4 ? ctx.settings.relay_ipv4 : ctx.settings.relay_ipv6;
  if (!relay_ip) return fail(request, ctx, ErrorCode::address_family_not_supported);

  // §7.2 step 8: EVEN-PORT. R=0 needs an even port; R=1 also the next port, reserved under
  // a token (508 below when the range has no such pair). A reservation is for one family,
  // so R=1 with ADDITIONAL-ADDRESS-FAMILY is a bad request.
  const bool reserve_next = even_port.value() && even_port.value()->reserve_next;
  if (reserve_next && has_additional_family) return fail(request, ctx, ErrorCode::bad_request);

  // §7.2 step 9: ADDITIONAL-ADDRESS-FAMILY asks for a dual allocation: an IPv4 relay and an
  // IPv6 one (IPv4 there is a bad request). When the IPv6 one cannot be made (no
  // turn.relay_ipv6: 440; no free port: 508) the IPv4 one is made alone and the success
  // says why with ADDRESS-ERROR-CODE, the partial success the step allows.
  if (has_additional_family && *additional == AddressFamily::ipv4) {
    return fail(request, ctx, ErrorCode::bad_request);
  }

  // §7.2 step 10: quota, by user (as the step recommends), by client IP and in total. A
  // reserved port counts as an allocation from when it is reserved.
  auto lease = ctx.quota.acquire(auth.user_id, ctx.five_tuple.client.address);
  if (!lease) return refuse(request, ctx, ErrorCode::allocation_quota_reached, quota_refusal(lease.error()));
  Result<QuotaLease, QuotaError> reservation_lease{QuotaLease{}};
  if (reserve_next) {
    reservation_lease = ctx.quota.acquire(auth.user_id, ctx.five_tuple.client.address);
    if (!reservation_lease) {
      return refuse(request, ctx, ErrorCode::allocation_quota_reached, quota_refusal(reservation_lease.error()));
    }
  }

  // §7.2 time-to-expiry: min(requested, max), but never below the default.
  const Seconds granted = granted_lifetime(lifetime.value(), ctx.settings);

  // §7.2 "The server chooses a relayed transport address": a fresh UDP socket.
  RelayPortRequest port_request;
  port_request.family = family;
  port_request.even_port = even_port.value().has_value();
  port_request.reserve_next = reserve_next;
  port_request.dont_fragment = want_dont_fragment;
  port_request.tcp = tcp;
  port_request.five_tuple = ctx.five_tuple;
  auto opened = ctx.ports.open(port_request);
  if (!opened) {
    if (reserve_next && opened.error() == RelayPortError::no_port) {
      return refuse(request, ctx, ErrorCode::insufficient_capacity, Refusal::even_port_reservation);
    }
    return refuse_port(request, ctx, opened.error());
  }
  const Endpoint relayed = opened.value().relayed;

  SuccessExtras extras;
  extras.ticket = ticket;
  SecondRelay second;
  if (has_additional_family) {
    second = open_ipv6_relay(ctx, port_request);
    if (second.relayed) extras.advertised_ipv6 = advertised_address(*second.relayed, ctx.settings);
    extras.ipv6_refused = second.refused;
  }
  if (reserve_next) {
    extras.token = ctx.reservations.keep(
        Reservation{opened.value().next, std::move(opened.value().next_port), std::move(reservation_lease).value()},
        ctx.now);
  }
  const Endpoint advertised = advertised_address(relayed, ctx.settings);
  HandleResult result = success(request, ctx, advertised, static_cast<std::uint32_t>(granted.count()), extras);
  if (result.response.empty()) {  // could not build the answer: undo, create nothing
    if (extras.token) ctx.reservations.take(*extras.token, ctx.now);  // and the reserved port closes with it
    if (second.relayed) ctx.ports.close(*second.relayed);
    ctx.ports.close(relayed);
    result.error = ErrorCode::server_error;
    return result;
  }
  create(result, request, ctx, relayed, advertised, granted, std::move(lease).value(), extras, second.relayed);
  return result;
}

}  // namespace iceway::turn
