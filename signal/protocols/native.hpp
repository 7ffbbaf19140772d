#pragma once
// The native signaling protocol on /ws (SPEC §6.1, docs/signaling.md). The welcome's iceServers
// carry TURN credentials for a token's identity, and for anonymous clients only in development
// mode or with settings.anonymous_credentials; otherwise the public (STUN) servers, ttl 0.
// JSON text frames:
//   server -> client: welcome {id, iceServers, ttl}; joined {room, peers}; left {room};
//                     peer-joined {room, id}; peer-left {room, id}; signal {from, data};
//                     broadcast {room, from, data}; pong; error {code, message, ref}
//   client -> server: join {room}; leave {room}; signal {to, data}; broadcast {room, data}; ping
// Every client message may carry `ref`, echoed by its answer or error.
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "signal/ice_servers.hpp"
#include "signal/protocols/protocol_handler.hpp"
#include "signal/random.hpp"

namespace iceway::signaling {

class NativeProtocol final : public ProtocolHandler {
 public:
  NativeProtocol(IceServersProvider& ice_servers, RandomSource& random) : ice_servers_(ice_servers), random_(random) {}

  void open(ConnectionId id, const Query& query, UnixSeconds unix_now, Context& ctx) override;
  // signal and broadcast, the frames that are relayed, without parsing `data` into a tree: its
  // bytes are spliced into the outgoing frame (relay_frame.hpp). Every other frame, and every
  // one that fails a check (to answer with the exact error and ref), is parsed for message().
  Result<bool, JsonError> message_unparsed(ConnectionId id, std::string_view text, Context& ctx) override;
  void message(ConnectionId id, Json& message, Context& ctx) override;
  void reject(ConnectionId id, ErrorCode code, std::string_view message, const Json* ref, Context& ctx) override;
  void departed(ConnectionId id, const Registry::Departure& departure, Context& ctx) override;
  std::size_t invalid_type() const override { return native_type::invalid; }
  // [cluster]: ids, rooms, signal and broadcast span every node (cluster_port.hpp).
  void remote(const cluster::RemoteEvent& event, Context& ctx) override;

  // The error frame {type:"error", code, message[, ref]}.
  static std::string error_frame(ErrorCode code, std::string_view message, const Json* ref);

 private:
  struct Peer {
    std::optional<std::vector<std::string>> allowed_rooms;  // from the token's `rooms` claim
  };

  void refuse(ConnectionId id, ErrorCode code, std::string_view message, Context& ctx);
  void fail(ConnectionId id, ErrorCode code, std::string_view message, const Json* ref, Context& ctx);
  void on_join(ConnectionId id, const Json& message, const Json* ref, Context& ctx);
  void on_leave(ConnectionId id, const Json& message, const Json* ref, Context& ctx);
  void on_signal(ConnectionId id, Json& message, const Json* ref, Context& ctx);
  void on_broadcast(ConnectionId id, Json& message, const Json* ref, Context& ctx);
  // Both paths end here: the checks passed, `data` is the raw JSON to relay.
  void relay_signal(ConnectionId id, std::string_view to, std::optional<ConnectionId> target, std::string_view data,
                    Context& ctx);
  void relay_broadcast(ConnectionId id, std::string_view room, std::string_view data, Context& ctx);
  std::string unused_random_id(const Registry& registry);

  IceServersProvider& ice_servers_;
  RandomSource& random_;
  std::unordered_map<ConnectionId, Peer> peers_;
};

}  // namespace iceway::signaling
