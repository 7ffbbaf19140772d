#pragma once
// y-webrtc's signaling protocol on /yjs (the npm package's bin/server.js), so Yjs apps use iceway
// unchanged:
//   {type:"subscribe", topics:[...]}    join each string topic
//   {type:"unsubscribe", topics:[...]}  leave them
//   {type:"publish", topic, ...}        the whole object, with `clients` set to the number of
//                                       subscribers, to every subscriber of the topic, the
//                                       sender included (as the reference server does)
//   {type:"ping"}                       {type:"pong"}
// Topics are rooms in the y-webrtc namespace, so rooms-per-connection and peers-per-room apply;
// a breach, like any refused message, is answered {type:"error", code, message} (y-webrtc ignores
// message types it does not know).
// [cluster]: topics span nodes. A subscriber is known to the other nodes by its connection
// number on its node (y-webrtc connections have no name); a publish reaches every node with
// subscribers, and `clients` counts the subscribers on every node.
#include "signal/protocols/protocol_handler.hpp"

namespace iceway::signaling {

class YjsProtocol final : public ProtocolHandler {
 public:
  void open(ConnectionId /*id*/, const Query& /*query*/, UnixSeconds /*unix_now*/, Context& /*ctx*/) override {}
  void message(ConnectionId id, Json& message, Context& ctx) override;
  void reject(ConnectionId id, ErrorCode code, std::string_view message, const Json* ref, Context& ctx) override;
  void departed(ConnectionId id, const Registry::Departure& departure, Context& ctx) override;
  std::size_t invalid_type() const override { return yjs_type::invalid; }
  void remote(const cluster::RemoteEvent& event, Context& ctx) override;

  static std::string error_frame(ErrorCode code, std::string_view message);

 private:
  void fail(ConnectionId id, ErrorCode code, std::string_view message, Context& ctx);
};

}  // namespace iceway::signaling
