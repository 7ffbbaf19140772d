#pragma once
// The signaling core's front: the one object the I/O layer talks to. It owns the Registry and
// the four protocol handlers, applies the limits every protocol shares (connections per address,
// messages per second, frame size, JSON depth) and turns each connection event into an Outbox.
//
// Ownership and threads: not thread-safe; one owner (the server's registry thread) makes every
// call. Time comes in as arguments: `now` (steady) for limits and timers, `unix_now` (wall clock)
// only where a protocol carries it (token expiry, TURN credentials in the welcome).
//
// The I/O layer's side of the contract:
//   open()    once per accepted WebSocket, with the route's protocol and the request target;
//   message() for each text frame, in the order received;
//   closed()  once when the socket is gone (also after the core closed it: then a no-op);
//   expire()  every kExpireInterval, for PeerJS queue expiry and alive timeouts;
// and it carries out each returned Outbox as outbox.hpp describes.
#include <array>
#include <memory>
#include <optional>
#include <span>
#include <string_view>

#include "common/clock.hpp"
#include "common/endpoint.hpp"
#include "signal/cluster/cluster_port.hpp"
#include "signal/counters.hpp"
#include "signal/http_reply.hpp"
#include "signal/ice_servers.hpp"
#include "signal/outbox.hpp"
#include "signal/random.hpp"
#include "signal/registry.hpp"
#include "signal/settings.hpp"

namespace iceway::signaling {

class ProtocolHandler;
class NativeProtocol;
class PeerJsProtocol;
class NamedRelayProtocol;
class YjsProtocol;
class JsonProfileProtocol;

class Dispatcher {
 public:
  // PeerJS checks queues every second and liveness every 300 ms; a quarter second keeps EXPIRE
  // within 250 ms of expire_timeout for the price of a scan of PeerJS clients.
  static constexpr Duration kExpireInterval = std::chrono::milliseconds(250);

  // `ice_servers`, `random` and `counters` must outlive the Dispatcher.
  Dispatcher(const Settings& settings, IceServersProvider& ice_servers, RandomSource& random, Counters& counters);
  ~Dispatcher();
  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;

  // A WebSocket was accepted on `protocol`'s route. `target` is the request target as received
  // ("/ws?token=..."), `remote` the client's address (connections-per-address cap).
  Outbox open(ConnectionId id, Protocol protocol, std::string_view target, const IpAddress& remote, TimePoint now,
              UnixSeconds unix_now);
  // One text frame from the client.
  Outbox message(ConnectionId id, std::string_view text, TimePoint now);
  // The same, adding to `out`: a caller that keeps one Outbox and clears it after each frame
  // allocates no vectors per message.
  void message(ConnectionId id, std::string_view text, TimePoint now, Outbox& out);
  // The socket is gone (client closed, error, or the core's own close completed).
  Outbox closed(ConnectionId id, TimePoint now);
  // Timers: PeerJS offline-queue expiry (EXPIRE) and alive timeout.
  Outbox expire(TimePoint now);
  // Draining (SIGTERM): close every connection with `code` (1001). No presence messages are
  // sent, since everyone is leaving; only the senders of PeerJS messages still queued for an
  // absent peer get their EXPIRE first.
  Outbox close_all(std::uint16_t code, std::string_view reason, TimePoint now);
  // `iceway ctl disconnect --user`: closes every connection holding `peer_id` (one per
  // protocol at most) with 1008, its protocol telling the others as for any departure.
  Outbox disconnect_peer(std::string_view peer_id, TimePoint now);

  // GET under settings.peerjs_path (the PeerJS REST side); `path` is what follows the prefix.
  // nullopt = not a PeerJS route.
  std::optional<HttpReply> peerjs_http(std::string_view path);

  // SIGHUP: new limits apply from the next event; nobody is disconnected by a reload.
  void update_settings(const Settings& settings);

  // [cluster]: every protocol asks `cluster` (which must outlive the Dispatcher) about peers
  // elsewhere and announces its own. Never called = single-node.
  void attach_cluster(cluster::ClusterPort& cluster);
  // Other nodes' messages, in the order received.
  void remote(std::span<const cluster::RemoteEvent> events, TimePoint now, Outbox& out);

  const Settings& settings() const { return settings_; }
  const Registry& registry() const { return registry_; }
  const PeerJsProtocol& peerjs() const { return *peerjs_; }
  Counters& counters() { return counters_; }

 private:
  static RegistryLimits limits_from(const Settings& settings);

  Settings settings_;
  Counters& counters_;
  Registry registry_;
  std::unique_ptr<NativeProtocol> native_;
  std::unique_ptr<PeerJsProtocol> peerjs_;
  std::unique_ptr<NamedRelayProtocol> relay_;
  std::unique_ptr<YjsProtocol> yjs_;
  std::unique_ptr<JsonProfileProtocol> profiles_;
  std::array<ProtocolHandler*, kProtocolCount> handlers_{};
};

}  // namespace iceway::signaling
