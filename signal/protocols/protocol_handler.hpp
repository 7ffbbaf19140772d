#pragma once
// The interface each front door (native, PeerJS, named relay, y-webrtc) implements. The
// Dispatcher owns the Registry and runs the checks common to all of them (connection limits,
// rate, frame size, JSON depth) before a handler sees a message; a handler turns a parsed
// message into deliveries through the Registry.
//
// Same owner and thread as the Registry: one thread calls everything.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/clock.hpp"
#include "signal/cluster/cluster_port.hpp"
#include "signal/counters.hpp"
#include "signal/errors.hpp"
#include "signal/json_text.hpp"
#include "signal/outbox.hpp"
#include "signal/query.hpp"
#include "signal/registry.hpp"
#include "signal/settings.hpp"

namespace iceway::signaling {

class ProtocolHandler;

// Everything a handler may touch while handling one event.
class Context {
 public:
  Context(Registry& registry_in, const Settings& settings_in, Counters& counters_in, Outbox& out_in,
          TimePoint now_in, const std::array<ProtocolHandler*, kProtocolCount>& handlers)
      : registry(registry_in),
        settings(settings_in),
        counters(counters_in),
        out(out_in),
        now(now_in),
        handlers_(handlers) {}

  Registry& registry;
  const Settings& settings;
  Counters& counters;
  Outbox& out;
  const TimePoint now;

  // Closes a connection the core decided to end: queues the close, removes the connection from
  // the registry at once (so its id is free and nothing more is routed to it) and lets its
  // protocol tell the others. Idempotent; the I/O layer's later closed() finds nothing to do.
  void disconnect(ConnectionId id, std::uint16_t code, std::string reason);

 private:
  const std::array<ProtocolHandler*, kProtocolCount>& handlers_;
};

class ProtocolHandler {
 public:
  virtual ~ProtocolHandler() = default;

  // A new connection, already in the registry. The handler greets it or rejects it (an error
  // frame and ctx.disconnect()).
  virtual void open(ConnectionId id, const Query& query, UnixSeconds unix_now, Context& ctx) = 0;
  // Any frame arrived on the connection, before the limits are checked (PeerJS counts every
  // frame as liveness).
  virtual void touched(ConnectionId /*id*/, Context& /*ctx*/) {}
  // A frame within every limit, before it is parsed: a protocol that forwards frames as sent
  // (PeerJS splices the payload in, relay_frame.hpp) takes it here and answers true; a frame it
  // cannot take exactly answers false and is parsed for message_text(). An error is a frame
  // the parse would refuse too. By default every frame is parsed.
  virtual Result<bool, JsonError> message_unparsed(ConnectionId /*id*/, std::string_view /*text*/, Context& /*ctx*/) {
    return false;
  }
  // One parsed JSON object from the connection, within every limit. The handler may move
  // fields out of it.
  virtual void message(ConnectionId id, Json& message, Context& ctx) = 0;
  // The same with the frame's text as received, for a protocol that forwards the client's own
  // JSON (key order and all) rather than the parsed value. By default the parsed value is enough.
  virtual void message_text(ConnectionId id, std::string_view /*text*/, Json& parsed, Context& ctx) {
    message(id, parsed, ctx);
  }
  // A message the Dispatcher refused (ErrorCode says why); the handler answers the protocol's
  // way, or not at all where the protocol has no way. `ref` is the message's ref if known.
  // The connection may not be in the registry (a refused open).
  virtual void reject(ConnectionId id, ErrorCode code, std::string_view message, const Json* ref,
                      Context& ctx) = 0;
  // The connection is gone; `departure` says which id and rooms it left behind.
  virtual void departed(ConnectionId id, const Registry::Departure& departure, Context& ctx) = 0;
  // Timers (PeerJS queue expiry and alive timeout).
  virtual void expire(Context& /*ctx*/) {}
  // Draining, before every connection is closed: what waits for a later delivery is given up
  // and its senders told (PeerJS's EXPIRE), so nothing is lost unannounced.
  virtual void closing_all(Context& /*ctx*/) {}
  // Another node's message for this protocol ([cluster], signal/cluster/cluster_port.hpp). A
  // protocol that does not span nodes ignores it.
  virtual void remote(const cluster::RemoteEvent& /*event*/, Context& /*ctx*/) {}
  // The counter index of "invalid" in this protocol's message type labels.
  virtual std::size_t invalid_type() const = 0;

  // [cluster]: the handler asks `cluster` about peers on other nodes and announces its own;
  // never set = single node, and no handler touches the cluster.
  void set_cluster(cluster::ClusterPort* cluster) { cluster_ = cluster; }

 protected:
  cluster::ClusterPort* cluster_ = nullptr;
};

// The default close code and reason for a connection refused by `code`.
std::uint16_t close_code_for(ErrorCode code);

}  // namespace iceway::signaling
