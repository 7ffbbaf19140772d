#pragma once
// Drives the signaling Dispatcher with fuzzer bytes, as the I/O layer would: three clients of one
// protocol connect, then the input is cut at '\n' into events. An event's first byte picks the
// client (low 2 bits) and what happens (next bits): a text frame (the rest of the event), a
// close, a reconnect with the rest as the URL, or time passing. Invariants checked after every
// event: every frame the core emits is valid JSON, and it only addresses connections that exist
// or existed.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "signal/dispatcher.hpp"

namespace iceway::signaling::fuzz {

class FixedIceServers final : public IceServersProvider {
 public:
  nlohmann::json ice_servers(std::string_view peer_id, UnixSeconds) override {
    return nlohmann::json::array({{{"urls", "turn:x"}, {"username", std::string(peer_id)}}});
  }
  std::chrono::seconds ttl() const override { return std::chrono::seconds(60); }
};

class CountingRandom final : public RandomSource {
 public:
  void fill(std::span<std::byte> out) override {
    for (auto& b : out) b = std::byte(next_++);
  }

 private:
  std::uint8_t next_ = 0;
};

inline void check(const Outbox& out, const std::set<ConnectionId>& known) {
  for (const auto& delivery : out.deliveries) {
    if (!known.contains(delivery.to)) __builtin_trap();
    if (!nlohmann::json::accept(*delivery.frame)) __builtin_trap();
  }
  for (const auto& close : out.closes) {
    if (!known.contains(close.connection)) __builtin_trap();
  }
}

inline void drive(Protocol protocol, const char* const urls[3], const std::uint8_t* data, std::size_t size,
                  std::vector<JsonProfile> profiles = {}) {
  Settings settings;
  settings.json_profiles = std::move(profiles);
  settings.token_secret = "fuzz";
  settings.max_frame_bytes = 4096;
  settings.max_json_depth = 16;
  settings.max_rooms_per_connection = 4;
  settings.max_peers_per_room = 3;
  settings.peerjs_queue_per_peer = 4;
  settings.peerjs_queue_total_bytes = 4096;
  settings.message_burst = 1000;
  FixedIceServers ice_servers;
  CountingRandom random;
  Counters counters;
  Dispatcher dispatcher(settings, ice_servers, random, counters);
  TimePoint now = TimePoint{} + std::chrono::hours(1);
  const IpAddress remote = *IpAddress::parse("192.0.2.1");

  std::set<ConnectionId> known;
  ConnectionId next_id = 1;
  ConnectionId clients[3] = {};
  for (int i = 0; i < 3; ++i) {
    clients[i] = next_id++;
    known.insert(clients[i]);
    check(dispatcher.open(clients[i], protocol, urls[i], remote, now, 1'700'000'000), known);
  }

  std::string_view input(reinterpret_cast<const char*>(data), size);
  while (!input.empty()) {
    const auto newline = input.find('\n');
    std::string_view event = input.substr(0, newline);
    input = newline == std::string_view::npos ? std::string_view{} : input.substr(newline + 1);
    if (event.empty()) continue;
    const auto selector = static_cast<std::uint8_t>(event.front());
    const std::string_view rest = event.substr(1);
    const int who = selector & 0x03;
    const ConnectionId id = clients[who % 3];
    switch ((selector >> 2) & 0x07) {
      case 0:
        check(dispatcher.closed(id, now), known);
        break;
      case 1: {
        check(dispatcher.closed(id, now), known);
        clients[who % 3] = next_id++;
        known.insert(clients[who % 3]);
        check(dispatcher.open(clients[who % 3], protocol, rest, remote, now, 1'700'000'000), known);
        break;
      }
      case 2:
        now += std::chrono::milliseconds(static_cast<std::uint8_t>(rest.empty() ? 0 : rest.front()) * 500);
        check(dispatcher.expire(now), known);
        break;
      default:
        check(dispatcher.message(id, rest, now), known);
        break;
    }
  }
  check(dispatcher.close_all(1001, "done", now), known);
  if (dispatcher.registry().connection_count() != 0) __builtin_trap();
  if (counters.rooms_active.value() != 0) __builtin_trap();
}

}  // namespace iceway::signaling::fuzz
