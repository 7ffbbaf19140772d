#pragma once
// Signaling counters for SPEC §7 (iceway_signal_connections_active{protocol},
// iceway_signal_messages_total{protocol,type}, iceway_signal_errors_total{code},
// iceway_signal_rooms_active). The registry's owner thread writes them; the I/O layer adds the
// slow-reader, idle-timeout and origin-not-allowed errors. Relaxed atomics: a scrape from the metrics thread reads without a data race
// and without slowing the writer, and needs no ordering with other memory.
#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "signal/cluster/cluster_counters.hpp"
#include "signal/errors.hpp"
#include "signal/protocol.hpp"

namespace iceway::signaling {

class Counter {
 public:
  void add(std::uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  std::uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

class Gauge {
 public:
  void increment() { value_.fetch_add(1, std::memory_order_relaxed); }
  void decrement() { value_.fetch_sub(1, std::memory_order_relaxed); }
  std::int64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::int64_t> value_{0};
};

// Message types counted per protocol: the inbound client messages, by their type. Labels come
// from these fixed tables (never from the client's text), so cardinality stays bounded; anything
// unparseable or unknown counts as "invalid".
inline constexpr std::size_t kMaxMessageTypes = 8;

namespace native_type {
enum : std::size_t { join, leave, signal, broadcast, ping, invalid, count };
}
namespace peerjs_type {
enum : std::size_t { heartbeat, offer, answer, candidate, leave, expire, invalid, count };
}
namespace relay_type {
enum : std::size_t { message, ping, invalid, count };
}
namespace yjs_type {
enum : std::size_t { subscribe, unsubscribe, publish, ping, invalid, count };
}
// Engine.IO message packets from Socket.IO clients (and the Engine.IO echo endpoint).
namespace socketio_type {
enum : std::size_t { message, count };
}
// Messages on the JSON app profiles' paths (signal/profiles/).
namespace profile_type {
enum : std::size_t { message, invalid, count };
}

std::span<const std::string_view> message_type_labels(Protocol protocol);

struct Counters {
  std::array<Gauge, kProtocolCount> connections_active;
  std::array<std::array<Counter, kMaxMessageTypes>, kProtocolCount> messages;
  std::array<Counter, kErrorCodeCount> errors;
  Gauge rooms_active;  // native rooms and y-webrtc topics with at least one member
  cluster::ClusterCounters cluster;  // [cluster] only; zero otherwise

  void count_message(Protocol protocol, std::size_t type) { messages[index(protocol)][type].add(); }
  void count_error(ErrorCode code) { errors[index(code)].add(); }
  std::uint64_t message_count(Protocol protocol, std::size_t type) const {
    return messages[index(protocol)][type].value();
  }
  std::uint64_t error_count(ErrorCode code) const { return errors[index(code)].value(); }
};

}  // namespace iceway::signaling
