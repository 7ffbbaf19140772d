#include "turn/dispatch.hpp"

#include <array>

#include "stun/attributes/turn.hpp"
#include "stun/error_response.hpp"
#include "stun/message.hpp"
#include "stun/nat_behavior.hpp"
#include "turn/auth.hpp"
#include "turn/handlers/handlers.hpp"
#include "turn/handlers/response.hpp"
#include "turn/mobility.hpp"

namespace iceway::turn {

namespace {

constexpr std::array<stun::Method, 6> kRequestMethods = {
    stun::Method::allocate,     stun::Method::refresh, stun::Method::create_permission,
    stun::Method::channel_bind, stun::Method::connect, stun::Method::connection_bind};
constexpr std::array<stun::Method, 1> kIndicationMethods = {stun::Method::send};

struct Route {
  stun::Class message_class;
  stun::Method method;
  bool needs_allocation;
  Handler handler;
};

// THE table. Requests are always authenticated; indications never are (RFC 8656 §11.2).
constexpr Route kRoutes[] = {
    {stun::Class::request, stun::Method::allocate, false, handle_allocate},
    {stun::Class::request, stun::Method::refresh, true, handle_refresh},
    {stun::Class::request, stun::Method::create_permission, true, handle_create_permission},
    {stun::Class::request, stun::Method::channel_bind, true, handle_channel_bind},
    // RFC 6062: Connect on a TCP relay's control connection; ConnectionBind on a new
    // connection, which has no allocation (the handler finds the one its id belongs to).
    {stun::Class::request, stun::Method::connect, true, handle_connect},
    {stun::Class::request, stun::Method::connection_bind, false, handle_connection_bind},
    {stun::Class::indication, stun::Method::send, true, handle_send},
};

const Route* route_of(stun::MessageType type) {
  for (const auto& route : kRoutes)
    if (route.message_class == type.message_class && route.method == type.method) return &route;
  return nullptr;
}

CountedMethod counted(stun::Method method) {
  switch (method) {
    case stun::Method::binding: return CountedMethod::binding;
    case stun::Method::allocate: return CountedMethod::allocate;
    case stun::Method::refresh: return CountedMethod::refresh;
    case stun::Method::create_permission: return CountedMethod::create_permission;
    case stun::Method::channel_bind: return CountedMethod::channel_bind;
    case stun::Method::send: return CountedMethod::send;
    case stun::Method::connect: return CountedMethod::connect;
    case stun::Method::connection_bind: return CountedMethod::connection_bind;
    default: return CountedMethod::other;
  }
}

void count(const HandleResult& result, stun::MessageType type, Context& ctx) {
  TurnCounters& counters = ctx.counters;
  if (result.rate_limited) {  // nothing was checked or answered: only the drop is counted
    counters.count_request(ctx.five_tuple.transport, counted(type.method), RequestResult::rate_limited);
    return;
  }
  if (result.auth_failure) counters.count_auth_failure(*result.auth_failure);
  if (result.stale_nonce) counters.stale_nonces.add();
  if (result.peer_denied) counters.count_peer_denied(*result.peer_denied);
  if (type.message_class != stun::Class::request) return;
  const bool challenge = result.error == stun::ErrorCode::unauthenticated && !result.auth_failure;
  if (challenge) counters.challenges.add();
  if (result.response.empty()) return;  // nothing was answered
  counters.count_request(ctx.five_tuple.transport, counted(type.method),
                         result.error ? RequestResult::error : RequestResult::success);
  if (type.method == stun::Method::allocate && !result.from_cache && !challenge) {
    if (result.created) {
      counters.allocations_succeeded.add();
    } else if (result.error) {
      counters.count_allocation_failure(*result.error);
    }
  }
}

// These answers go to whoever the source address claims to be, so to a small request they
// carry only what the RFC requires (XOR-MAPPED-ADDRESS, or ERROR-CODE and UNKNOWN-ATTRIBUTES;
// and FINGERPRINT): SOFTWARE is diagnostic only (RFC 8489 §14.14) and MAPPED-ADDRESS serves
// RFC 3489 clients, whose requests (no magic cookie) we drop anyway. A request at least as
// large as the full answer gets it all: then the answer reflects no more than was sent.
// RFC 5780 answers to Binding when turn.alternate_address is set (stun/nat_behavior.hpp says
// what they carry and why they may be larger than the request).
std::optional<HandleResult> nat_behavior_answer(ByteSpan request, const stun::Classification& classification,
                                                Context& ctx) {
  if (!ctx.settings.nat_behavior || classification.verdict != stun::Verdict::binding) return std::nullopt;
  const stun::MessageView& message = *classification.message;
  const bool datagram = ctx.five_tuple.transport == Transport::udp;
  auto plan = stun::plan_nat_binding(message, request.size(), ctx.five_tuple.client, ctx.five_tuple.server, datagram,
                                     *ctx.settings.nat_behavior);
  HandleResult result;
  result.method = stun::Method::binding;
  if (!plan) {
    result.error = plan.error().code;
    stun::UnknownAttributes unknown;
    if (plan.error().code == stun::ErrorCode::unknown_attribute) unknown.add(stun::AttributeType::change_request);
    auto bytes = stun::build_error_response(stun::Method::binding, message.transaction_id(), plan.error().code, "",
                                            ctx.out, unknown.empty() ? nullptr : &unknown);
    if (bytes) result.response = bytes.value();
    return result;
  }
  if (!plan.value()) return std::nullopt;  // another listener: the plain answer
  const stun::NatPlan& nat = *plan.value();
  auto bytes = stun::build_nat_binding_success(message, ctx.five_tuple.client, nat, ctx.out);
  if (bytes) result.response = bytes.value();
  if (datagram && (nat.origin != ctx.five_tuple.server || nat.destination != ctx.five_tuple.client))
    result.reply_to = FiveTuple{nat.destination, nat.origin, Transport::udp};
  return result;
}

HandleResult automatic(ByteSpan request, const stun::Classification& classification, Context& ctx) {
  if (auto answer = nat_behavior_answer(request, classification, ctx)) return *answer;
  HandleResult result;
  result.method = classification.type.method;
  if (classification.verdict == stun::Verdict::unknown_attributes) result.error = stun::ErrorCode::unknown_attribute;
  const Endpoint& source = ctx.five_tuple.client;
  auto bytes = stun::build_automatic_response(classification, source, ctx.settings.software, ctx.out);
  if (!bytes || bytes.value().size() > request.size())
    bytes = stun::build_automatic_response(classification, source, "", ctx.out, stun::Extras::none);
  if (bytes) result.response = bytes.value();
  return result;
}

// Every answer without MESSAGE-INTEGRITY (Binding, 420, the auth step's 401, 438 and 400)
// could be going to a forged source, so its bytes are charged to that source's budget, one
// budget for the whole process; over it the request goes unanswered. Answers signed with a
// user's key went to a client that proved it holds the key, and are never limited.
void charge_unauthenticated(HandleResult& result, Context& ctx) {
  if (result.response.empty() || result.authenticated) return;
  if (ctx.unauthenticated.allow(ctx.five_tuple.client.address, result.response.size(), ctx.now)) return;
  HandleResult dropped;
  dropped.method = result.method;
  dropped.rate_limited = true;
  result = dropped;
}

// The CONNECTION-ID of a ConnectionBind; nothing for other methods or without a valid one.
std::optional<ConnectionId> connection_bind_id(const Route& route, const stun::MessageView& message) {
  if (route.method != stun::Method::connection_bind) return std::nullopt;
  const auto id = message.get<stun::ConnectionId>();
  if (!id || !id.value()) return std::nullopt;
  return id.value()->id;
}

// A ConnectionBind comes on a new connection with the nonce its client got on the control
// connection (RFC 6062 §5.4; coturn's uclient reads at most one data message's length of the
// answer, so it cannot take a challenge there). When its CONNECTION-ID names a connection of
// this worker, the nonce is checked against that allocation's 5-tuple: it proves the client
// was challenged there, and MESSAGE-INTEGRITY still proves the user.
const FiveTuple* nonce_client(const Route& route, const stun::MessageView& message, Context& ctx) {
  const auto id = connection_bind_id(route, message);
  if (!id) return nullptr;
  const TcpConnection* connection = ctx.tcp.find(*id);
  if (connection == nullptr) return nullptr;
  const Allocation* allocation = ctx.table.find_by_id(connection->allocation);
  return allocation != nullptr ? &allocation->five_tuple : nullptr;
}

// A ConnectionBind whose CONNECTION-ID names another worker's connection is that worker's to
// check (the nonce and the allocation are there): nothing is checked here. The I/O layer moves
// a plain TCP connection there with its request; a TLS session cannot change threads, so its
// request is handed over and the peer connection comes here instead. Not for a request handed
// over already: that one is decided here, whatever its id says.
std::optional<HandleResult> bind_elsewhere(const Route& route, const stun::MessageView& message, Context& ctx) {
  if (ctx.home_worker != ctx.tcp.worker()) return std::nullopt;
  const auto id = connection_bind_id(route, message);
  if (!id) return std::nullopt;
  const std::uint8_t owner = TcpConnections::worker_of(*id);
  if (owner == ctx.tcp.worker() || owner >= ctx.tcp.workers()) return std::nullopt;
  HandleResult result;
  result.method = stun::Method::connection_bind;
  result.tcp_bind_elsewhere = owner;
  return result;
}

// RFC 8016: the MOBILITY-TICKET of a Refresh when turn.mobility is on; nothing otherwise.
std::optional<stun::MobilityTicket> refresh_ticket(const Route& route, const stun::MessageView& message,
                                                   const Context& ctx) {
  if (route.method != stun::Method::refresh || !ctx.settings.mobility) return std::nullopt;
  const auto ticket = message.get<stun::MobilityTicket>();
  if (!ticket || !ticket.value() || ticket.value()->empty()) return std::nullopt;
  return *ticket.value();
}

// A Refresh from a 5-tuple without an allocation here, whose ticket names another worker: the
// allocation (and the nonce's and key's checks) are there. Not for a request another worker
// handed over already: that one is decided here, whatever its ticket says.
std::optional<HandleResult> mobility_elsewhere(const std::optional<stun::MobilityTicket>& ticket, Context& ctx) {
  if (ctx.home_worker != ctx.tcp.worker()) return std::nullopt;
  if (!ticket) return std::nullopt;
  const auto owner = mobility_ticket_worker(*ticket);
  if (!owner || *owner == ctx.tcp.worker() || *owner >= ctx.tcp.workers()) return std::nullopt;
  if (ctx.table.find(ctx.five_tuple) != nullptr) return std::nullopt;
  HandleResult result;
  result.method = stun::Method::refresh;
  result.mobility_elsewhere = *owner;
  return result;
}

// RFC 8016 §3.2: the allocation a Refresh from a 5-tuple without one takes over with its
// ticket; one made over another transport is not found (its framing and its end on close
// are the transport's).
Allocation* ticket_allocation(const std::optional<stun::MobilityTicket>& ticket, Context& ctx) {
  if (!ticket) return nullptr;
  Allocation* allocation = ctx.table.find_by_ticket(*ticket);
  if (allocation == nullptr || allocation->five_tuple.transport != ctx.five_tuple.transport) return nullptr;
  return allocation;
}

HandleResult routed(const Route& route, const stun::MessageView& message, Context& ctx, RetransmitCache& retransmits) {
  const bool is_request = route.message_class == stun::Class::request;
  // Step 3: a retransmission gets the same bytes and changes nothing.
  if (is_request) {
    if (auto cached = retransmits.find(ctx.five_tuple, message.transaction_id(), route.method, ctx.now)) {
      HandleResult result;
      result.method = route.method;
      result.authenticated = true;
      result.from_cache = true;
      // The cache lives as long as the worker; the caller's buffer is where answers go.
      std::copy(cached->begin(), cached->end(), ctx.out.begin());
      result.response = ByteSpan(ctx.out.data(), cached->size());
      return result;
    }
  }
  if (auto moved = bind_elsewhere(route, message, ctx)) return *moved;
  // Read once: where the allocation lives (next) and which one it is (step 5) both need it.
  const auto ticket = refresh_ticket(route, message, ctx);
  if (auto moved = mobility_elsewhere(ticket, ctx)) return *moved;
  // Step 4: authentication (requests only).
  std::optional<Authenticated> auth;
  if (is_request) {
    HandleResult refusal;
    auth = authenticate(message, ctx, refusal, nonce_client(route, message, ctx));
    if (!auth) return refusal;
  }
  // Step 5: the allocation and its owner (RFC 8656 §5).
  Allocation* allocation = nullptr;
  if (route.needs_allocation) {
    allocation = ctx.table.find(ctx.five_tuple);
    const bool by_ticket = allocation == nullptr && ticket;
    if (by_ticket) allocation = ticket_allocation(ticket, ctx);
    if (allocation == nullptr) {
      if (!is_request) {  // indications (Send: data): silence, counted as data not relayed
        ctx.counters.relay_dropped_no_allocation.add();
        HandleResult silence;
        silence.method = route.method;
        return silence;
      }
      HandleResult result = error_response(message, stun::ErrorCode::allocation_mismatch, auth->key, ctx);
      result.refusal = by_ticket ? Refusal::mobility_ticket_unknown : Refusal::no_allocation;
      result.username = auth->username;
      return result;
    }
    if (is_request && allocation->username != auth->username) {
      HandleResult result = error_response(message, stun::ErrorCode::wrong_credentials, auth->key, ctx);
      result.auth_failure = AuthFailure::wrong_credentials;
      result.refusal = Refusal::another_users_allocation;
      result.username = auth->username;
      return result;
    }
  }
  // Step 6.
  HandleResult result = route.handler(Request{message, auth ? &*auth : nullptr, allocation}, ctx);
  if (auth) result.username = auth->username;
  // Step 7: remember authenticated answers for retransmissions.
  if (is_request && result.authenticated && !result.response.empty()) {
    retransmits.store(ctx.five_tuple, message.transaction_id(), route.method, result.response, ctx.now);
  }
  return result;
}

}  // namespace

const stun::AttributeSet& turn_attributes() {
  // A function-local static: stun::kTurnAttributes is itself built at start-up in another
  // translation unit, so a namespace-scope copy could run before it.
  static const stun::AttributeSet attributes = [] {
    stun::AttributeSet set = stun::kTurnAttributes;
    // The three stun leaves out until a handler implements them (stun/attribute_type.hpp):
    // Allocate handles each (turn/handlers/allocate.cpp, RFC 8656 §7.2 steps 4, 5, 8).
    set.add(stun::AttributeType::dont_fragment);
    set.add(stun::AttributeType::even_port);
    set.add(stun::AttributeType::reservation_token);
    // RFC 6062: ConnectionBind's CONNECTION-ID (turn/handlers/connection_bind.cpp).
    set.add(stun::AttributeType::connection_id);
    return set;
  }();
  return attributes;
}

const stun::ServerCapabilities& turn_capabilities(bool nat_behavior) {
  static const stun::ServerCapabilities capabilities{&turn_attributes(), kRequestMethods, kIndicationMethods};
  // With turn.alternate_address, RFC 5780's request attributes are understood too.
  static const stun::AttributeSet nat_attributes = [] {
    stun::AttributeSet set = turn_attributes();
    set.add(stun::AttributeType::change_request);
    set.add(stun::AttributeType::response_port);
    set.add(stun::AttributeType::padding);
    return set;
  }();
  static const stun::ServerCapabilities nat_capabilities{&nat_attributes, kRequestMethods, kIndicationMethods};
  return nat_behavior ? nat_capabilities : capabilities;
}

HandleResult dispatch(ByteSpan bytes, Context& ctx, RetransmitCache& retransmits) {
  // Step 1: ChannelData.
  if (stun::looks_like_channel_data(bytes)) return relay_channel_data(bytes, ctx);
  // Step 2: classification, and the answers that need no handler.
  const stun::Classification classification = stun::classify_request(bytes, turn_capabilities(ctx.settings.nat_behavior.has_value()));
  HandleResult result;
  switch (classification.verdict) {
    case stun::Verdict::drop:
      return result;
    case stun::Verdict::unknown_attributes:
    case stun::Verdict::binding:
      result = automatic(bytes, classification, ctx);
      break;
    case stun::Verdict::request:
    case stun::Verdict::indication: {
      const Route* route = route_of(classification.type);
      if (route == nullptr) return result;  // classify_request only passes routed methods
      result = routed(*route, *classification.message, ctx, retransmits);
      break;
    }
  }
  charge_unauthenticated(result, ctx);
  count(result, classification.type, ctx);
  return result;
}

}  // namespace iceway::turn
