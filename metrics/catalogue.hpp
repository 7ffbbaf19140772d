#pragma once
// The catalogue: the one place that names every metric iceway exports (SPEC §7), with its
// help text, type and label names. The collector builds its output from this table only,
// the tests check the exposition against it, and the dashboard test checks that every
// Grafana query names a metric listed here.
//
// Label VALUES are not spelled here: they come from the tables of the cores that count
// (turn::kMethodLabels, turn::kAuthFailureLabels, turn::kDirectionLabels, turn::label,
// stun::metric_label, signaling::to_string, signaling::message_type_labels, iceway::to_string
// for the transport), so the counter, its log line and its label cannot drift apart. The
// few values below name positions of turn::TurnCounters that the core left unnamed.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "common/endpoint.hpp"

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
  turn_stream_clients_active,
  turn_stream_closed,
  turn_stale_nonces,
  turn_udp_send_dropped,
  turn_udp_gso_messages,
  turn_udp_receive_dropped,
  signal_connections_active,
  signal_messages,
  signal_rooms_active,
  signal_errors,
  cluster_redis_connected,
  cluster_redis_losses,
  cluster_messages_sent,
  cluster_messages_received,
  cluster_publish_dropped,
  cluster_bus_refused,
  cluster_nodes,
  cluster_remote_peers,
  config_last_reload_success,
  config_last_reload_timestamp_seconds,
  tls_certificate_expiry_timestamp_seconds,
  process_cpu_seconds,
  process_resident_memory_bytes,
  process_virtual_memory_bytes,
  process_open_fds,
  process_max_fds,
  process_start_time_seconds,
};
inline constexpr std::size_t kMetricCount = 39;

constexpr std::size_t index(MetricId id) noexcept { return static_cast<std::size_t>(id); }

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

// --- Label values for the positions of turn::TurnCounters that carry no name of their own.

// iceway_stun_requests_total{result}: TurnCounters::requests[transport][method][result], in
// turn::RequestResult order.
inline constexpr std::array<std::string_view, 3> kRequestResultLabels{"success", "error", "rate_limited"};
// iceway_turn_allocations_total{result}: allocations_succeeded, then stun::metric_label of each
// turn::kTurnErrorCodes entry (allocations_failed), then `challenges`: the 401 answered to a
// request without credentials, the normal first round trip of long-term credentials.
inline constexpr std::string_view kAllocationSuccessLabel = "success";
inline constexpr std::string_view kAllocationChallengeLabel = "challenge";
// iceway_turn_relay_dropped_packets_total{reason}: relay_dropped_no_permission, _bandwidth,
// _no_allocation, _detached, _malformed, in that order.
inline constexpr std::array<std::string_view, 5> kDropReasonLabels{"no_permission", "bandwidth", "no_allocation",
                                                                   "detached", "malformed"};
// iceway_turn_allocations_active{transport,family}: every transport and family, in the order
// of TurnCounters::allocations_active ([Transport][family - 1]).
inline constexpr std::array<Transport, 4> kTransports{Transport::udp, Transport::tcp, Transport::tls,
                                                     Transport::dtls};
inline constexpr std::array<AddressFamily, 2> kFamilies{AddressFamily::ipv4, AddressFamily::ipv6};
std::string_view family_label(AddressFamily family);  // "ipv4", "ipv6"
// iceway_turn_stream_clients_active{transport}: TurnCounters::stream_clients_active ([0] tcp,
// [1] tls, [2] dtls: a DTLS session is a client connection without a stream).
inline constexpr std::array<Transport, 3> kStreamTransports{Transport::tcp, Transport::tls, Transport::dtls};

}  // namespace iceway::metrics
