#pragma once
// The signaling core's owner in the server: one strand on which the Dispatcher (and so the
// Registry) lives, the table from ConnectionId to WebSocket session, and the expiry timer.
// Sessions on any thread call the public methods; each one posts to the strand, so nothing here
// takes a lock (STYLE.md "One owner per piece of state"). message() and closed() dispatch
// instead: called on the strand's thread while the strand is free, they run at once.
//
// Re-entrancy: the Hub calls sinks (deliver, close) while it iterates its tables, and a sink on
// the same thread may run inline. A sink must therefore never call back into the Hub from inside
// deliver() or close(); WebSocketSession only starts asynchronous operations there.
//
// Outboxes are carried out on the strand: frames for one session are handed over in one call, in
// order, and a close after them, so the order the core decided is the order on the wire.
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "signal/dispatcher.hpp"
#include "signal/http_reply.hpp"

namespace iceway::signaling {

// What the Hub needs from a WebSocket session. Both methods may be called from the Hub's strand
// and must hand the work to the session's own executor.
class WebSocketSink {
 public:
  virtual ~WebSocketSink() = default;
  virtual void deliver(std::vector<Frame> frames) = 0;
  // Close after the frames already delivered are written.
  virtual void close(std::uint16_t code, std::string reason) = 0;
};

class Hub : public std::enable_shared_from_this<Hub> {
 public:
  using Executor = boost::asio::strand<boost::asio::io_context::executor_type>;

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
  // One text frame; `done` runs on the strand once the frame is handled (the session reads its
  // next frame only then, so each connection has at most one frame waiting here).
  void message(ConnectionId id, std::string text, std::function<void()> done);
  void closed(ConnectionId id);
  // PeerJS REST (GET under the PeerJS path); `done` is called on the strand.
  void peerjs_http(std::string path, std::function<void(std::optional<HttpReply>)> done);
  // Drain: close every connection with `code`, and refuse new ones from now on.
  void close_all(std::uint16_t code, std::string reason);
  void update_settings(const Settings& settings);

  const Executor& executor() const { return strand_; }

 private:
  void apply(Outbox&& out);
  void schedule_expiry();

  Executor strand_;
  boost::asio::steady_timer timer_;
  Dispatcher dispatcher_;
  std::unordered_map<ConnectionId, std::weak_ptr<WebSocketSink>> sessions_;
  std::atomic<ConnectionId> next_id_{1};
  bool draining_ = false;
  bool expiry_running_ = false;
};

}  // namespace iceway::signaling
