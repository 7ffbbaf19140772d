#pragma once
// Shared fakes and a small harness for the signaling core's unit tests: time is a variable the
// test advances, randomness is a counter, iceServers are a fixed shape that shows the peer id
// and time they were made for.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "signal/counters.hpp"
#include "signal/dispatcher.hpp"
#include "signal/ice_servers.hpp"
#include "signal/json_text.hpp"
#include "signal/outbox.hpp"
#include "signal/random.hpp"
#include "signal/settings.hpp"

namespace iceway::signaling::testing {

class FakeIceServers final : public IceServersProvider {
 public:
  nlohmann::json ice_servers(std::string_view peer_id, UnixSeconds unix_now) override {
    return nlohmann::json::array(
        {{{"urls", "turn:turn.example.test:3478"},
          {"username", std::to_string(unix_now + ttl().count()) + ":" + std::string(peer_id)},
          {"credential", "secret-for-" + std::string(peer_id)}}});
  }
  std::chrono::seconds ttl() const override { return std::chrono::seconds(3600); }
  nlohmann::json public_ice_servers() override {
    return nlohmann::json::array({{{"urls", "stun:turn.example.test:3478"}}});
  }
};

// Deterministic bytes: 0, 1, 2, ... across calls.
class CountingRandom final : public RandomSource {
 public:
  void fill(std::span<std::byte> out) override {
    for (auto& b : out) b = std::byte(next_++);
  }

 private:
  std::uint8_t next_ = 0;
};

inline std::vector<Json> frames_for(const Outbox& out, ConnectionId id) {
  std::vector<Json> frames;
  for (const auto& delivery : out.deliveries) {
    if (delivery.to == id) frames.push_back(Json::parse(*delivery.frame));
  }
  return frames;
}

inline std::optional<CloseRequest> close_for(const Outbox& out, ConnectionId id) {
  for (const auto& close : out.closes) {
    if (close.connection == id) return close;
  }
  return std::nullopt;
}

// The single frame for `id`; fails the test if there is not exactly one.
inline Json only_frame(const Outbox& out, ConnectionId id) {
  auto frames = frames_for(out, id);
  EXPECT_EQ(frames.size(), 1u) << "frames for connection " << id;
  return frames.empty() ? Json() : frames.front();
}

inline IpAddress address(std::string_view text) { return *IpAddress::parse(text); }

class Harness {
 public:
  explicit Harness(Settings settings = {}) : settings_(std::move(settings)) {
    dispatcher_ = std::make_unique<Dispatcher>(settings_, ice_servers_, random_, counters_);
  }

  Outbox open(ConnectionId id, Protocol protocol, std::string_view target,
              const IpAddress& remote = address("192.0.2.1")) {
    return dispatcher_->open(id, protocol, target, remote, now, unix_now);
  }
  Outbox send(ConnectionId id, std::string_view text) { return dispatcher_->message(id, text, now); }
  Outbox send_json(ConnectionId id, const Json& message) { return send(id, std::string_view(message.dump())); }
  Outbox close(ConnectionId id) { return dispatcher_->closed(id, now); }
  // Moves time on and runs the timers, as the I/O layer's tick does.
  Outbox advance(Duration by) {
    now += by;
    unix_now += std::chrono::duration_cast<std::chrono::seconds>(by).count();
    return dispatcher_->expire(now);
  }

  Dispatcher& dispatcher() { return *dispatcher_; }
  const Registry& registry() const { return dispatcher_->registry(); }
  Counters& counters() { return counters_; }
  const Settings& settings() const { return settings_; }

  TimePoint now = TimePoint{} + std::chrono::hours(1);
  UnixSeconds unix_now = 1'700'000'000;

 private:
  Settings settings_;
  FakeIceServers ice_servers_;
  CountingRandom random_;
  Counters counters_;
  std::unique_ptr<Dispatcher> dispatcher_;
};

}  // namespace iceway::signaling::testing
