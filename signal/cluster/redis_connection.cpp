#include "signal/cluster/redis_connection.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <algorithm>
#include <vector>

#include <boost/asio/posix/stream_descriptor.hpp>
#include <hiredis/async.h>
#include <hiredis/hiredis.h>

namespace iceway::signaling::cluster {
namespace {

// A Redis host that vanishes without a FIN or RST (powered off, a firewall dropping packets)
// would leave TCP retransmitting for about 15 minutes before hiredis hears of it. Keepalives on
// the idle subscriber and a user timeout on unacknowledged PUBLISHes make either link notice in
// about 5 s, so the node counts the loss, logs it and reconnects as for a refused connection.
void detect_silent_loss(int fd) {
  const int on = 1, idle = 2, interval = 1, count = 3;
  const unsigned user_timeout_ms = 5000;
  ::setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on);
  ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
  ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &interval, sizeof interval);
  ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &count, sizeof count);
  ::setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &user_timeout_ms, sizeof user_timeout_ms);
}

}  // namespace

// hiredis' event hooks on an Asio descriptor. hiredis says which directions it wants; each
// wanted direction has at most one async_wait pending, and a wait that completes calls hiredis'
// handler only if the direction is still wanted and the context still exists.
struct RedisConnection::Events : std::enable_shared_from_this<RedisConnection::Events> {
  Events(boost::asio::io_context& io, int fd, RedisConnection& owner_in) : descriptor(io, fd), owner(owner_in) {}

  boost::asio::posix::stream_descriptor descriptor;
  RedisConnection& owner;
  redisAsyncContext* context = nullptr;
  bool want_read = false;
  bool want_write = false;
  bool reading = false;
  bool writing = false;

  void arm_read() {
    if (reading || !want_read || context == nullptr) return;
    reading = true;
    descriptor.async_wait(boost::asio::posix::stream_descriptor::wait_read,
                          [self = shared_from_this()](const boost::system::error_code& error) {
                            self->reading = false;
                            if (error || self->context == nullptr || !self->want_read) return;
                            redisAsyncHandleRead(self->context);
                            self->arm_read();
                          });
  }
  void arm_write() {
    if (writing || !want_write || context == nullptr) return;
    writing = true;
    descriptor.async_wait(boost::asio::posix::stream_descriptor::wait_write,
                          [self = shared_from_this()](const boost::system::error_code& error) {
                            self->writing = false;
                            if (error || self->context == nullptr || !self->want_write) return;
                            redisAsyncHandleWrite(self->context);
                            self->arm_write();
                          });
  }

  static Events& of(void* data) { return *static_cast<Events*>(data); }
  static void add_read(void* data) {
    of(data).want_read = true;
    of(data).arm_read();
  }
  static void del_read(void* data) { of(data).want_read = false; }
  static void add_write(void* data) {
    of(data).want_write = true;
    of(data).arm_write();
  }
  static void del_write(void* data) { of(data).want_write = false; }
  // hiredis frees the context right after this (and closes the socket itself): let go of the
  // descriptor without closing it, and tell the owner.
  static void cleanup(void* data) {
    Events& events = of(data);
    events.context = nullptr;
    events.want_read = events.want_write = false;
    events.descriptor.release();  // cancels the pending waits
    events.owner.gone(events.owner.last_error_.empty() ? "connection closed" : events.owner.last_error_);
  }
};

struct RedisConnection::PendingReply {
  ReplyHandler handler;
  bool persistent = false;
};

RedisConnection::RedisConnection(boost::asio::io_context& context, RedisAddress address, std::string password,
                                 std::string name, Handlers handlers)
    : io_(context),
      address_(std::move(address)),
      password_(std::move(password)),
      name_(std::move(name)),
      handlers_(std::move(handlers)),
      retry_timer_(context),
      connect_timer_(context) {}

RedisConnection::~RedisConnection() { stop(); }

void RedisConnection::start() {
  if (running_) return;
  running_ = true;
  connect();
}

void RedisConnection::stop() {
  running_ = false;
  retry_timer_.cancel();
  connect_timer_.cancel();
  if (context_ != nullptr) redisAsyncFree(context_);  // runs cleanup(), which calls gone()
}

void RedisConnection::connect() {
  if (!running_ || context_ != nullptr) return;
  last_error_.clear();
  redisAsyncContext* context = address_.unix_path.empty()
                                   ? redisAsyncConnect(address_.tcp.address.to_string().c_str(), address_.tcp.port)
                                   : redisAsyncConnectUnix(address_.unix_path.c_str());
  if (context == nullptr) return schedule_retry("out of memory");
  if (context->err != 0) {
    std::string why = context->errstr;
    redisAsyncFree(context);  // no hooks attached yet: nothing calls back
    return schedule_retry(std::move(why));
  }
  context_ = context;
  context->data = this;
  events_ = std::make_shared<Events>(io_, context->c.fd, *this);
  events_->context = context;
  context->ev.data = events_.get();
  context->ev.addRead = &Events::add_read;
  context->ev.delRead = &Events::del_read;
  context->ev.addWrite = &Events::add_write;
  context->ev.delWrite = &Events::del_write;
  context->ev.cleanup = &Events::cleanup;
  redisAsyncSetConnectCallback(context, &RedisConnection::on_connect);
  redisAsyncSetDisconnectCallback(context, &RedisConnection::on_disconnect);
  if (!password_.empty()) {
    // Queued now, written first once connected; a refusal closes the link (and it retries).
    auto* auth = new PendingReply{[this](const redisReply* reply) {
      if (reply != nullptr && reply->type == REDIS_REPLY_ERROR && context_ != nullptr) {
        last_error_ = std::string("AUTH refused: ") + reply->str;
        redisAsyncDisconnect(context_);
      }
    }};
    const char* argv[] = {"AUTH", password_.data()};
    const std::size_t lengths[] = {4, password_.size()};
    if (redisAsyncCommandArgv(context, &RedisConnection::on_reply, auth, 2, argv, lengths) != REDIS_OK) delete auth;
  }
  // A peer that never answers the SYN (a firewall dropping it) would keep the TCP connect
  // pending for minutes; give up after 2 s and retry with back-off instead.
  connect_timer_.expires_after(std::chrono::seconds(2));
  connect_timer_.async_wait([this](const boost::system::error_code& error) {
    if (error || context_ == nullptr || connected_) return;
    last_error_ = "connect timed out";
    redisAsyncFree(context_);
  });
}

void RedisConnection::on_connect(const redisAsyncContext* context, int status) {
  auto& self = *static_cast<RedisConnection*>(context->data);
  if (status != REDIS_OK) {
    self.last_error_ = context->errstr;  // hiredis frees the context next (cleanup -> gone)
    return;
  }
  self.connect_timer_.cancel();
  if (self.address_.unix_path.empty()) detect_silent_loss(context->c.fd);
  self.connected_ = true;
  self.backoff_ = std::chrono::milliseconds(100);
  if (self.handlers_.connected) self.handlers_.connected();
}

void RedisConnection::on_disconnect(const redisAsyncContext* context, int status) {
  auto& self = *static_cast<RedisConnection*>(context->data);
  if (status != REDIS_OK && self.last_error_.empty()) self.last_error_ = context->errstr;
  // cleanup() has already told the owner (hiredis calls it first).
}

void RedisConnection::gone(std::string why) {
  context_ = nullptr;
  connected_ = false;
  connect_timer_.cancel();
  // Not subscriptions_.clear(): this runs inside hiredis' free, after the last callback; the
  // handlers go with the next connect or with this object.
  if (!running_) return;
  if (handlers_.lost) handlers_.lost(why);
  schedule_retry(std::move(why));
}

void RedisConnection::schedule_retry(std::string why) {
  if (!running_) return;
  last_error_ = std::move(why);
  retry_timer_.expires_after(backoff_);
  backoff_ = std::min(backoff_ * 2, std::chrono::milliseconds(5000));
  retry_timer_.async_wait([this](const boost::system::error_code& error) {
    if (error) return;
    subscriptions_.clear();  // their context is gone
    connect();
  });
}

bool RedisConnection::command(std::initializer_list<std::string_view> args, ReplyHandler reply) {
  if (!connected_ || context_ == nullptr) return false;
  std::vector<const char*> argv;
  std::vector<std::size_t> lengths;
  argv.reserve(args.size());
  lengths.reserve(args.size());
  for (auto arg : args) {
    argv.push_back(arg.data());
    lengths.push_back(arg.size());
  }
  const bool persistent = args.size() > 0 && (*args.begin() == "SUBSCRIBE" || *args.begin() == "PSUBSCRIBE");
  auto pending = std::make_unique<PendingReply>(PendingReply{std::move(reply), persistent});
  if (redisAsyncCommandArgv(context_, &RedisConnection::on_reply, pending.get(), static_cast<int>(argv.size()),
                            argv.data(), lengths.data()) != REDIS_OK)
    return false;
  if (persistent) subscriptions_.push_back(std::move(pending));
  else pending.release();  // on_reply frees it
  return true;
}

void RedisConnection::on_reply(redisAsyncContext* /*context*/, void* reply, void* privdata) {
  auto* pending = static_cast<PendingReply*>(privdata);
  if (pending->persistent) {
    if (pending->handler) pending->handler(static_cast<const redisReply*>(reply));
    return;
  }
  std::unique_ptr<PendingReply> owned(pending);
  if (owned->handler) owned->handler(static_cast<const redisReply*>(reply));
}

}  // namespace iceway::signaling::cluster
