#include "signal/http/router.hpp"

namespace iceway::signaling {
namespace {

bool prefix_matches(std::string_view prefix, std::string_view path) {
  if (!path.starts_with(prefix)) return false;
  if (path.size() == prefix.size()) return true;
  return prefix.ends_with('/') || path[prefix.size()] == '/';
}

}  // namespace

const RouteTable::Route* RouteTable::find_route(std::string_view path) const {
  const Route* best = nullptr;
  for (const auto& route : routes) {
    if (prefix_matches(route.prefix, path) && (best == nullptr || route.prefix.size() > best->prefix.size())) {
      best = &route;
    }
  }
  return best;
}

const RouteTable::WebSocketRoute* RouteTable::find_websocket_route(std::string_view path) const {
  for (const auto& route : websocket_routes) {
    if (route.path == path) return &route;
  }
  return nullptr;
}

// "/socket.io/" also answers "/socket.io", as the reference server does.
const RouteTable::SocketIoRoute* RouteTable::find_socketio_route(std::string_view path) const {
  for (const auto& route : socketio_routes) {
    if (route.path == path) return &route;
    if (route.path.ends_with('/') && route.path.size() == path.size() + 1 && route.path.starts_with(path)) {
      return &route;
    }
  }
  return nullptr;
}

RouteDecision route_request(const RouteTable& table, std::string_view path, bool upgrade, bool readable,
                            bool static_dir) {
  using Kind = RouteDecision::Kind;
  RouteDecision decision;
  if (const auto* socketio = table.find_socketio_route(path)) {
    decision.kind = Kind::socketio;
    decision.socketio = socketio;
    return decision;
  }
  const auto* websocket = table.find_websocket_route(path);
  if (upgrade) {
    decision.kind = websocket != nullptr ? Kind::websocket : Kind::no_websocket_here;
    decision.websocket = websocket;
    return decision;
  }
  if (websocket != nullptr) {
    decision.kind = Kind::websocket_only;
    return decision;
  }
  if (const auto resource = table.resources.find(std::string(path)); resource != table.resources.end()) {
    decision.kind = readable ? Kind::resource : Kind::method_not_allowed;
    decision.resource = &resource->second;
    return decision;
  }
  if (const auto* route = table.find_route(path)) {
    decision.kind = Kind::handler;
    decision.route = route;
    return decision;
  }
  decision.kind = readable && static_dir ? Kind::static_file : Kind::not_found;
  return decision;
}

}  // namespace iceway::signaling
