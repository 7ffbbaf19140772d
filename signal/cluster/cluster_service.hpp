#pragma once
// [cluster]'s I/O side: two Redis connections (one publishes, one subscribes: a subscribed
// connection may send nothing else), the heartbeat timer, and the bounded buffer between the
// pure core (cluster_core.hpp) and Redis. Everything runs on the signaling registry's
// io_context, the Hub's thread, so the core and the Hub are touched by that one thread only.
//
// Redis down: local traffic never waits for Redis (the core only appends to a list), the loss is
// logged once and counted, and the connections retry with back-off. Messages wait in a buffer of
// at most settings.publish_buffer_bytes (counting those written but not yet acknowledged);
// what does not fit is dropped and counted. Other nodes fall out of presence after
// kMissedHeartbeats; when Redis is back, this node's state goes out at once and the others'
// comes with their next heartbeat, or at once from those that had dropped this node. /readyz
// does not depend on Redis: TURN and local signaling still work.
#include <cstddef>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "signal/cluster/cluster_core.hpp"
#include "signal/cluster/cluster_settings.hpp"
#include "signal/cluster/redis_connection.hpp"

namespace iceway::signaling::cluster {

class ClusterService {
 public:
  // `settings.node_id` must be set (SignalServer fills the default). `counters` must outlive
  // the service.
  ClusterService(boost::asio::io_context& context, const ClusterSettings& settings, ClusterCounters& counters);
  ~ClusterService();
  ClusterService(const ClusterService&) = delete;
  ClusterService& operator=(const ClusterService&) = delete;

  // Before start(): `member` (the Hub, the Socket.IO mounts; it must outlive the service) spans
  // the nodes. Members get other nodes' events in the order they were added.
  void add_member(ClusterMember& member) { members_.push_back(&member); }

  // On the Hub's thread (post there first).
  void start();
  void stop();

 private:
  void flush();
  void send_pending();
  void on_bus_reply(const redisReply* reply);
  void tick();
  void link_up();
  void link_lost(const std::string& why);
  void deliver();  // events_ to every member

  boost::asio::io_context& io_;
  ClusterSettings settings_;
  std::vector<ClusterMember*> members_;
  ClusterCounters& counters_;
  ClusterCore core_;
  RedisConnection publisher_;
  RedisConnection subscriber_;
  boost::asio::steady_timer timer_;
  std::deque<Publish> pending_;     // not yet handed to hiredis, oldest first
  std::size_t pending_bytes_ = 0;
  std::deque<std::size_t> in_flight_;  // sizes of PUBLISHes awaiting Redis' answer, in order
  std::size_t in_flight_bytes_ = 0;
  std::vector<RemoteEvent> events_;    // scratch
  bool flush_posted_ = false;
  bool subscribed_ = false;
  bool up_ = false;           // both connections usable
  bool down_logged_ = false;  // "Redis unreachable" said once per outage
  unsigned ticks_ = 0;
  bool running_ = false;
};

}  // namespace iceway::signaling::cluster
