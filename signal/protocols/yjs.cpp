#include "signal/protocols/yjs.hpp"

#include <string>

#include "signal/peer_id.hpp"

namespace iceway::signaling {
namespace {

// How other nodes count this connection among a topic's subscribers.
std::string member_name(ConnectionId id) { return std::to_string(id); }

}  // namespace

std::string YjsProtocol::error_frame(ErrorCode code, std::string_view message) {
  return to_text(Json{{"type", "error"}, {"code", to_string(code)}, {"message", message}});
}

void YjsProtocol::fail(ConnectionId id, ErrorCode code, std::string_view message, Context& ctx) {
  ctx.counters.count_error(code);
  ctx.out.send(id, error_frame(code, message));
}

void YjsProtocol::message(ConnectionId id, Json& message, Context& ctx) {
  const std::string_view type = string_field(message, "type");
  if (type == "subscribe") {
    ctx.counters.count_message(Protocol::yjs, yjs_type::subscribe);
    auto topics = message.find("topics");
    if (topics == message.end() || !topics->is_array()) return;  // reference: `message.topics || []`
    for (const auto& topic : *topics) {
      // The reference skips non-string topics without a word; so do we.
      if (!topic.is_string()) continue;
      const auto& name = topic.get_ref<const std::string&>();
      if (!valid_room(name)) {
        fail(id, ErrorCode::bad_request, "a topic must be 1-256 bytes without control characters", ctx);
        continue;
      }
      auto joined = ctx.registry.join(id, name);
      if (joined) {
        if (cluster_ != nullptr && !joined.value().already_member) cluster_->joined(Protocol::yjs, name, member_name(id));
        continue;
      }
      if (joined.error() == Registry::JoinError::room_full) {
        fail(id, ErrorCode::room_full, "topic \"" + name + "\" is full", ctx);
        continue;
      }
      fail(id, ErrorCode::too_many_rooms, "this connection subscribed to too many topics", ctx);
      return;
    }
  } else if (type == "unsubscribe") {
    ctx.counters.count_message(Protocol::yjs, yjs_type::unsubscribe);
    auto topics = message.find("topics");
    if (topics == message.end() || !topics->is_array()) return;
    for (const auto& topic : *topics) {
      if (!topic.is_string()) continue;
      const auto& name = topic.get_ref<const std::string&>();
      if (ctx.registry.leave(id, name) && cluster_ != nullptr) cluster_->left(Protocol::yjs, name, member_name(id));
    }
  } else if (type == "publish") {
    ctx.counters.count_message(Protocol::yjs, yjs_type::publish);
    const std::string topic(string_field(message, "topic"));
    if (topic.empty()) return;  // reference: `if (message.topic)`
    const auto receivers = ctx.registry.members(Protocol::yjs, topic);
    const std::size_t elsewhere = cluster_ != nullptr ? cluster_->remote_members(Protocol::yjs, topic).size() : 0;
    if (receivers.empty() && elsewhere == 0) return;
    message["clients"] = receivers.size() + elsewhere;
    Frame frame = make_frame(to_text(message));
    for (ConnectionId receiver : receivers) ctx.out.send(receiver, frame);
    if (elsewhere != 0) cluster_->send_to_room(Protocol::yjs, topic, *frame);
  } else if (type == "ping") {
    ctx.counters.count_message(Protocol::yjs, yjs_type::ping);
    ctx.out.send(id, std::string(R"({"type":"pong"})"));
  } else {
    ctx.counters.count_message(Protocol::yjs, yjs_type::invalid);
    fail(id, ErrorCode::bad_request, "unknown message type", ctx);
  }
}

void YjsProtocol::departed(ConnectionId id, const Registry::Departure& departure, Context& /*ctx*/) {
  if (cluster_ == nullptr) return;
  for (const auto& topic : departure.rooms) cluster_->left(Protocol::yjs, topic.room, member_name(id));
}

void YjsProtocol::remote(const cluster::RemoteEvent& event, Context& ctx) {
  if (event.kind != cluster::RemoteEvent::Kind::deliver_to_room) return;  // subscribers are not announced
  const auto receivers = ctx.registry.members(Protocol::yjs, event.room);
  if (receivers.empty()) return;
  Frame frame = make_frame(event.frame);
  for (ConnectionId receiver : receivers) ctx.out.send(receiver, frame);
}

void YjsProtocol::reject(ConnectionId id, ErrorCode code, std::string_view message, const Json* /*ref*/,
                         Context& ctx) {
  ctx.out.send(id, error_frame(code, message));
}

}  // namespace iceway::signaling
