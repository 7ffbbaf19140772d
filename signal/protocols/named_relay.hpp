#pragma once
// The named relay on /relay?name=alice, for hand-written tutorial clients (SPEC §6.3). Any JSON
// object with a target in `to`, `toUser`, `target` or `name` (first present string wins, in that
// order) goes to the peer of that name with `from` and `fromUser` set to the sender's name; the
// rest of the object is passed through untouched.
//   - a message for a name that is not online: {type:"error", code:"peer-unavailable", message,
//     target:<name>} to the sender, never a silent drop;
//   - a second connection with a name in use: {type:"error", code:"id-taken", ...} and a close;
//   - {type:"ping"} without a target: {type:"pong"}.
#include <optional>
#include <string>

#include "signal/protocols/protocol_handler.hpp"

namespace iceway::signaling {

class NamedRelayProtocol final : public ProtocolHandler {
 public:
  void open(ConnectionId id, const Query& query, UnixSeconds unix_now, Context& ctx) override;
  // A message for a name that is online, without a tree: its members are copied as received
  // and the sender stamped in (relay_frame.hpp). Every other frame is parsed for message().
  Result<bool, JsonError> message_unparsed(ConnectionId id, std::string_view text, Context& ctx) override;
  void message(ConnectionId id, Json& message, Context& ctx) override;
  void reject(ConnectionId id, ErrorCode code, std::string_view message, const Json* ref, Context& ctx) override;
  void departed(ConnectionId id, const Registry::Departure& departure, Context& ctx) override;
  std::size_t invalid_type() const override { return relay_type::invalid; }
  // [cluster]: names are unique across nodes, messages reach a name on another node, and the
  // peer-unavailable answer comes only when the name is on no node.
  void remote(const cluster::RemoteEvent& event, Context& ctx) override;

  // The error frames of the named relay, which the JSON app profiles answer with too.
  static std::string error_frame(ErrorCode code, std::string_view message);
  // {type:"error", code:"peer-unavailable", message, target}: `target` is not online.
  static std::string peer_unavailable_frame(std::string_view target);

 private:
  // The checks passed and `target` is online here (`holder`) or on another node.
  void relay(std::string_view target, std::optional<ConnectionId> holder, std::string frame, Context& ctx);
};

}  // namespace iceway::signaling
