#include "signal/cluster/cluster_service.hpp"

#include <boost/asio/post.hpp>
#include <hiredis/hiredis.h>
#include <spdlog/spdlog.h>

namespace iceway::signaling::cluster {
namespace {

// Expiry runs this many times per heartbeat, so a dead node is announced within a quarter
// heartbeat of its deadline rather than up to a whole one later.
constexpr unsigned kTicksPerHeartbeat = 4;

RedisAddress address_of(const ClusterSettings& settings) { return {settings.redis_tcp, settings.redis_unix_path}; }

}  // namespace

ClusterService::ClusterService(boost::asio::io_context& context, const ClusterSettings& settings,
                               ClusterCounters& counters)
    : io_(context),
      settings_(settings),
      counters_(counters),
      core_(settings.node_id, settings.heartbeat, counters),
      publisher_(context, address_of(settings), settings.password, "publish",
                 {[this] { link_up(); }, [this](const std::string& why) { link_lost(why); }}),
      subscriber_(context, address_of(settings), settings.password, "subscribe",
                  {[this] {
                     subscriber_.command({"SUBSCRIBE", kPresenceChannel, core_.own_channel()},
                                         [this](const redisReply* reply) { on_bus_reply(reply); });
                   },
                   [this](const std::string& why) {
                     subscribed_ = false;
                     link_lost(why);
                   }}),
      timer_(context) {}

ClusterService::~ClusterService() { stop(); }

void ClusterService::start() {
  if (running_) return;
  running_ = true;
  core_.set_wake([this] {
    if (flush_posted_) return;
    flush_posted_ = true;
    // After the event that produced them: everything one turn of the loop publishes goes
    // out together.
    boost::asio::post(io_, [this] {
      flush_posted_ = false;
      flush();
    });
  });
  for (ClusterMember* member : members_) member->attach_cluster(core_);
  spdlog::info("cluster: node {} joining through Redis at {}", core_.node_id(), settings_.redis);
  publisher_.start();
  subscriber_.start();
  tick();
}

void ClusterService::stop() {
  if (!running_) return;
  running_ = false;
  timer_.cancel();
  core_.set_wake(nullptr);
  publisher_.stop();
  subscriber_.stop();
}

void ClusterService::link_up() {
  if (up_ || !publisher_.connected() || !subscribed_) return;
  up_ = true;
  counters_.redis_connected.set(1);
  if (down_logged_) spdlog::info("cluster: Redis at {} is reachable again; resynchronising presence", settings_.redis);
  else spdlog::info("cluster: connected to Redis at {}", settings_.redis);
  down_logged_ = false;
  core_.publish_state();  // the others learn what this node holds now, not at the next heartbeat
  send_pending();
}

void ClusterService::link_lost(const std::string& why) {
  up_ = false;
  counters_.redis_connected.set(0);
  if (down_logged_) return;  // the retries of one outage are not news
  down_logged_ = true;
  counters_.redis_losses.add();
  spdlog::warn("cluster: Redis at {} is unreachable ({}); serving local peers only and retrying", settings_.redis, why);
}

void ClusterService::on_bus_reply(const redisReply* reply) {
  if (reply == nullptr || reply->type != REDIS_REPLY_ARRAY || reply->elements < 3) {
    if (reply != nullptr && reply->type == REDIS_REPLY_ERROR) spdlog::warn("cluster: SUBSCRIBE refused: {}", reply->str);
    return;
  }
  const redisReply* kind = reply->element[0];
  const std::string_view what(kind->str, kind->len);
  if (what == "subscribe") {
    // One answer per channel; the second means both are in place.
    if (reply->element[2]->integer == 2) {
      subscribed_ = true;
      link_up();
    }
    return;
  }
  if (what != "message") return;
  const redisReply* payload = reply->element[2];
  if (payload->type != REDIS_REPLY_STRING) return;
  events_.clear();
  core_.receive(std::string_view(payload->str, payload->len), Clock::now(), events_);
  deliver();
}

void ClusterService::deliver() {
  if (events_.empty()) return;
  for (ClusterMember* member : members_) member->remote(events_);
}

void ClusterService::tick() {
  if (!running_) return;
  events_.clear();
  if (ticks_++ % kTicksPerHeartbeat == 0 && up_) core_.heartbeat(Clock::now(), events_);
  else core_.expire(Clock::now(), events_);
  deliver();
  timer_.expires_after(settings_.heartbeat / kTicksPerHeartbeat);
  timer_.async_wait([this](const boost::system::error_code& error) {
    if (!error) tick();
  });
}

void ClusterService::flush() {
  for (auto& publish : core_.take_outgoing()) {
    const std::size_t size = publish.channel.size() + publish.payload.size();
    if (pending_bytes_ + in_flight_bytes_ + size > settings_.publish_buffer_bytes) {
      counters_.publish_dropped.add();
      continue;
    }
    pending_bytes_ += size;
    pending_.push_back(std::move(publish));
  }
  send_pending();
}

void ClusterService::send_pending() {
  // Only while this node also listens: an answer to what it publishes (a y-webrtc offer to a
  // peer that just announced itself here) comes back on its own channel, and one published
  // before its SUBSCRIBE is in place would be lost. Until then publishes wait in the buffer.
  while (!pending_.empty() && up_ && publisher_.connected()) {
    Publish& next = pending_.front();
    const std::size_t size = next.channel.size() + next.payload.size();
    const bool sent = publisher_.command({"PUBLISH", next.channel, next.payload}, [this](const redisReply*) {
      // Answered (or the link went away): either way no longer in hiredis' buffers.
      in_flight_bytes_ -= in_flight_.front();
      in_flight_.pop_front();
    });
    if (!sent) break;
    in_flight_.push_back(size);
    in_flight_bytes_ += size;
    pending_bytes_ -= size;
    pending_.pop_front();
  }
}

}  // namespace iceway::signaling::cluster
