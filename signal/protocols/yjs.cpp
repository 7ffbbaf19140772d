#include "signal/protocols/yjs.hpp"

#include "signal/peer_id.hpp"

namespace iceway::signaling {

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
      if (joined) continue;
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
      if (topic.is_string()) ctx.registry.leave(id, topic.get_ref<const std::string&>());
    }
  } else if (type == "publish") {
    ctx.counters.count_message(Protocol::yjs, yjs_type::publish);
    const std::string topic(string_field(message, "topic"));
    if (topic.empty()) return;  // reference: `if (message.topic)`
    const auto receivers = ctx.registry.members(Protocol::yjs, topic);
    if (receivers.empty()) return;
    message["clients"] = receivers.size();
    Frame frame = make_frame(to_text(message));
    for (ConnectionId receiver : receivers) ctx.out.send(receiver, frame);
  } else if (type == "ping") {
    ctx.counters.count_message(Protocol::yjs, yjs_type::ping);
    ctx.out.send(id, std::string(R"({"type":"pong"})"));
  } else {
    ctx.counters.count_message(Protocol::yjs, yjs_type::invalid);
    fail(id, ErrorCode::bad_request, "unknown message type", ctx);
  }
}

void YjsProtocol::reject(ConnectionId id, ErrorCode code, std::string_view message, const Json* /*ref*/,
                         Context& ctx) {
  ctx.out.send(id, error_frame(code, message));
}

}  // namespace iceway::signaling
