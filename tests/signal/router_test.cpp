// Which front door serves a request (signal/http/router.hpp): every rule of the table, decided
// from the path and the request's kind alone, without a socket.
#include "signal/http/router.hpp"

#include <gtest/gtest.h>

namespace iceway::signaling {
namespace {

using Kind = RouteDecision::Kind;

// The table SignalServer builds, in miniature: PeerJS REST at "/" (a catch-all prefix), the
// ice-servers API, a built-in page, WebSocket routes and a Socket.IO mount.
RouteTable table() {
  RouteTable table;
  table.routes.push_back({"/", {}, [](const HttpRequest&, HttpResponder) {}});
  table.routes.push_back({"/api/v1/ice-servers", [](const HttpRequest&) { return HttpResponse{}; }, {}});
  table.routes.push_back({"/api/", [](const HttpRequest&) { return HttpResponse{}; }, {}});
  table.websocket_routes.push_back({"/ws", Protocol::native, nullptr});
  table.websocket_routes.push_back({"/peerjs", Protocol::peerjs, nullptr});
  table.socketio_routes.push_back({"/socket.io/", nullptr});
  table.resources["/ice-test"] = {"text/html", "<html>", true};
  return table;
}

RouteDecision get(const RouteTable& routes, std::string_view path, bool static_dir = false) {
  return route_request(routes, path, false, true, static_dir);
}

TEST(Router, SocketIoPathsGoToTheirMountWithOrWithoutTheTrailingSlash) {
  const RouteTable routes = table();
  for (std::string_view path : {"/socket.io/", "/socket.io"}) {
    for (bool upgrade : {false, true}) {
      const auto decision = route_request(routes, path, upgrade, true, false);
      EXPECT_EQ(decision.kind, Kind::socketio) << path;
      EXPECT_EQ(decision.socketio, &routes.socketio_routes[0]);
    }
  }
  EXPECT_NE(get(routes, "/socket.io/x").kind, Kind::socketio);
  EXPECT_NE(get(routes, "/socket.i").kind, Kind::socketio);
}

TEST(Router, AnUpgradeGoesToItsExactWebSocketRouteOrIs404) {
  const RouteTable routes = table();
  const auto ws = route_request(routes, "/ws", true, true, false);
  EXPECT_EQ(ws.kind, Kind::websocket);
  EXPECT_EQ(ws.websocket, &routes.websocket_routes[0]);
  EXPECT_EQ(route_request(routes, "/peerjs", true, true, false).websocket, &routes.websocket_routes[1]);
  // Not a prefix match, and not the catch-all HTTP route either.
  EXPECT_EQ(route_request(routes, "/ws/x", true, true, false).kind, Kind::no_websocket_here);
  EXPECT_EQ(route_request(routes, "/", true, true, false).kind, Kind::no_websocket_here);
}

TEST(Router, APlainRequestOnAWebSocketPathIs426) {
  EXPECT_EQ(get(table(), "/ws").kind, Kind::websocket_only);
}

TEST(Router, ResourcesComeBeforeACatchAllPrefixAndTakeOnlyGetOrHead) {
  const RouteTable routes = table();
  const auto page = get(routes, "/ice-test");
  EXPECT_EQ(page.kind, Kind::resource);
  EXPECT_EQ(page.resource, &routes.resources.at("/ice-test"));
  EXPECT_EQ(route_request(routes, "/ice-test", false, false, false).kind, Kind::method_not_allowed);
}

TEST(Router, TheLongestMatchingPrefixWinsAndPrefixesMatchWholeSegments) {
  const RouteTable routes = table();
  EXPECT_EQ(get(routes, "/api/v1/ice-servers").route, &routes.routes[1]);
  EXPECT_EQ(get(routes, "/api/v1/ice-servers/").route, &routes.routes[1]);
  EXPECT_EQ(get(routes, "/api/v1/ice-serversX").route, &routes.routes[2]) << "not a segment of ice-servers";
  EXPECT_EQ(get(routes, "/api/other").route, &routes.routes[2]);
  EXPECT_EQ(get(routes, "/peerjs/id").route, &routes.routes[0]) << "PeerJS REST under the catch-all";
  for (std::string_view path : {"/api/v1/ice-servers", "/anything"}) EXPECT_EQ(get(routes, path).kind, Kind::handler);
}

TEST(Router, WithoutARouteAStaticDirectoryServesGetAndHeadElseNotFound) {
  RouteTable routes;  // no catch-all
  routes.routes.push_back({"/api/", [](const HttpRequest&) { return HttpResponse{}; }, {}});
  EXPECT_EQ(get(routes, "/app.js", true).kind, Kind::static_file);
  EXPECT_EQ(get(routes, "/app.js", false).kind, Kind::not_found);
  EXPECT_EQ(route_request(routes, "/app.js", false, false, true).kind, Kind::not_found) << "POST";
  EXPECT_EQ(get(routes, "/apix", true).kind, Kind::static_file) << "/api/ is not a prefix of /apix";
}

}  // namespace
}  // namespace iceway::signaling
