#pragma once
// Where the native protocol's welcome gets its `iceServers` (SPEC §5, §6.1): fresh TURN
// credentials bound to the peer's id. signal/ knows nothing about TURN; app/ implements this
// with turn/'s credential code (STYLE.md "Where things live").
#include <chrono>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/clock.hpp"

namespace iceway::signaling {

class IceServersProvider {
 public:
  virtual ~IceServersProvider() = default;
  // An RTCIceServer array (e.g. [{"urls":["stun:h:3478"]},{"urls":[...],"username":..,
  // "credential":..}]) whose credentials are bound to `peer_id` and valid for ttl() from
  // `unix_now`. Called on the signaling registry's thread, once per native connection.
  virtual nlohmann::json ice_servers(std::string_view peer_id, UnixSeconds unix_now) = 0;
  // How long those credentials stay valid; the welcome's `ttl`, in seconds.
  virtual std::chrono::seconds ttl() const = 0;
  // What a client without a right to credentials gets: servers it may use without any (the
  // STUN URLs). An empty array by default, a valid RTCConfiguration too.
  virtual nlohmann::json public_ice_servers() { return nlohmann::json::array(); }
};

}  // namespace iceway::signaling
