#pragma once
// GET /api/v1/ice-servers (SPEC §5): an app backend (or, in development mode, anyone) gets a
// ready {"iceServers":[...],"ttl":N} for `new RTCPeerConnection()`.
//
//   Authorization: Bearer <api key>     keys from auth.api_keys, compared in constant time
//   ?user=alice                          the user id put in the REST username (default "user")
//   ?ttl=3600                            seconds, capped at auth.credential_ttl
//
// 401 with a JSON error and WWW-Authenticate without a valid key, except in development mode;
// CORS headers for the origins in signal.allowed_origins (any origin when that is empty), and
// OPTIONS preflights answered. A pure function of the request and an immutable state, so it is
// unit-tested without sockets; the HTTP layer may call it from several threads at once.
#include <memory>
#include <string>
#include <vector>

#include "app/ice_servers.hpp"
#include "signal/http/http_types.hpp"

namespace iceway::app {

struct IceServersApiState {
  IceUrls urls;
  std::shared_ptr<const turn::Credentials> credentials;
  std::vector<std::string> api_keys;
  std::vector<std::string> allowed_origins;  // empty = any
  Seconds max_ttl{86400};
  bool development_mode = false;  // anonymous requests allowed
};

signaling::HttpResponse handle_ice_servers_request(const signaling::HttpRequest& request,
                                                   const IceServersApiState& state, UnixSeconds now);

}  // namespace iceway::app
