#include "signal/http/hub.hpp"

#include <algorithm>
#include <chrono>

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include "common/log_escape.hpp"

namespace iceway::signaling {
namespace {

UnixSeconds unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Hub::Hub(boost::asio::io_context& context, const Settings& settings, IceServersProvider& ice_servers,
         RandomSource& random, Counters& counters)
    : executor_(context.get_executor()),
      timer_(executor_),
      dispatcher_(settings, ice_servers, random, counters) {}

void Hub::start() {
  boost::asio::post(executor_, [self = shared_from_this()] {
    if (self->expiry_running_) return;  // start() for a second endpoint
    self->expiry_running_ = true;
    self->schedule_expiry();
  });
}

void Hub::stop() {
  boost::asio::post(executor_, [self = shared_from_this()] {
    self->expiry_running_ = false;
    self->timer_.cancel();
  });
}

void Hub::schedule_expiry() {
  timer_.expires_after(Dispatcher::kExpireInterval);
  timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (ec || !self->expiry_running_) return;
    auto out = self->dispatcher_.expire(Clock::now());
    self->apply(out);
    self->schedule_expiry();
  });
}

void Hub::open(ConnectionId id, std::weak_ptr<WebSocketSink> session, Protocol protocol, std::string target,
               IpAddress remote) {
  boost::asio::post(executor_, [self = shared_from_this(), id, session = std::move(session), protocol,
                              target = std::move(target), remote] {
    if (self->draining_) {
      if (auto sink = session.lock()) sink->close(close_code::going_away, "server shutting down");
      return;
    }
    self->sessions_.emplace(id, session);
    auto out = self->dispatcher_.open(id, protocol, target, remote, Clock::now(), unix_now());
    self->apply(out);
    if (const auto* connection = self->dispatcher_.registry().find(id)) {
      spdlog::info("signaling connect protocol={} connection={} peer={} remote={}", to_string(protocol), id,
                   log_escape(connection->peer_id), remote.to_string());
    }
  });
}

void Hub::message(ConnectionId id, std::string_view text, std::function<void()> done) {
  handle(id, text);
  done();
}

void Hub::handle(ConnectionId id, std::string_view text) {
  // No sink calls back into the Hub (hub.hpp), so out_ is never in use twice.
  out_.deliveries.clear();
  out_.closes.clear();
  dispatcher_.message(id, text, Clock::now(), out_);
  apply(out_);
  out_.deliveries.clear();  // the frames were moved out; drop the husks now
  out_.closes.clear();
}

void Hub::closed(ConnectionId id) {
  auto forget = [self = shared_from_this(), id] {
    self->sessions_.erase(id);
    if (const auto* connection = self->dispatcher_.registry().find(id)) {
      spdlog::info("signaling disconnect protocol={} connection={} peer={}", to_string(connection->protocol), id,
                   log_escape(connection->peer_id));
    }
    auto out = self->dispatcher_.closed(id, Clock::now());
    self->apply(out);
  };
  forget();
}

void Hub::peerjs_http(std::string path, std::function<void(std::optional<HttpReply>)> done) {
  boost::asio::post(executor_, [self = shared_from_this(), path = std::move(path), done = std::move(done)] {
    done(self->dispatcher_.peerjs_http(path));
  });
}

void Hub::close_all(std::uint16_t code, std::string reason) {
  boost::asio::post(executor_, [self = shared_from_this(), code, reason = std::move(reason)] {
    self->draining_ = true;
    auto out = self->dispatcher_.close_all(code, reason, Clock::now());
    self->apply(out);
    // Sessions whose open() the core refused or never saw are closed too.
    for (auto& [id, session] : self->sessions_) {
      if (auto sink = session.lock()) sink->close(code, reason);
    }
  });
}

std::size_t Hub::disconnect_peer(std::string_view peer_id) {
  auto out = dispatcher_.disconnect_peer(peer_id, Clock::now());
  const std::size_t closed = out.closes.size();
  apply(out);
  return closed;
}

void Hub::update_settings(const Settings& settings) {
  boost::asio::post(executor_, [self = shared_from_this(), settings] { self->dispatcher_.update_settings(settings); });
}

void Hub::remote(std::span<const cluster::RemoteEvent> events) {
  if (events.empty()) return;
  Outbox out;
  dispatcher_.remote(events, Clock::now(), out);
  apply(out);
}

void Hub::apply(Outbox& out) {
  // Frames for one session are handed over in one call, in the Outbox's order; a broadcast to N
  // peers is N calls. One delivery (a relayed frame, the common case) needs no grouping at all.
  auto& deliveries = out.deliveries;
  auto hand_over = [&](ConnectionId to, std::span<Frame> frames) {
    auto session = sessions_.find(to);
    if (session == sessions_.end()) return;
    if (auto sink = session->second.lock()) sink->deliver(frames);
  };
  if (deliveries.size() == 1) {
    hand_over(deliveries[0].to, std::span<Frame>(&deliveries[0].frame, 1));
  } else if (!deliveries.empty()) {
    // A stable sort by receiver keeps each receiver's frames in order.
    order_.resize(deliveries.size());
    for (std::size_t i = 0; i < order_.size(); ++i) order_[i] = i;
    std::stable_sort(order_.begin(), order_.end(),
                     [&](std::size_t a, std::size_t b) { return deliveries[a].to < deliveries[b].to; });
    for (std::size_t i = 0; i < order_.size();) {
      const ConnectionId to = deliveries[order_[i]].to;
      batch_.clear();
      for (; i < order_.size() && deliveries[order_[i]].to == to; ++i) batch_.push_back(std::move(deliveries[order_[i]].frame));
      hand_over(to, batch_);
    }
    batch_.clear();
  }
  for (auto& close : out.closes) {
    auto session = sessions_.find(close.connection);
    if (session == sessions_.end()) continue;
    if (auto sink = session->second.lock()) sink->close(close.code, std::move(close.reason));
  }
}

}  // namespace iceway::signaling
