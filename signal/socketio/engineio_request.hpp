#pragma once
// What an HTTP request under an Engine.IO path asks for, decided from its method, query and
// upgrade header alone (pure, so the routing is unit-tested without a socket): a handshake on
// either transport, a poll, a POST, the upgrade of a polling session, a CORS preflight, or one
// of the reference server's errors (engine.io lib/server.ts verify()), which answer with
// status 400 (403 for `forbidden`) and a JSON body such as {"code":1,"message":"Session ID unknown"}.
// Whether a sid is known is the caller's table's business: it answers unknown_sid itself.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>

namespace iceway::signaling::socketio {

// The reference server's error codes (Server.errors), in its order.
enum class EngineRequestError : std::uint8_t {
  unknown_transport = 0,
  unknown_sid = 1,
  bad_handshake_method = 2,
  bad_request = 3,
  forbidden = 4,
  unsupported_protocol_version = 5,
};

std::string_view to_string(EngineRequestError error);
unsigned http_status(EngineRequestError error);
// {"code":N,"message":"..."}, the reference server's body for the error.
std::string error_body(EngineRequestError error);

struct EngineRequest {
  enum class Kind : std::uint8_t {
    preflight,            // OPTIONS: CORS only
    polling_handshake,    // GET without sid, transport=polling
    websocket_handshake,  // WebSocket upgrade without sid, transport=websocket
    poll,                 // GET with sid, transport=polling
    post,                 // POST with sid, transport=polling
    websocket_upgrade,    // WebSocket upgrade with sid, transport=websocket
  };
  Kind kind = Kind::poll;
  std::string sid;  // empty for a handshake or a preflight
};

// `target` is the request target with its query; `websocket` says whether it is a WebSocket
// upgrade request.
std::variant<EngineRequest, EngineRequestError> classify_engine_request(std::string_view method,
                                                                       std::string_view target, bool websocket);

// The Access-Control-Allow-Origin to answer a request from `origin` with, or none (no CORS
// headers: a page on that origin cannot read the answer). Empty `allowed` = any origin.
std::optional<std::string> cors_origin(std::string_view origin, std::span<const std::string> allowed);

}  // namespace iceway::signaling::socketio
