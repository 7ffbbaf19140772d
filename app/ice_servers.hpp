#pragma once
// The RTCIceServer list iceway hands out (SPEC §5): stun:, turn: over UDP and TCP, and
// turns: when TLS is on, with TURN REST-API credentials bound to a user id. One builder
// serves `iceway credentials`, GET /api/v1/ice-servers and the signaling welcome message, so
// all three agree.
#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "common/clock.hpp"
#include "common/result.hpp"
#include "turn/rest_credentials.hpp"

namespace iceway::app {

struct IceUrls {
  std::string host;                        // public host name or address (IPv6 is bracketed here)
  std::uint16_t port = 3478;               // STUN/TURN over UDP and TCP
  std::optional<std::uint16_t> tls_port;   // turns:, when a certificate is configured
};

// "[2001:db8::1]" for IPv6 literals, the text unchanged otherwise.
std::string url_host(const std::string& host);

// [{"urls":["stun:H:P"]}, {"urls":["turn:H:P?transport=udp","turn:H:P?transport=tcp"],
//   "username":..., "credential":...}, {"urls":["turns:H:T?transport=tcp"], ...}]
Result<nlohmann::json, turn::CredentialError> ice_servers(const IceUrls& urls, const turn::Credentials& credentials,
                                                          std::string_view user_id, Seconds ttl, UnixSeconds now);

}  // namespace iceway::app
