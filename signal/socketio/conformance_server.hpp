#pragma once
// The server fixture of the Socket.IO v5 conformance suite (socket.io repository,
// docs/socket.io-protocol/v5-current.md "Test suite"), as a SocketApp:
//
//   io.on("connection", (socket) => {
//     socket.emit("auth", socket.handshake.auth);
//     socket.on("message", (...args) => socket.emit("message-back", ...args));
//     socket.on("message-with-ack", (...args) => { const ack = args.pop(); ack(...args); });
//   });
//   io.of("/custom").on("connection", (socket) => socket.emit("auth", socket.handshake.auth));
//
// The suite also expects pingInterval 300 ms, pingTimeout 200 ms, maxPayload 1,000,000 and
// connectTimeout 1000 ms: those are EngineSettings and ConnectionSettings, set by the caller.
#include "signal/socketio/socketio_app.hpp"

namespace iceway::signaling::socketio {

class ConformanceServer final : public SocketApp {
 public:
  std::optional<std::string> admit(std::string_view nsp, std::string_view auth) const override;
  void on_event(const SocketEvent& event, std::vector<AppAction>& out) override;
};

}  // namespace iceway::signaling::socketio
