#include "signal/protocols/native.hpp"

#include <algorithm>

#include "signal/peer_id.hpp"
#include "signal/relay_frame.hpp"
#include "signal/token.hpp"

namespace iceway::signaling {
namespace {

// A message's ref is echoed as given (string or number, or anything the client chose).
const Json* find_ref(const Json& message) {
  auto it = message.find("ref");
  return it == message.end() ? nullptr : &*it;
}

void add_ref(Json& frame, const Json* ref) {
  if (ref != nullptr) frame["ref"] = *ref;
}

std::string in_quotes(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  out.push_back('"');
  out.append(text);
  out.push_back('"');
  return out;
}

// The relayed frames, keys in the order nlohmann's std::map object dumps them. `data` is raw
// JSON, as received or dumped.
std::string signal_text(std::string_view from, std::string_view data) {
  const JsonMember members[] = {{"data", data}, {"from", from, true}, {"type", "signal", true}};
  return object_text(members);
}

std::string broadcast_text(std::string_view room, std::string_view from, std::string_view data) {
  const JsonMember members[] = {{"data", data}, {"from", from, true}, {"room", room, true}, {"type", "broadcast", true}};
  return object_text(members);
}

}  // namespace

std::string NativeProtocol::error_frame(ErrorCode code, std::string_view message, const Json* ref) {
  Json frame{{"type", "error"}, {"code", to_string(code)}, {"message", message}};
  add_ref(frame, ref);
  return to_text(frame);
}

void NativeProtocol::fail(ConnectionId id, ErrorCode code, std::string_view message, const Json* ref,
                          Context& ctx) {
  ctx.counters.count_error(code);
  ctx.out.send(id, error_frame(code, message, ref));
}

// An identity problem at connect time: the error, then a close (SPEC §6.1, "Every rejection is error").
void NativeProtocol::refuse(ConnectionId id, ErrorCode code, std::string_view message, Context& ctx) {
  fail(id, code, message, nullptr, ctx);
  ctx.disconnect(id, close_code_for(code), std::string(to_string(code)));
}

std::string NativeProtocol::unused_random_id(const Registry& registry) {
  // 122 random bits: a collision is practically impossible, but the loop makes it certain.
  for (;;) {
    std::string candidate = random_uuid(random_);
    if (!registry.holder(Protocol::native, candidate) &&
        !(cluster_ != nullptr && cluster_->held_elsewhere(Protocol::native, candidate)))
      return candidate;
  }
}

void NativeProtocol::open(ConnectionId id, const Query& query, UnixSeconds unix_now, Context& ctx) {
  std::string peer_id;
  Peer peer;
  const std::string_view token = query.value("token");
  if (!token.empty()) {
    // With a token the id is the token's subject; ?id= is ignored.
    auto claims = verify_token(token, ctx.settings.token_secret, unix_now);
    if (!claims) return refuse(id, ErrorCode::unauthorized, describe(claims.error()), ctx);
    if (!valid_peer_id(claims.value().subject)) {
      return refuse(id, ErrorCode::unauthorized, "token subject is not a valid peer id", ctx);
    }
    peer_id = std::move(claims.value().subject);
    peer.allowed_rooms = std::move(claims.value().rooms);
  } else if (ctx.settings.require_token) {
    return refuse(id, ErrorCode::unauthorized, "a token is required: connect with ?token=", ctx);
  } else if (const std::string_view requested = query.value("id"); !requested.empty()) {
    if (!valid_peer_id(requested)) {
      return refuse(id, ErrorCode::bad_request, "id must be 1-128 characters of A-Z a-z 0-9 _ . - @ : +", ctx);
    }
    peer_id = std::string(requested);
  } else {
    peer_id = unused_random_id(ctx.registry);
  }

  const bool taken_elsewhere = cluster_ != nullptr && cluster_->held_elsewhere(Protocol::native, peer_id);
  if (taken_elsewhere || !ctx.registry.claim_id(id, peer_id)) {
    return refuse(id, ErrorCode::id_taken, "id " + in_quotes(peer_id) + " is taken", ctx);
  }
  peers_[id] = std::move(peer);
  if (cluster_ != nullptr) cluster_->claimed(Protocol::native, peer_id);

  // SPEC §2: TURN credentials go to an identity a token vouches for. Handed to anyone who opens
  // /ws, they would let a stranger name any id and spend that user's allocation quota for a
  // day; so anonymous clients get them only in development mode or by the operator's choice.
  const bool with_credentials =
      !token.empty() || ctx.settings.development_mode || ctx.settings.anonymous_credentials;
  Json welcome{{"type", "welcome"},
               {"id", peer_id},
               {"iceServers", with_credentials ? ice_servers_.ice_servers(peer_id, unix_now)
                                               : ice_servers_.public_ice_servers()},
               // Nothing expires in a welcome without credentials.
               {"ttl", with_credentials ? ice_servers_.ttl().count() : 0}};
  ctx.out.send(id, to_text(welcome));
}

Result<bool, JsonError> NativeProtocol::message_unparsed(ConnectionId id, std::string_view text, Context& ctx) {
  const auto members = scan_frame_members(text, ctx.settings.max_json_depth);
  if (!members) return false;
  const auto type = members->plain_string("type");
  const std::string_view data = members->value("data");
  if (!type || data.empty()) return false;
  if (*type == "signal") {
    const auto to = members->plain_string("to");
    if (!to || to->empty()) return false;
    auto target = ctx.registry.holder(Protocol::native, *to);
    if (!target && !(cluster_ != nullptr && cluster_->held_elsewhere(Protocol::native, *to))) return false;
    ctx.counters.count_message(Protocol::native, native_type::signal);
    relay_signal(id, *to, target, data, ctx);
    return true;
  }
  if (*type == "broadcast") {
    const auto room = members->plain_string("room");
    if (!room || room->empty() || !ctx.registry.is_member(id, *room)) return false;
    ctx.counters.count_message(Protocol::native, native_type::broadcast);
    relay_broadcast(id, *room, data, ctx);
    return true;
  }
  return false;
}

void NativeProtocol::message(ConnectionId id, Json& message, Context& ctx) {
  const Json* ref = find_ref(message);
  const std::string_view type = string_field(message, "type");
  if (type == "join") {
    ctx.counters.count_message(Protocol::native, native_type::join);
    on_join(id, message, ref, ctx);
  } else if (type == "leave") {
    ctx.counters.count_message(Protocol::native, native_type::leave);
    on_leave(id, message, ref, ctx);
  } else if (type == "signal") {
    ctx.counters.count_message(Protocol::native, native_type::signal);
    on_signal(id, message, ref, ctx);
  } else if (type == "broadcast") {
    ctx.counters.count_message(Protocol::native, native_type::broadcast);
    on_broadcast(id, message, ref, ctx);
  } else if (type == "ping") {
    ctx.counters.count_message(Protocol::native, native_type::ping);
    Json pong{{"type", "pong"}};
    add_ref(pong, ref);
    ctx.out.send(id, to_text(pong));
  } else {
    ctx.counters.count_message(Protocol::native, native_type::invalid);
    fail(id, ErrorCode::bad_request,
         type.empty() ? "message needs a string \"type\"" : "unknown message type " + in_quotes(type), ref, ctx);
  }
}

void NativeProtocol::on_join(ConnectionId id, const Json& message, const Json* ref, Context& ctx) {
  const std::string_view room = string_field(message, "room");
  if (!valid_room(room)) return fail(id, ErrorCode::bad_request, "join needs a \"room\" of 1-256 bytes without control characters", ref, ctx);
  if (auto peer = peers_.find(id); peer != peers_.end() && peer->second.allowed_rooms) {
    const auto& allowed = *peer->second.allowed_rooms;
    if (std::find(allowed.begin(), allowed.end(), room) == allowed.end()) {
      return fail(id, ErrorCode::unauthorized, "the token does not allow room " + in_quotes(room), ref, ctx);
    }
  }
  auto joined = ctx.registry.join(id, room);
  if (!joined) {
    switch (joined.error()) {
      case Registry::JoinError::room_full:
        return fail(id, ErrorCode::room_full, "room " + in_quotes(room) + " is full", ref, ctx);
      case Registry::JoinError::too_many_rooms:
      case Registry::JoinError::unknown_connection:
        return fail(id, ErrorCode::too_many_rooms, "this connection is in too many rooms", ref, ctx);
    }
  }
  const Registry::Connection* self = ctx.registry.find(id);
  Json peers = Json::array();
  for (ConnectionId other : joined.value().others) {
    if (const auto* connection = ctx.registry.find(other)) peers.push_back(connection->peer_id);
  }
  if (cluster_ != nullptr) {
    for (auto& remote : cluster_->remote_members(Protocol::native, room)) peers.push_back(std::move(remote));
    if (!joined.value().already_member) cluster_->joined(Protocol::native, room, self->peer_id);
  }
  Json answer{{"type", "joined"}, {"room", room}, {"peers", std::move(peers)}};
  add_ref(answer, ref);
  ctx.out.send(id, to_text(answer));
  // Joining a room twice is answered again but announced once.
  if (joined.value().already_member || joined.value().others.empty()) return;
  Frame announcement = make_frame(to_text(Json{{"type", "peer-joined"}, {"room", room}, {"id", self->peer_id}}));
  for (ConnectionId other : joined.value().others) ctx.out.send(other, announcement);
}

void NativeProtocol::on_leave(ConnectionId id, const Json& message, const Json* ref, Context& ctx) {
  const std::string_view room = string_field(message, "room");
  if (room.empty()) return fail(id, ErrorCode::bad_request, "leave needs a \"room\"", ref, ctx);
  auto remaining = ctx.registry.leave(id, room);
  if (!remaining) return fail(id, ErrorCode::not_in_room, "not in room " + in_quotes(room), ref, ctx);
  Json answer{{"type", "left"}, {"room", room}};
  add_ref(answer, ref);
  ctx.out.send(id, to_text(answer));
  const Registry::Connection* self = ctx.registry.find(id);
  if (cluster_ != nullptr) cluster_->left(Protocol::native, room, self->peer_id);
  if (remaining->empty()) return;
  Frame announcement = make_frame(to_text(Json{{"type", "peer-left"}, {"room", room}, {"id", self->peer_id}}));
  for (ConnectionId other : *remaining) ctx.out.send(other, announcement);
}

void NativeProtocol::on_signal(ConnectionId id, Json& message, const Json* ref, Context& ctx) {
  const std::string_view to = string_field(message, "to");
  if (to.empty()) return fail(id, ErrorCode::bad_request, "signal needs a string \"to\"", ref, ctx);
  auto data = message.find("data");
  if (data == message.end()) return fail(id, ErrorCode::bad_request, "signal needs \"data\"", ref, ctx);
  // Local first: a peer on this node is reached without asking the cluster.
  auto target = ctx.registry.holder(Protocol::native, to);
  if (!target && !(cluster_ != nullptr && cluster_->held_elsewhere(Protocol::native, to)))
    return fail(id, ErrorCode::peer_unavailable, "peer " + in_quotes(to) + " is not connected", ref, ctx);
  relay_signal(id, to, target, to_text(*data), ctx);
}

void NativeProtocol::relay_signal(ConnectionId id, std::string_view to, std::optional<ConnectionId> target,
                                  std::string_view data, Context& ctx) {
  const Registry::Connection* self = ctx.registry.find(id);
  // `data` is opaque: relayed, never inspected.
  std::string frame = signal_text(self->peer_id, data);
  if (target) ctx.out.send(*target, std::move(frame));
  else cluster_->send_to_peer(Protocol::native, to, frame);
}

void NativeProtocol::on_broadcast(ConnectionId id, Json& message, const Json* ref, Context& ctx) {
  const std::string_view room = string_field(message, "room");
  if (room.empty()) return fail(id, ErrorCode::bad_request, "broadcast needs a \"room\"", ref, ctx);
  auto data = message.find("data");
  if (data == message.end()) return fail(id, ErrorCode::bad_request, "broadcast needs \"data\"", ref, ctx);
  if (!ctx.registry.is_member(id, room)) {
    return fail(id, ErrorCode::not_in_room, "not in room " + in_quotes(room), ref, ctx);
  }
  relay_broadcast(id, room, to_text(*data), ctx);
}

void NativeProtocol::relay_broadcast(ConnectionId id, std::string_view room, std::string_view data, Context& ctx) {
  const Registry::Connection* self = ctx.registry.find(id);
  Frame frame = make_frame(broadcast_text(room, self->peer_id, data));
  for (ConnectionId member : ctx.registry.members(Protocol::native, room)) {
    if (member != id) ctx.out.send(member, frame);
  }
  if (cluster_ != nullptr) cluster_->send_to_room(Protocol::native, room, *frame);
}

void NativeProtocol::reject(ConnectionId id, ErrorCode code, std::string_view message, const Json* ref,
                            Context& ctx) {
  ctx.out.send(id, error_frame(code, message, ref));
}

void NativeProtocol::departed(ConnectionId id, const Registry::Departure& departure, Context& ctx) {
  peers_.erase(id);
  if (departure.peer_id.empty()) return;
  if (cluster_ != nullptr) {
    for (const auto& room : departure.rooms) cluster_->left(Protocol::native, room.room, departure.peer_id);
    cluster_->released(Protocol::native, departure.peer_id);
  }
  for (const auto& room : departure.rooms) {
    if (room.remaining.empty()) continue;
    Frame announcement =
        make_frame(to_text(Json{{"type", "peer-left"}, {"room", room.room}, {"id", departure.peer_id}}));
    for (ConnectionId other : room.remaining) ctx.out.send(other, announcement);
  }
}

void NativeProtocol::remote(const cluster::RemoteEvent& event, Context& ctx) {
  using Kind = cluster::RemoteEvent::Kind;
  switch (event.kind) {
    case Kind::deliver_to_peer:
      // Gone since the sender's node last heard of it: dropped, as a local frame to a peer that
      // just left would be.
      if (auto target = ctx.registry.holder(Protocol::native, event.id)) ctx.out.send(*target, event.frame);
      return;
    case Kind::deliver_to_room: {
      auto members = ctx.registry.members(Protocol::native, event.room);
      if (members.empty()) return;
      Frame frame = make_frame(event.frame);
      for (ConnectionId member : members) ctx.out.send(member, frame);
      return;
    }
    case Kind::peer_joined:
    case Kind::peer_left: {
      auto members = ctx.registry.members(Protocol::native, event.room);
      if (members.empty()) return;
      Frame announcement = make_frame(to_text(Json{{"type", event.kind == Kind::peer_joined ? "peer-joined" : "peer-left"},
                                                   {"room", event.room},
                                                   {"id", event.id}}));
      for (ConnectionId member : members) ctx.out.send(member, announcement);
      return;
    }
    case Kind::peer_claimed:
    case Kind::peer_released:
      return;  // nothing waits for a native id; rooms announce departures (peer_left)
    case Kind::id_conflict:
      // Another node let the same id in at the same moment and keeps it (cluster_core.hpp).
      if (auto holder = ctx.registry.holder(Protocol::native, event.id)) {
        refuse(*holder, ErrorCode::id_taken, "id " + in_quotes(event.id) + " is taken on another node", ctx);
      }
      return;
  }
}

}  // namespace iceway::signaling
