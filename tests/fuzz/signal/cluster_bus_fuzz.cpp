// What arrives from Redis ([cluster]): any text on the bus, line by line, into a node's cluster
// core (presence, claims, frames, expiry as time passes) and into the Socket.IO emit decoder.
// Whatever a peer node or anyone with access to Redis publishes must not crash a node, and
// every message that decodes encodes back to itself.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "signal/cluster/bus_message.hpp"
#include "signal/cluster/cluster_core.hpp"
#include "signal/socketio/socketio_cluster_link.hpp"

using namespace iceway;
using namespace iceway::signaling;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  cluster::ClusterCounters counters;
  cluster::ClusterCore core("node-b", std::chrono::seconds(1), counters);
  // This node holds something, so conflicts, deliveries and departures have targets.
  core.claimed(Protocol::native, "alice");
  core.joined(Protocol::native, "room", "alice");
  core.claimed(Protocol::socketio, "/socket.io/#n:alice");
  TimePoint now = TimePoint{} + std::chrono::hours(1);
  std::vector<cluster::RemoteEvent> events;
  std::size_t start = 0;
  while (start <= input.size()) {
    const std::size_t end = std::min(input.find('\n', start), input.size());
    const std::string_view line = input.substr(start, end - start);
    start = end + 1;

    if (auto decoded = cluster::decode(line)) {
      const std::string once = cluster::encode(decoded.value());
      auto again = cluster::decode(once);
      if (!again || cluster::encode(again.value()) != once) __builtin_trap();
    }
    if (auto emit = socketio::SocketIoClusterLink::decode(line)) {
      const std::string once = socketio::SocketIoClusterLink::encode(*emit);
      auto again = socketio::SocketIoClusterLink::decode(once);
      if (!again || again->event != emit->event || again->arguments != emit->arguments ||
          again->attachments != emit->attachments || again->except != emit->except) {
        __builtin_trap();
      }
    }
    core.receive(line, now, events);
    now += std::chrono::milliseconds(700);
    core.expire(now, events);
    // Presence is soft state: after three of the longest heartbeat a state may claim, every
    // silent node is gone with all it held.
    if (line.empty()) {
      now += 3 * cluster::kMaxHeartbeat + std::chrono::seconds(1);
      events.clear();
      core.expire(now, events);
      if (core.node_count() != 0 || core.remote_peer_count() != 0) __builtin_trap();
    }
    events.clear();
  }
  return 0;
}
