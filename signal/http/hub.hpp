#pragma once
// The signaling core's owner in the server: the Dispatcher (and so the Registry), the table from
// ConnectionId to WebSocket session, and the expiry timer, all on one io_context that exactly one
// thread runs (signal_server.hpp). That thread owns them, so nothing here takes a lock or needs a
// strand (STYLE.md "One owner per piece of state"). The sessions run on that thread too and call
// the public methods there: message() and closed() run at once (no copy, no queueing: the whole
// message path is one call chain); open() and the rest are posted, so a session is never
// re-entered from its own constructor.
//
// Re-entrancy: the Hub calls sinks (deliver, close) while it iterates its tables, and a sink on
// the same thread may run inline. A sink must therefore never call back into the Hub from inside
// deliver() or close(); WebSocketSession only starts asynchronous operations there.
//
// Outboxes are carried out on the owner thread: frames for one session are handed over in one
// call, in order, and a close after them, so the order the core decided is the order on the wire.
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "signal/cluster/cluster_port.hpp"
#include "signal/dispatcher.hpp"
#include "signal/http_reply.hpp"

namespace iceway::signaling {

// What the Hub needs from a WebSocket session. Both methods are called on the Hub's thread and
// must hand the work to the session's own executor (at once when that is the same thread).
class WebSocketSink {
 public:
  virtual ~WebSocketSink() = default;
  // The frames are the sink's to move from; the span lives only during the call.
  virtual void deliver(std::span<Frame> frames) = 0;
  // Close after the frames already delivered are written.
  virtual void close(std::uint16_t code, std::string reason) = 0;
};

class Hub : public std::enable_shared_from_this<Hub>, public cluster::ClusterMember {
 public:
  using Executor = boost::asio::io_context::executor_type;

  // `ice_servers`, `random` and `counters` must outlive the Hub.
  Hub(boost::asio::io_context& context, const Settings& settings, IceServersProvider& ice_servers,
      RandomSource& random, Counters& counters);

  // Starts the expiry timer (Dispatcher::kExpireInterval). stop() cancels it.
  void start();
  void stop();

  // Unique for the life of the Hub; callable from any thread.
  ConnectionId next_connection_id() { return next_id_.fetch_add(1, std::memory_order_relaxed); }

  // A WebSocket was accepted. The Hub keeps a weak reference to `session`.
  void open(ConnectionId id, std::weak_ptr<WebSocketSink> session, Protocol protocol, std::string target,
            IpAddress remote);
  // One text frame, handled before message() returns; then `done` runs (the session reads its
  // next frame only then). `text` is only read during the call.
  void message(ConnectionId id, std::string_view text, std::function<void()> done);
  void closed(ConnectionId id);
  // PeerJS REST (GET under the PeerJS path); `done` is called on the Hub's thread.
  void peerjs_http(std::string path, std::function<void(std::optional<HttpReply>)> done);
  // Drain: close every connection with `code`, and refuse new ones from now on.
  void close_all(std::uint16_t code, std::string reason);
  // `iceway ctl` (on the Hub's thread): every connection as the registry has it, and closing
  // those that hold `peer_id`; returns how many.
  const Registry& registry() const { return dispatcher_.registry(); }
  std::size_t disconnect_peer(std::string_view peer_id);
  void update_settings(const Settings& settings);

  // [cluster] (signal/cluster/cluster_service.hpp), on the Hub's thread only: the protocols
  // consult `cluster`, which must outlive the Hub, and other nodes' events are carried out here.
  void attach_cluster(cluster::ClusterPort& cluster) override { dispatcher_.attach_cluster(cluster); }
  void remote(std::span<const cluster::RemoteEvent> events) override;

  const Executor& executor() const { return executor_; }

 private:
  void apply(Outbox& out);
  void schedule_expiry();

  void handle(ConnectionId id, std::string_view text);

  Executor executor_;
  boost::asio::steady_timer timer_;
  Dispatcher dispatcher_;
  std::unordered_map<ConnectionId, std::weak_ptr<WebSocketSink>> sessions_;
  // Scratch kept between frames, so relaying one allocates no vectors here: message()'s Outbox,
  // and apply()'s grouping.
  Outbox out_;
  std::vector<std::size_t> order_;
  std::vector<Frame> batch_;
  std::atomic<ConnectionId> next_id_{1};
  bool draining_ = false;
  bool expiry_running_ = false;
};

}  // namespace iceway::signaling
