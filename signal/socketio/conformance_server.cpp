#include "signal/socketio/conformance_server.hpp"

namespace iceway::signaling::socketio {

std::optional<std::string> ConformanceServer::admit(std::string_view nsp, std::string_view) const {
  if (nsp == "/" || nsp == "/custom") return std::nullopt;
  return std::string("Invalid namespace");  // the reference server's text, which the suite checks
}

void ConformanceServer::on_event(const SocketEvent& event, std::vector<AppAction>& out) {
  AppAction action;
  action.to.push_back(event.socket_id);
  action.nsp = event.nsp;
  if (event.kind == SocketEvent::Kind::connected) {
    action.event = "auth";
    action.arguments = std::string(event.arguments);
    out.push_back(std::move(action));
    return;
  }
  // Only the main namespace has handlers; an event nobody listens to is dropped, as there.
  if (event.kind != SocketEvent::Kind::event || event.nsp != "/") return;
  if (event.name == "message") {
    action.event = "message-back";
  } else if (event.name == "message-with-ack" && event.ack_id) {
    action.kind = AppAction::Kind::ack;
    action.ack_id = *event.ack_id;
  } else {
    return;
  }
  action.arguments = std::string(event.arguments);
  action.attachments = event.attachments;
  out.push_back(std::move(action));
}

}  // namespace iceway::signaling::socketio
