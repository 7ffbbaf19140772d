#include "signal/protocols/named_relay.hpp"

#include <algorithm>
#include <array>
#include <cstddef>

#include "signal/peer_id.hpp"
#include "signal/relay_frame.hpp"

namespace iceway::signaling {
namespace {

constexpr std::array<std::string_view, 4> kTargetKeys{"to", "toUser", "target", "name"};

std::string in_quotes(std::string_view text) { return "\"" + std::string(text) + "\""; }

// The frame's members with `from` and `fromUser` set to the sender, as the parse path's dump
// writes them: keys in std::map order (FrameMember names are their own raw bytes, so they
// compare as the decoded keys do), values as received.
std::string stamped_text(const FrameMembers& frame, std::string_view sender) {
  std::array<JsonMember, kMaxScannedMembers + 2> members;
  std::size_t count = 0;
  for (std::size_t i = 0; i < frame.count; ++i) {
    const FrameMember& member = frame.members[i];
    if (member.name == "from" || member.name == "fromUser") continue;
    members[count++] = JsonMember{member.name, member.value};
  }
  members[count++] = JsonMember{"from", sender, true};
  members[count++] = JsonMember{"fromUser", sender, true};
  std::sort(members.begin(), members.begin() + static_cast<std::ptrdiff_t>(count),
            [](const JsonMember& a, const JsonMember& b) { return a.name < b.name; });
  return object_text(std::span<const JsonMember>(members.data(), count));
}

}  // namespace

std::string NamedRelayProtocol::error_frame(ErrorCode code, std::string_view message) {
  return to_text(Json{{"type", "error"}, {"code", to_string(code)}, {"message", message}});
}

std::string NamedRelayProtocol::peer_unavailable_frame(std::string_view target) {
  return to_text(Json{{"type", "error"},
                      {"code", to_string(ErrorCode::peer_unavailable)},
                      {"message", "user " + in_quotes(target) + " is not online"},
                      {"target", target}});
}

void NamedRelayProtocol::open(ConnectionId id, const Query& query, UnixSeconds /*unix_now*/, Context& ctx) {
  const std::string_view name = query.value("name");
  ErrorCode refusal = ErrorCode::bad_request;
  std::string reason;
  if (name.empty()) {
    reason = "connect with ?name=<your name>";
  } else if (!valid_peer_id(name)) {
    reason = "name must be 1-128 characters of A-Z a-z 0-9 _ . - @ : +";
  } else if ((cluster_ != nullptr && cluster_->held_elsewhere(Protocol::relay, name)) ||
             !ctx.registry.claim_id(id, name)) {
    refusal = ErrorCode::id_taken;
    reason = "name " + in_quotes(name) + " is already in use";
  } else {
    if (cluster_ != nullptr) cluster_->claimed(Protocol::relay, name);
    return;  // no greeting: tutorial clients do not expect one
  }
  ctx.counters.count_error(refusal);
  ctx.out.send(id, error_frame(refusal, reason));
  ctx.disconnect(id, close_code_for(refusal), std::string(to_string(refusal)));
}

Result<bool, JsonError> NamedRelayProtocol::message_unparsed(ConnectionId id, std::string_view text, Context& ctx) {
  const auto members = scan_frame_members(text, ctx.settings.max_json_depth);
  if (!members) return false;
  std::string_view target;
  for (auto key : kTargetKeys) {
    const std::string_view raw = members->value(key);
    if (raw.empty() || raw.front() != '"') continue;  // absent or not a string: the next key decides
    const auto plain = members->plain_string(key);
    if (!plain) return false;  // escaped: the parse decodes it
    target = *plain;
    if (!target.empty()) break;
  }
  if (target.empty()) return false;
  auto holder = ctx.registry.holder(Protocol::relay, target);
  if (!holder && !(cluster_ != nullptr && cluster_->held_elsewhere(Protocol::relay, target))) return false;
  ctx.counters.count_message(Protocol::relay, relay_type::message);
  relay(target, holder, stamped_text(*members, ctx.registry.find(id)->peer_id), ctx);
  return true;
}

void NamedRelayProtocol::message(ConnectionId id, Json& message, Context& ctx) {
  std::string_view target;
  for (auto key : kTargetKeys) {
    target = string_field(message, key);
    if (!target.empty()) break;
  }
  if (target.empty()) {
    if (string_field(message, "type") == "ping") {
      ctx.counters.count_message(Protocol::relay, relay_type::ping);
      ctx.out.send(id, std::string(R"({"type":"pong"})"));
      return;
    }
    ctx.counters.count_message(Protocol::relay, relay_type::invalid);
    ctx.counters.count_error(ErrorCode::bad_request);
    ctx.out.send(id, error_frame(ErrorCode::bad_request, "message needs a target: to, toUser, target or name"));
    return;
  }
  ctx.counters.count_message(Protocol::relay, relay_type::message);
  // Local first: a name on this node is reached without asking the cluster.
  auto holder = ctx.registry.holder(Protocol::relay, target);
  const bool elsewhere = !holder && cluster_ != nullptr && cluster_->held_elsewhere(Protocol::relay, target);
  if (!holder && !elsewhere) {
    ctx.counters.count_error(ErrorCode::peer_unavailable);
    ctx.out.send(id, peer_unavailable_frame(target));
    return;
  }
  const Registry::Connection* self = ctx.registry.find(id);
  // The server says who sent it; a client cannot pose as someone else.
  message["from"] = self->peer_id;
  message["fromUser"] = self->peer_id;
  relay(target, holder, to_text(message), ctx);
}

void NamedRelayProtocol::relay(std::string_view target, std::optional<ConnectionId> holder, std::string frame,
                               Context& ctx) {
  if (holder) ctx.out.send(*holder, std::move(frame));
  else cluster_->send_to_peer(Protocol::relay, target, frame);
}

void NamedRelayProtocol::departed(ConnectionId /*id*/, const Registry::Departure& departure, Context& /*ctx*/) {
  if (cluster_ != nullptr && !departure.peer_id.empty()) cluster_->released(Protocol::relay, departure.peer_id);
}

void NamedRelayProtocol::remote(const cluster::RemoteEvent& event, Context& ctx) {
  using Kind = cluster::RemoteEvent::Kind;
  if (event.kind == Kind::deliver_to_peer) {
    // Gone since the sender's node last heard of it: dropped, as a local message to a name
    // that just left would be.
    if (auto holder = ctx.registry.holder(Protocol::relay, event.id)) ctx.out.send(*holder, event.frame);
  } else if (event.kind == Kind::id_conflict) {
    // Another node let the same name in at the same moment and keeps it (cluster_core.hpp).
    if (auto holder = ctx.registry.holder(Protocol::relay, event.id)) {
      ctx.counters.count_error(ErrorCode::id_taken);
      ctx.out.send(*holder, error_frame(ErrorCode::id_taken, "name " + in_quotes(event.id) + " is in use on another node"));
      ctx.disconnect(*holder, close_code_for(ErrorCode::id_taken), std::string(to_string(ErrorCode::id_taken)));
    }
  }
}

void NamedRelayProtocol::reject(ConnectionId id, ErrorCode code, std::string_view message, const Json* /*ref*/,
                                Context& ctx) {
  ctx.out.send(id, error_frame(code, message));
}

}  // namespace iceway::signaling
