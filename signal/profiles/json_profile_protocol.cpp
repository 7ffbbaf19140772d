#include "signal/profiles/json_profile_protocol.hpp"

#include <nlohmann/json.hpp>

#include "signal/protocols/named_relay.hpp"

namespace iceway::signaling {
namespace {

// Key order as the client wrote it: tutorial pages are read by people, and some apps compare
// messages as text.
using OrderedJson = nlohmann::ordered_json;

std::string_view first_string(const Json& object, const std::vector<std::string>& keys) {
  for (const auto& key : keys) {
    const std::string_view value = string_field(object, key);
    if (!value.empty()) return value;
  }
  return {};
}

std::string in_quotes(std::string_view text) { return "\"" + std::string(text) + "\""; }

}  // namespace

bool JsonProfileProtocol::valid_name(std::string_view name) {
  if (name.empty() || name.size() > 128) return false;
  for (unsigned char c : name) {
    if (c < 0x20 || c == 0x7f) return false;
  }
  return true;
}

const JsonProfile* JsonProfileProtocol::profile_of(ConnectionId id) const {
  auto path = path_of_.find(id);
  if (path == path_of_.end()) return nullptr;
  for (const auto& profile : profiles_) {
    if (profile.path == path->second) return &profile;
  }
  return nullptr;
}

void JsonProfileProtocol::refuse(ConnectionId id, ErrorCode code, const std::string& text, Context& ctx) {
  ctx.counters.count_error(code);
  ctx.out.send(id, NamedRelayProtocol::error_frame(code, text));
  ctx.disconnect(id, close_code_for(code), std::string(to_string(code)));
}

bool JsonProfileProtocol::claim(ConnectionId id, std::string_view name, Context& ctx) {
  if (!valid_name(name)) {
    refuse(id, ErrorCode::bad_request, "a name is 1 to 128 characters without control characters", ctx);
    return false;
  }
  if ((cluster_ != nullptr && cluster_->held_elsewhere(Protocol::profile, name)) || !ctx.registry.claim_id(id, name)) {
    refuse(id, ErrorCode::id_taken, "name " + in_quotes(name) + " is already in use", ctx);
    return false;
  }
  if (cluster_ != nullptr) cluster_->claimed(Protocol::profile, name);
  return true;
}

void JsonProfileProtocol::open(ConnectionId id, const Query& query, UnixSeconds /*unix_now*/, Context& ctx) {
  path_of_[id] = query.path();
  const JsonProfile* profile = profile_of(id);
  if (profile == nullptr) {  // the route outlived its profile (a reload removed it)
    refuse(id, ErrorCode::bad_request, "no app profile is served on " + query.path(), ctx);
    return;
  }
  for (const auto& parameter : profile->name_query) {
    const std::string_view name = query.value(parameter);
    if (!name.empty()) {
      claim(id, name, ctx);
      return;
    }
  }
  // No name yet: it may come with the first message (name_fields), or never (rooms only).
}

void JsonProfileProtocol::message(ConnectionId id, Json& message, Context& ctx) {
  // Only reached without the text (a caller other than the Dispatcher): forward what was parsed.
  message_text(id, to_text(message), message, ctx);
}

void JsonProfileProtocol::message_text(ConnectionId id, std::string_view text, Json& parsed, Context& ctx) {
  const JsonProfile* profile = profile_of(id);
  const Registry::Connection* self = ctx.registry.find(id);
  if (profile == nullptr || self == nullptr) return;
  if (self->peer_id.empty()) {
    // A refused claim closes the connection; an accepted one sets self->peer_id (find()'s
    // pointer stays valid while the connection is in the registry).
    const std::string_view name = first_string(parsed, profile->name_fields);
    if (!name.empty() && !claim(id, name, ctx)) return;
  }
  const std::string_view receiver = first_string(parsed, profile->receiver_fields);
  if (receiver.empty()) {
    ctx.counters.count_message(Protocol::profile, profile_type::invalid);
    ctx.counters.count_error(ErrorCode::bad_request);
    std::string fields;
    for (const auto& field : profile->receiver_fields) fields += (fields.empty() ? "" : ", ") + field;
    ctx.out.send(id, NamedRelayProtocol::error_frame(ErrorCode::bad_request, "message needs a receiver in " + fields));
    return;
  }
  ctx.counters.count_message(Protocol::profile, profile_type::message);
  // Local first: a name on this node is reached without asking the cluster.
  const auto holder = ctx.registry.holder(Protocol::profile, receiver);
  const bool elsewhere = !holder && cluster_ != nullptr && cluster_->held_elsewhere(Protocol::profile, receiver);
  const auto deliver = [&](std::string frame) {
    if (holder) ctx.out.send(*holder, std::move(frame));
    else cluster_->send_to_peer(Protocol::profile, receiver, frame);
  };
  if (!holder && !elsewhere) {
    ctx.counters.count_error(ErrorCode::peer_unavailable);
    if (profile->offline.empty()) {
      ctx.out.send(id, NamedRelayProtocol::peer_unavailable_frame(receiver));
      return;
    }
    // Parsed when the configuration was checked: a JSON object.
    OrderedJson answer = OrderedJson::parse(profile->offline, nullptr, false);
    if (!profile->offline_name_field.empty()) answer[profile->offline_name_field] = receiver;
    ctx.out.send(id, answer.dump(-1, ' ', false, OrderedJson::error_handler_t::replace));
    return;
  }
  if (profile->sender_field.empty() || self->peer_id.empty()) {
    deliver(std::string(text));
    return;
  }
  // The server says who sent it; a client cannot pose as someone else.
  OrderedJson forwarded = OrderedJson::parse(text, nullptr, false);
  if (!forwarded.is_object()) return;  // parsed as an object by the Dispatcher already
  forwarded[profile->sender_field] = self->peer_id;
  deliver(forwarded.dump(-1, ' ', false, OrderedJson::error_handler_t::replace));
}

void JsonProfileProtocol::reject(ConnectionId id, ErrorCode code, std::string_view message, const Json* /*ref*/,
                                 Context& ctx) {
  ctx.out.send(id, NamedRelayProtocol::error_frame(code, message));
}

void JsonProfileProtocol::departed(ConnectionId id, const Registry::Departure& departure, Context& /*ctx*/) {
  path_of_.erase(id);
  if (cluster_ != nullptr && !departure.peer_id.empty()) cluster_->released(Protocol::profile, departure.peer_id);
}

void JsonProfileProtocol::remote(const cluster::RemoteEvent& event, Context& ctx) {
  using Kind = cluster::RemoteEvent::Kind;
  if (event.kind == Kind::deliver_to_peer) {
    // Gone since the sender's node last heard of it: dropped, as a local message to a name
    // that just left would be.
    if (auto holder = ctx.registry.holder(Protocol::profile, event.id)) ctx.out.send(*holder, event.frame);
  } else if (event.kind == Kind::id_conflict) {
    // Another node let the same name in at the same moment and keeps it (cluster_core.hpp).
    if (auto holder = ctx.registry.holder(Protocol::profile, event.id))
      refuse(*holder, ErrorCode::id_taken, "name " + in_quotes(event.id) + " is in use on another node", ctx);
  }
}

}  // namespace iceway::signaling
