#include "signal/http/hub.hpp"

#include <chrono>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

namespace iceway::signaling {
namespace {

UnixSeconds unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Hub::Hub(boost::asio::io_context& context, const Settings& settings, IceServersProvider& ice_servers,
         RandomSource& random, Counters& counters)
    : strand_(boost::asio::make_strand(context)),
      timer_(strand_),
      dispatcher_(settings, ice_servers, random, counters) {}

void Hub::start() {
  boost::asio::post(strand_, [self = shared_from_this()] {
    if (self->expiry_running_) return;  // start() for a second endpoint
    self->expiry_running_ = true;
    self->schedule_expiry();
  });
}

void Hub::stop() {
  boost::asio::post(strand_, [self = shared_from_this()] {
    self->expiry_running_ = false;
    self->timer_.cancel();
  });
}

void Hub::schedule_expiry() {
  timer_.expires_after(Dispatcher::kExpireInterval);
  timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (ec || !self->expiry_running_) return;
    self->apply(self->dispatcher_.expire(Clock::now()));
    self->schedule_expiry();
  });
}

void Hub::open(ConnectionId id, std::weak_ptr<WebSocketSink> session, Protocol protocol, std::string target,
               IpAddress remote) {
  boost::asio::post(strand_, [self = shared_from_this(), id, session = std::move(session), protocol,
                              target = std::move(target), remote] {
    if (self->draining_) {
      if (auto sink = session.lock()) sink->close(close_code::going_away, "server shutting down");
      return;
    }
    self->sessions_.emplace(id, session);
    self->apply(self->dispatcher_.open(id, protocol, target, remote, Clock::now(), unix_now()));
    if (const auto* connection = self->dispatcher_.registry().find(id)) {
      spdlog::info("signaling connect protocol={} connection={} peer={} remote={}", to_string(protocol), id,
                   connection->peer_id, remote.to_string());
    }
  });
}

void Hub::message(ConnectionId id, std::string text, std::function<void()> done) {
  // dispatch: a session on the strand's own thread (app/server.cpp puts them there) has its
  // frame handled inline when the strand is free, instead of queued for a later turn.
  boost::asio::dispatch(strand_, [self = shared_from_this(), id, text = std::move(text), done = std::move(done)] {
    self->apply(self->dispatcher_.message(id, text, Clock::now()));
    done();
  });
}

void Hub::closed(ConnectionId id) {
  boost::asio::dispatch(strand_, [self = shared_from_this(), id] {
    self->sessions_.erase(id);
    std::string peer;
    Protocol protocol = Protocol::native;
    if (const auto* connection = self->dispatcher_.registry().find(id)) {
      peer = connection->peer_id;
      protocol = connection->protocol;
      spdlog::info("signaling disconnect protocol={} connection={} peer={}", to_string(protocol), id, peer);
    }
    self->apply(self->dispatcher_.closed(id, Clock::now()));
  });
}

void Hub::peerjs_http(std::string path, std::function<void(std::optional<HttpReply>)> done) {
  boost::asio::post(strand_, [self = shared_from_this(), path = std::move(path), done = std::move(done)] {
    done(self->dispatcher_.peerjs_http(path));
  });
}

void Hub::close_all(std::uint16_t code, std::string reason) {
  boost::asio::post(strand_, [self = shared_from_this(), code, reason = std::move(reason)] {
    self->draining_ = true;
    self->apply(self->dispatcher_.close_all(code, reason, Clock::now()));
    // Sessions whose open() the core refused or never saw are closed too.
    for (auto& [id, session] : self->sessions_) {
      if (auto sink = session.lock()) sink->close(code, reason);
    }
  });
}

void Hub::update_settings(const Settings& settings) {
  boost::asio::post(strand_, [self = shared_from_this(), settings] { self->dispatcher_.update_settings(settings); });
}

void Hub::apply(Outbox&& out) {
  // Group frames per session, keeping each session's order, so a broadcast to N peers is N
  // hand-overs rather than one per frame.
  std::vector<std::pair<ConnectionId, std::vector<Frame>>> batches;
  for (auto& delivery : out.deliveries) {
    auto batch = std::find_if(batches.begin(), batches.end(),
                              [&](const auto& entry) { return entry.first == delivery.to; });
    if (batch == batches.end()) {
      batches.push_back({delivery.to, {}});
      batch = std::prev(batches.end());
    }
    batch->second.push_back(std::move(delivery.frame));
  }
  for (auto& [id, frames] : batches) {
    auto session = sessions_.find(id);
    if (session == sessions_.end()) continue;
    if (auto sink = session->second.lock()) sink->deliver(std::move(frames));
  }
  for (auto& close : out.closes) {
    auto session = sessions_.find(close.connection);
    if (session == sessions_.end()) continue;
    if (auto sink = session->second.lock()) sink->close(close.code, std::move(close.reason));
  }
}

}  // namespace iceway::signaling
