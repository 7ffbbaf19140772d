#pragma once
// One hiredis asynchronous connection to Redis, driven by a Boost.Asio io_context: the
// connection's socket is watched with stream_descriptor::async_wait and hiredis does the reading
// and writing (an adapter like hiredis' own for libev). It connects, sends AUTH when a password
// is set, calls `connected` so the owner can SUBSCRIBE or flush, and after any loss (refused,
// timed out, closed by Redis) calls `lost` and tries again with back-off (100 ms doubling to 5 s).
// hiredis never blocks here: connect is non-blocking and the address is literal (redis_url.hpp).
//
// Ownership and threads: one io_context thread (the signaling registry's) makes every call and
// runs every callback. The owner keeps the object alive until stop() (it holds no other owner).
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "signal/cluster/redis_url.hpp"

struct redisAsyncContext;
struct redisReply;

namespace iceway::signaling::cluster {

class RedisConnection {
 public:
  struct Handlers {
    std::function<void()> connected;           // after AUTH was sent (its failure closes the link)
    std::function<void(std::string)> lost;     // why; the link retries by itself
  };
  // Called with each reply in order, null when the link went away before the reply came.
  using ReplyHandler = std::function<void(const redisReply*)>;

  RedisConnection(boost::asio::io_context& context, RedisAddress address, std::string password, std::string name,
                  Handlers handlers);
  ~RedisConnection();
  RedisConnection(const RedisConnection&) = delete;
  RedisConnection& operator=(const RedisConnection&) = delete;

  void start();
  void stop();
  bool connected() const { return connected_; }
  // Sends one command; false when not connected (nothing is sent). `reply` runs once, also for
  // each reply pushed on a subscription (SUBSCRIBE's messages), so it must stay cheap to copy.
  bool command(std::initializer_list<std::string_view> args, ReplyHandler reply);
  const std::string& name() const { return name_; }

 private:
  struct Events;
  struct PendingReply;

  void connect();
  void schedule_retry(std::string why);
  void gone(std::string why);
  static void on_connect(const redisAsyncContext* context, int status);
  static void on_disconnect(const redisAsyncContext* context, int status);
  static void on_reply(redisAsyncContext* context, void* reply, void* privdata);

  boost::asio::io_context& io_;
  RedisAddress address_;
  std::string password_;
  std::string name_;
  Handlers handlers_;
  boost::asio::steady_timer retry_timer_;
  boost::asio::steady_timer connect_timer_;
  redisAsyncContext* context_ = nullptr;
  std::shared_ptr<Events> events_;
  // SUBSCRIBE's reply handlers: hiredis calls them for every message until the context is
  // freed, so they live as long as the context (the others are freed after their one reply).
  std::vector<std::unique_ptr<PendingReply>> subscriptions_;
  std::string last_error_;
  bool connected_ = false;
  bool running_ = false;
  std::chrono::milliseconds backoff_{100};
};

}  // namespace iceway::signaling::cluster
