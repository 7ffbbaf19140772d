#pragma once
// Which front door serves a request: the route table HttpServer's add_*() calls build, and the
// pure decision from a request's path and kind to one of them. No Beast, no socket, so every
// rule below has a unit test (tests/signal/router_test.cpp).
//
//   a path of a Socket.IO mount ("/socket.io/", or without its trailing slash)  -> that mount
//   a WebSocket upgrade on a WebSocket route's exact path                       -> that route
//   a WebSocket upgrade anywhere else                                           -> 404
//   a plain request on a WebSocket route's path                                 -> 426
//   an exact resource (add_static), GET or HEAD; other methods 405              -> that body
//   the longest prefix route (add_route, add_async_route)                       -> its handler
//   GET or HEAD with a static directory configured                              -> a file from it
//   otherwise                                                                   -> 404
// Exact resources come before prefix routes, so a catch-all prefix (PeerJS served at "/") cannot
// hide the built-in pages.
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "signal/http/http_types.hpp"
#include "signal/protocol.hpp"

namespace iceway::signaling {

class Hub;
class SocketIoMount;

struct RouteTable {
  struct Route {
    std::string prefix;
    HttpHandler handler;
    AsyncHttpHandler async_handler;
  };
  struct WebSocketRoute {
    std::string path;
    Protocol protocol;
    std::shared_ptr<Hub> hub;
  };
  struct SocketIoRoute {
    std::string path;
    std::shared_ptr<SocketIoMount> mount;
  };
  struct Resource {
    std::string content_type;
    std::string body;
    bool overridable = false;  // by a file of the same path in settings.static_dir
  };

  std::vector<Route> routes;
  std::vector<WebSocketRoute> websocket_routes;
  std::vector<SocketIoRoute> socketio_routes;
  std::unordered_map<std::string, Resource> resources;

  // `prefix` matches itself and everything below it ("/api/v1/" or "/api" matches "/api/x", not
  // "/apix"); the longest matching prefix wins.
  const Route* find_route(std::string_view path) const;
  const WebSocketRoute* find_websocket_route(std::string_view path) const;
  const SocketIoRoute* find_socketio_route(std::string_view path) const;
};

struct RouteDecision {
  enum class Kind {
    socketio,            // `socketio`
    websocket,           // upgrade to `websocket`
    no_websocket_here,   // an upgrade on a path no WebSocket route has: 404
    websocket_only,      // a plain request on a WebSocket route's path: 426
    resource,            // `resource`
    method_not_allowed,  // a resource asked with another method than GET or HEAD: 405
    handler,             // `route`
    static_file,         // a file under settings.static_dir
    not_found,           // 404
  };
  Kind kind = Kind::not_found;
  const RouteTable::SocketIoRoute* socketio = nullptr;
  const RouteTable::WebSocketRoute* websocket = nullptr;
  const RouteTable::Resource* resource = nullptr;
  const RouteTable::Route* route = nullptr;
};

// `readable`: GET or HEAD. `static_dir`: settings.static_dir is set.
RouteDecision route_request(const RouteTable& table, std::string_view path, bool upgrade, bool readable,
                            bool static_dir);

}  // namespace iceway::signaling
