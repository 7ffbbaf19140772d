#include "signal/dispatcher.hpp"

#include <string>

#include "signal/json_text.hpp"
#include "signal/limits.hpp"
#include "signal/protocols/named_relay.hpp"
#include "signal/protocols/native.hpp"
#include "signal/protocols/peerjs.hpp"
#include "signal/protocols/yjs.hpp"
#include "signal/profiles/json_profile_protocol.hpp"
#include "signal/query.hpp"

namespace iceway::signaling {
namespace {

// Answers a frame that is not a JSON object within the depth limit.
void reject_json(ConnectionId id, JsonError error, ProtocolHandler& handler, Protocol protocol, Context& ctx) {
  ctx.counters.count_message(protocol, handler.invalid_type());
  switch (error) {
    case JsonError::too_deep:
      ctx.counters.count_error(ErrorCode::too_large);
      handler.reject(id, ErrorCode::too_large,
                     "message nested deeper than " + std::to_string(ctx.settings.max_json_depth), nullptr, ctx);
      break;
    case JsonError::malformed:
      ctx.counters.count_error(ErrorCode::bad_request);
      handler.reject(id, ErrorCode::bad_request, "message is not valid JSON", nullptr, ctx);
      break;
    case JsonError::not_an_object:
      ctx.counters.count_error(ErrorCode::bad_request);
      handler.reject(id, ErrorCode::bad_request, "message must be a JSON object", nullptr, ctx);
      break;
  }
}

}  // namespace

Dispatcher::Dispatcher(const Settings& settings, IceServersProvider& ice_servers, RandomSource& random,
                       Counters& counters)
    : settings_(settings),
      counters_(counters),
      registry_(limits_from(settings), counters),
      native_(std::make_unique<NativeProtocol>(ice_servers, random)),
      peerjs_(std::make_unique<PeerJsProtocol>(random)),
      relay_(std::make_unique<NamedRelayProtocol>()),
      yjs_(std::make_unique<YjsProtocol>()),
      profiles_(std::make_unique<JsonProfileProtocol>(settings.json_profiles)) {
  handlers_[index(Protocol::native)] = native_.get();
  handlers_[index(Protocol::peerjs)] = peerjs_.get();
  handlers_[index(Protocol::relay)] = relay_.get();
  handlers_[index(Protocol::yjs)] = yjs_.get();
  handlers_[index(Protocol::profile)] = profiles_.get();
}

Dispatcher::~Dispatcher() = default;

RegistryLimits Dispatcher::limits_from(const Settings& settings) {
  return {settings.max_connections_per_ip, settings.max_rooms_per_connection, settings.max_peers_per_room,
          settings.ipv6_prefix};
}

void Dispatcher::update_settings(const Settings& settings) {
  settings_ = settings;
  registry_.set_limits(limits_from(settings));
  profiles_->update(settings.json_profiles);
}

void Dispatcher::attach_cluster(cluster::ClusterPort& cluster) {
  for (ProtocolHandler* handler : handlers_)
    if (handler != nullptr) handler->set_cluster(&cluster);
}

void Dispatcher::remote(std::span<const cluster::RemoteEvent> events, TimePoint now, Outbox& out) {
  Context ctx(registry_, settings_, counters_, out, now, handlers_);
  for (const auto& event : events) {
    if (ProtocolHandler* handler = handlers_[index(event.protocol)]) handler->remote(event, ctx);
  }
}

Outbox Dispatcher::open(ConnectionId id, Protocol protocol, std::string_view target, const IpAddress& remote,
                        TimePoint now, UnixSeconds unix_now) {
  Outbox out;
  Context ctx(registry_, settings_, counters_, out, now, handlers_);
  ProtocolHandler& handler = *handlers_[index(protocol)];
  auto added = registry_.add(id, protocol, remote, now, settings_.message_burst);
  if (!added) {
    if (added.error() == Registry::AddError::too_many_from_address) {
      counters_.count_error(ErrorCode::too_many_connections);
      handler.reject(id, ErrorCode::too_many_connections, "too many connections from your address", nullptr, ctx);
      out.close(id, close_code::try_again_later, "too many connections from this address");
    } else {
      // The I/O layer reused an id: a bug there. Refuse the newcomer rather than corrupt the table.
      out.close(id, close_code::policy_violation, "duplicate connection id");
    }
    return out;
  }
  handler.open(id, Query::parse(target), unix_now, ctx);
  return out;
}

Outbox Dispatcher::message(ConnectionId id, std::string_view text, TimePoint now) {
  Outbox out;
  message(id, text, now, out);
  return out;
}

void Dispatcher::message(ConnectionId id, std::string_view text, TimePoint now, Outbox& out) {
  Registry::Connection* connection = registry_.find(id);
  if (connection == nullptr) return;  // closed by the core; frames still in flight
  Context ctx(registry_, settings_, counters_, out, now, handlers_);
  const Protocol protocol = connection->protocol;
  ProtocolHandler& handler = *handlers_[index(protocol)];
  handler.touched(id, ctx);

  // Cheapest check first: a flood costs one bucket update per frame, nothing more.
  if (!connection->rate.try_take(now, settings_.messages_per_second, settings_.message_burst)) {
    counters_.count_error(ErrorCode::rate_limited);
    handler.reject(id, ErrorCode::rate_limited,
                   "more than " + std::to_string(static_cast<long long>(settings_.messages_per_second)) +
                       " messages per second; message dropped",
                   nullptr, ctx);
    return;
  }
  if (frame_too_large(text, settings_.max_frame_bytes)) {
    counters_.count_error(ErrorCode::too_large);
    counters_.count_message(protocol, handler.invalid_type());
    handler.reject(id, ErrorCode::too_large,
                   "message larger than " + std::to_string(settings_.max_frame_bytes) + " bytes", nullptr, ctx);
    return;
  }
  auto taken = handler.message_unparsed(id, text, ctx);
  if (!taken) {
    reject_json(id, taken.error(), handler, protocol, ctx);
    return;
  }
  if (taken.value()) return;
  auto parsed = parse_json_object(text, settings_.max_json_depth);
  if (!parsed) {
    reject_json(id, parsed.error(), handler, protocol, ctx);
    return;
  }
  handler.message_text(id, text, parsed.value(), ctx);
}

Outbox Dispatcher::closed(ConnectionId id, TimePoint now) {
  Outbox out;
  auto departure = registry_.remove(id);
  if (!departure) return out;
  Context ctx(registry_, settings_, counters_, out, now, handlers_);
  handlers_[index(departure->protocol)]->departed(id, *departure, ctx);
  return out;
}

Outbox Dispatcher::expire(TimePoint now) {
  Outbox out;
  Context ctx(registry_, settings_, counters_, out, now, handlers_);
  for (ProtocolHandler* handler : handlers_) {
    if (handler != nullptr) handler->expire(ctx);  // Protocol::socketio has its own tables (socketio_mount.hpp)
  }
  return out;
}

Outbox Dispatcher::close_all(std::uint16_t code, std::string_view reason, TimePoint now) {
  std::vector<ConnectionId> ids;
  ids.reserve(registry_.connection_count());
  registry_.for_each([&](const Registry::Connection& connection) { ids.push_back(connection.id); });
  // First the EXPIREs for PeerJS messages still queued for absent peers: delivered before the
  // closes, so their senders learn the messages will not arrive rather than lose them silently.
  Outbox out;
  Context expiring(registry_, settings_, counters_, out, now, handlers_);
  for (ProtocolHandler* handler : handlers_) {
    if (handler != nullptr) handler->closing_all(expiring);
  }
  Outbox scratch;
  Context ctx(registry_, settings_, counters_, scratch, now, handlers_);
  for (ConnectionId id : ids) ctx.disconnect(id, code, std::string(reason));
  out.closes = std::move(scratch.closes);
  return out;
}

Outbox Dispatcher::disconnect_peer(std::string_view peer_id, TimePoint now) {
  Outbox out;
  Context ctx(registry_, settings_, counters_, out, now, handlers_);
  for (Protocol protocol : kAllProtocols) {
    if (auto holder = registry_.holder(protocol, peer_id))
      ctx.disconnect(*holder, close_code::policy_violation, "disconnected by the operator");
  }
  return out;
}

std::optional<HttpReply> Dispatcher::peerjs_http(std::string_view path) {
  return peerjs_->http_get(path, registry_, settings_);
}

}  // namespace iceway::signaling
