#include "signal/socketio/engineio_request.hpp"

#include "signal/query.hpp"

namespace iceway::signaling::socketio {

std::string_view to_string(EngineRequestError error) {
  switch (error) {
    case EngineRequestError::unknown_transport: return "Transport unknown";
    case EngineRequestError::unknown_sid: return "Session ID unknown";
    case EngineRequestError::bad_handshake_method: return "Bad handshake method";
    case EngineRequestError::bad_request: return "Bad request";
    case EngineRequestError::forbidden: return "Forbidden";
    case EngineRequestError::unsupported_protocol_version: return "Unsupported protocol version";
  }
  return "Bad request";
}

unsigned http_status(EngineRequestError error) { return error == EngineRequestError::forbidden ? 403 : 400; }

std::string error_body(EngineRequestError error) {
  std::string body = "{\"code\":";
  body += std::to_string(static_cast<unsigned>(error));
  body += ",\"message\":\"";
  body += to_string(error);
  body += "\"}";
  return body;
}

std::variant<EngineRequest, EngineRequestError> classify_engine_request(std::string_view method,
                                                                       std::string_view target, bool websocket) {
  using Kind = EngineRequest::Kind;
  if (method == "OPTIONS" && !websocket) return EngineRequest{Kind::preflight, {}};
  const auto query = Query::parse(target);
  // The order of the reference server's checks, so each malformed request gets its error.
  const auto transport = query.value("transport");
  if (transport != "polling" && transport != "websocket") return EngineRequestError::unknown_transport;
  if (query.value("EIO") != "4") return EngineRequestError::unsupported_protocol_version;
  // A WebSocket request that is not an upgrade, or an upgrade that claims polling.
  if ((transport == "websocket") != websocket) return EngineRequestError::bad_request;
  const auto sid = query.get("sid");
  if (!sid) {
    if (method != "GET") return EngineRequestError::bad_handshake_method;
    return EngineRequest{websocket ? Kind::websocket_handshake : Kind::polling_handshake, {}};
  }
  if (sid->empty()) return EngineRequestError::unknown_sid;
  if (websocket) return EngineRequest{Kind::websocket_upgrade, std::string(*sid)};
  if (method == "GET") return EngineRequest{Kind::poll, std::string(*sid)};
  if (method == "POST") return EngineRequest{Kind::post, std::string(*sid)};
  return EngineRequestError::bad_request;
}

std::optional<std::string> cors_origin(std::string_view origin, std::span<const std::string> allowed) {
  if (origin.empty()) return std::nullopt;
  if (allowed.empty()) return std::string(origin);
  const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
  for (const auto& entry : allowed) {
    if (entry.size() != origin.size()) continue;
    bool same = true;
    for (std::size_t i = 0; i < entry.size() && same; ++i) same = lower(entry[i]) == lower(origin[i]);
    if (same) return std::string(origin);
  }
  return std::nullopt;
}

}  // namespace iceway::signaling::socketio
