#pragma once
// The catalogue: the one place that names every metric iceway exports (SPEC §7), with its
// help text, type and label names, and the text of every label value. The collector builds
// its output from this table only, the tests check the exposition against it, and the
// dashboard test checks that every Grafana query names a metric listed here.
#include <cstdint>
#include <span>
#include <string_view>

#include "metrics/counters.hpp"

namespace iceway::metrics {

enum class MetricType : std::uint8_t { counter, gauge };

enum class MetricId : std::uint8_t {
  build_info,
  stun_requests,
  turn_allocations_active,
  turn_allocations_limit,
  turn_allocations,
  turn_relay_bytes,
  turn_relay_packets,
  turn_relay_dropped_packets,
  turn_permissions_active,
  turn_channels_active,
  turn_peer_denied,
  auth_failures,
  signal_connections_active,
  signal_messages,
  signal_rooms_active,
  signal_errors,
  process_cpu_seconds,
  process_resident_memory_bytes,
  process_virtual_memory_bytes,
  process_open_fds,
  process_max_fds,
  process_start_time_seconds,
};
inline constexpr std::size_t kMetricCount = 22;

struct MetricInfo {
  MetricId id;
  std::string_view name;
  MetricType type;
  std::string_view help;
  std::span<const std::string_view> labels;  // label names, in exposition order
};

// Every metric, in MetricId order (catalogue()[index(id)].id == id).
std::span<const MetricInfo> catalogue();
const MetricInfo& metric_info(MetricId id);
// The entry named `name` (without a _bucket/_sum suffix: we export none), or nullptr.
const MetricInfo* find_metric(std::string_view name);

// Label value texts. Snake case throughout, except signaling error codes, which are the
// wire codes of SPEC §6 ("peer-unavailable") so the error a client sees, the log line and
// the metric agree.
std::string_view label_value(Transport value);
std::string_view label_value(Family value);
std::string_view label_value(StunMethod value);
std::string_view label_value(StunResult value);
std::string_view label_value(AllocationResult value);
std::string_view label_value(Direction value);
std::string_view label_value(DropReason value);
std::string_view label_value(AuthFailure value);
std::string_view label_value(SignalProtocol value);
std::string_view label_value(SignalMessage value);
std::string_view label_value(SignalError value);

// The message types each signaling protocol defines: these series are exported from the
// first scrape at 0; any other (protocol, type) pair appears once it is counted.
std::span<const SignalMessage> message_types(SignalProtocol protocol);

}  // namespace iceway::metrics
