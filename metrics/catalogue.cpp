#include "metrics/catalogue.hpp"

#include <array>
#include <cassert>

namespace iceway::metrics {
namespace {

constexpr std::array<std::string_view, 0> kNoLabels{};
constexpr std::array<std::string_view, 2> kBuildLabels{"version", "revision"};
constexpr std::array<std::string_view, 3> kStunLabels{"transport", "method", "result"};
constexpr std::array<std::string_view, 2> kTransportFamily{"transport", "family"};
constexpr std::array<std::string_view, 1> kResult{"result"};
constexpr std::array<std::string_view, 1> kTransport{"transport"};
constexpr std::array<std::string_view, 1> kDirection{"direction"};
constexpr std::array<std::string_view, 1> kReason{"reason"};
constexpr std::array<std::string_view, 1> kProtocol{"protocol"};
constexpr std::array<std::string_view, 2> kProtocolType{"protocol", "type"};
constexpr std::array<std::string_view, 1> kCode{"code"};

constexpr MetricType counter = MetricType::counter;
constexpr MetricType gauge = MetricType::gauge;

const std::array<MetricInfo, kMetricCount> kCatalogue{{
    {MetricId::build_info, "iceway_build_info", gauge,
     "Always 1; the labels carry the iceway version and git revision.", kBuildLabels},
    {MetricId::stun_requests, "iceway_stun_requests_total", counter,
     "STUN/TURN requests, by client transport, method and result: success or error as answered "
     "(the 401 challenge of long-term credentials counts as error), or rate_limited when the "
     "source's budget for unauthenticated answers was spent and nothing was sent.",
     kStunLabels},
    {MetricId::turn_allocations_active, "iceway_turn_allocations_active", gauge,
     "TURN allocations alive now, by client transport and relayed address family.", kTransportFamily},
    {MetricId::turn_allocations_limit, "iceway_turn_allocations_limit", gauge,
     "The configured turn.max_allocations; allocations beyond it are refused (508).", kNoLabels},
    {MetricId::turn_allocations, "iceway_turn_allocations_total", counter,
     "TURN Allocate outcomes: success, the error code answered, or challenge (a 401 to a request "
     "without credentials, the normal first round trip).",
     kResult},
    {MetricId::turn_relay_bytes, "iceway_turn_relay_bytes_total", counter,
     "Application payload bytes relayed, by direction (client_to_peer, peer_to_client).", kDirection},
    {MetricId::turn_relay_packets, "iceway_turn_relay_packets_total", counter,
     "Datagrams relayed, by direction (client_to_peer, peer_to_client).", kDirection},
    {MetricId::turn_relay_dropped_packets, "iceway_turn_relay_dropped_packets_total", counter,
     "Datagrams of data not relayed, by reason: no_permission (for the peer), bandwidth (over "
     "turn.bandwidth_per_allocation), no_allocation (from a client without one, or for one just "
     "ended), detached (the allocation's client is away: mobility), malformed (ChannelData).",
     kReason},
    {MetricId::turn_permissions_active, "iceway_turn_permissions_active", gauge,
     "TURN permissions installed now, over all allocations.", kNoLabels},
    {MetricId::turn_channels_active, "iceway_turn_channels_active", gauge,
     "TURN channels bound now, over all allocations.", kNoLabels},
    {MetricId::turn_peer_denied, "iceway_turn_peer_denied_total", counter,
     "Peer addresses refused by the peer policy (CreatePermission, ChannelBind, Send), by the rule "
     "that refused them.",
     kReason},
    {MetricId::auth_failures, "iceway_auth_failures_total", counter,
     "TURN credentials refused, by reason (the first unauthenticated request's challenge and an "
     "expired nonce are not failures).",
     kReason},
    {MetricId::turn_stream_clients_active, "iceway_turn_stream_clients_active", gauge,
     "TURN clients' TCP and TLS connections and DTLS sessions open now (TLS from accept and DTLS from "
     "the cookie's return, handshake included), by transport.",
     kTransport},
    {MetricId::turn_stream_closed, "iceway_turn_stream_closed_total", counter,
     "TURN clients' TCP and TLS connections the server refused at accept (a cap) or closed (a "
     "deadline or a bad frame), by reason.",
     kReason},
    {MetricId::turn_stale_nonces, "iceway_turn_stale_nonces_total", counter,
     "438 Stale Nonce answers to a nonce that expired: the normal renewal every allocation older "
     "than auth.nonce_lifetime goes through, not a failure.",
     kNoLabels},
    {MetricId::turn_udp_send_dropped, "iceway_turn_udp_send_dropped_total", counter,
     "UDP datagrams the kernel refused to send (a full socket send buffer, an unreachable "
     "destination): answers and relayed datagrams that never reached the wire. Rising under "
     "load: the kernel caps the 4 MiB send buffer iceway asks for at net.core.wmem_max.",
     kNoLabels},
    {MetricId::turn_udp_gso_messages, "iceway_turn_udp_gso_messages_total", counter,
     "UDP GSO messages sent (UDP_SEGMENT: several datagrams to one destination in one trip down "
     "the kernel's stack); stays 0 where the device cannot segment.",
     kNoLabels},
    {MetricId::turn_udp_receive_dropped, "iceway_turn_udp_receive_dropped_total", counter,
     "UDP datagrams the kernel dropped before iceway read them: a STUN/TURN listener's or relay "
     "socket's receive buffer was full (read from the kernel within a second; a silent relay "
     "socket's at its end). Rising under load: the workers cannot keep "
     "up, or the kernel caps the 4 MiB receive buffer iceway asks for at net.core.rmem_max.",
     kNoLabels},
    {MetricId::signal_connections_active, "iceway_signal_connections_active", gauge,
     "Signaling WebSocket connections open now, by protocol.", kProtocol},
    {MetricId::signal_messages, "iceway_signal_messages_total", counter,
     "Signaling messages received from clients, by protocol and message type (invalid = "
     "unparseable or unknown).",
     kProtocolType},
    {MetricId::signal_rooms_active, "iceway_signal_rooms_active", gauge,
     "Signaling rooms (and y-webrtc topics) with at least one member now.", kNoLabels},
    {MetricId::signal_errors, "iceway_signal_errors_total", counter,
     "Signaling requests refused, by error code as sent to the client.", kCode},
    {MetricId::cluster_redis_connected, "iceway_cluster_redis_connected", gauge,
     "1 while this node's Redis connections ([cluster]) are up, 0 while Redis is unreachable (local signaling goes on).", kNoLabels},
    {MetricId::cluster_redis_losses, "iceway_cluster_redis_losses_total", counter,
     "Times Redis became unreachable (each outage once, however many reconnects fail).", kNoLabels},
    {MetricId::cluster_messages_sent, "iceway_cluster_messages_sent_total", counter,
     "Signaling frames published for peers on other nodes (one per receiving node).", kNoLabels},
    {MetricId::cluster_messages_received, "iceway_cluster_messages_received_total", counter,
     "Signaling frames received from other nodes for peers on this one.", kNoLabels},
    {MetricId::cluster_publish_dropped, "iceway_cluster_publish_dropped_total", counter,
     "Cluster messages dropped because the bounded buffer towards Redis (cluster.publish_buffer) was full.", kNoLabels},
    {MetricId::cluster_bus_refused, "iceway_cluster_bus_refused_total", counter,
     "Messages on the cluster's Redis channels that were not valid iceway bus messages.", kNoLabels},
    {MetricId::cluster_nodes, "iceway_cluster_nodes", gauge,
     "Other iceway nodes present now (heard from within three of their heartbeats).", kNoLabels},
    {MetricId::cluster_remote_peers, "iceway_cluster_remote_peers", gauge,
     "Peer ids held on other nodes now, as this node's presence knows them.", kNoLabels},
    {MetricId::config_last_reload_success, "iceway_config_last_reload_success", gauge,
     "1 when the last configuration load (the start, or the last SIGHUP) was applied, 0 when it was "
     "refused and the server still runs the configuration before it.",
     kNoLabels},
    {MetricId::config_last_reload_timestamp_seconds, "iceway_config_last_reload_timestamp_seconds", gauge,
     "Unix time of the last configuration load, applied or refused.", kNoLabels},
    {MetricId::tls_certificate_expiry_timestamp_seconds, "iceway_tls_certificate_expiry_timestamp_seconds", gauge,
     "Unix time at which the served TLS certificate (the leaf of tls.cert) expires; read at start and "
     "on every reload. Absent while TLS is off.",
     kNoLabels},
    {MetricId::process_cpu_seconds, "process_cpu_seconds_total", counter,
     "Total user and system CPU time spent in seconds.", kNoLabels},
    {MetricId::process_resident_memory_bytes, "process_resident_memory_bytes", gauge,
     "Resident memory size in bytes.", kNoLabels},
    {MetricId::process_virtual_memory_bytes, "process_virtual_memory_bytes", gauge,
     "Virtual memory size in bytes.", kNoLabels},
    {MetricId::process_open_fds, "process_open_fds", gauge, "Number of open file descriptors.", kNoLabels},
    {MetricId::process_max_fds, "process_max_fds", gauge,
     "Maximum number of open file descriptors (the soft limit).", kNoLabels},
    {MetricId::process_start_time_seconds, "process_start_time_seconds", gauge,
     "Start time of the process since unix epoch in seconds.", kNoLabels},
}};

}  // namespace

std::span<const MetricInfo> catalogue() { return kCatalogue; }

const MetricInfo& metric_info(MetricId id) {
  assert(kCatalogue[index(id)].id == id);  // the table is written in MetricId order
  return kCatalogue[index(id)];
}

const MetricInfo* find_metric(std::string_view name) {
  for (const MetricInfo& info : kCatalogue) {
    if (info.name == name) return &info;
  }
  return nullptr;
}

std::string_view family_label(AddressFamily family) {
  return family == AddressFamily::ipv4 ? "ipv4" : "ipv6";
}

}  // namespace iceway::metrics
