#include "metrics/catalogue.hpp"

#include <array>
#include <cassert>

#include "common/endpoint.hpp"

namespace iceway::metrics {
namespace {

// counters.hpp converts by value; these keep the two enum orders in step.
static_assert(label_of(iceway::Transport::udp) == Transport::udp);
static_assert(label_of(iceway::Transport::tcp) == Transport::tcp);
static_assert(label_of(iceway::Transport::tls) == Transport::tls);
static_assert(label_of(iceway::AddressFamily::ipv4) == Family::ipv4);
static_assert(label_of(iceway::AddressFamily::ipv6) == Family::ipv6);

constexpr std::array<std::string_view, 0> kNoLabels{};
constexpr std::array<std::string_view, 2> kBuildLabels{"version", "revision"};
constexpr std::array<std::string_view, 3> kStunLabels{"transport", "method", "result"};
constexpr std::array<std::string_view, 2> kTransportFamily{"transport", "family"};
constexpr std::array<std::string_view, 1> kResult{"result"};
constexpr std::array<std::string_view, 1> kDirection{"direction"};
constexpr std::array<std::string_view, 2> kDirectionReason{"direction", "reason"};
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
     "STUN/TURN requests answered, by client transport, method and result (challenge = the "
     "401/438 round trip of long-term credentials).",
     kStunLabels},
    {MetricId::turn_allocations_active, "iceway_turn_allocations_active", gauge,
     "TURN allocations alive now, by client transport and relayed address family.", kTransportFamily},
    {MetricId::turn_allocations_limit, "iceway_turn_allocations_limit", gauge,
     "The configured turn.max_allocations; allocations beyond it are refused (508).", kNoLabels},
    {MetricId::turn_allocations, "iceway_turn_allocations_total", counter,
     "Authenticated TURN Allocate requests, by outcome.", kResult},
    {MetricId::turn_relay_bytes, "iceway_turn_relay_bytes_total", counter,
     "Application payload bytes relayed, by direction (client_to_peer, peer_to_client).", kDirection},
    {MetricId::turn_relay_packets, "iceway_turn_relay_packets_total", counter,
     "Datagrams relayed, by direction (client_to_peer, peer_to_client).", kDirection},
    {MetricId::turn_relay_dropped_packets, "iceway_turn_relay_dropped_packets_total", counter,
     "Datagrams not relayed, by direction and reason (no_permission, bandwidth, send_error).",
     kDirectionReason},
    {MetricId::turn_permissions_active, "iceway_turn_permissions_active", gauge,
     "TURN permissions installed now, over all allocations.", kNoLabels},
    {MetricId::turn_channels_active, "iceway_turn_channels_active", gauge,
     "TURN channels bound now, over all allocations.", kNoLabels},
    {MetricId::turn_peer_denied, "iceway_turn_peer_denied_total", counter,
     "Peer addresses refused by the peer policy (CreatePermission, ChannelBind, Send).", kNoLabels},
    {MetricId::auth_failures, "iceway_auth_failures_total", counter,
     "Credentials refused (TURN, ice-servers API key, signaling token), by reason.", kReason},
    {MetricId::signal_connections_active, "iceway_signal_connections_active", gauge,
     "Signaling WebSocket connections open now, by protocol.", kProtocol},
    {MetricId::signal_messages, "iceway_signal_messages_total", counter,
     "Signaling messages received from clients, by protocol and message type.", kProtocolType},
    {MetricId::signal_rooms_active, "iceway_signal_rooms_active", gauge,
     "Signaling rooms (and y-webrtc topics) with at least one member now.", kNoLabels},
    {MetricId::signal_errors, "iceway_signal_errors_total", counter,
     "Signaling requests refused, by error code as sent to the client.", kCode},
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

constexpr std::array<std::string_view, kTransports> kTransportText{"udp", "tcp", "tls"};
constexpr std::array<std::string_view, kFamilies> kFamilyText{"ipv4", "ipv6"};
constexpr std::array<std::string_view, kStunMethods> kStunMethodText{
    "binding", "allocate", "refresh", "create_permission", "channel_bind", "other"};
constexpr std::array<std::string_view, kStunResults> kStunResultText{"success", "challenge", "error"};
constexpr std::array<std::string_view, kAllocationResults> kAllocationResultText{
    "success",  "auth_failed", "bad_request", "mismatch",    "unsupported_transport", "family_unsupported",
    "quota_user", "quota_ip",  "quota_total", "no_relay_port", "other_error"};
constexpr std::array<std::string_view, kDirections> kDirectionText{"client_to_peer", "peer_to_client"};
constexpr std::array<std::string_view, kDropReasons> kDropReasonText{"no_permission", "bandwidth", "send_error"};
constexpr std::array<std::string_view, kAuthFailures> kAuthFailureText{
    "bad_integrity", "unknown_user", "expired_credentials", "malformed_username", "invalid_nonce",
    "wrong_realm",   "bad_api_key",  "bad_token",           "expired_token"};
constexpr std::array<std::string_view, kSignalProtocols> kSignalProtocolText{"native", "peerjs", "relay", "yjs"};
constexpr std::array<std::string_view, kSignalMessages> kSignalMessageText{
    "join",   "leave",     "signal",    "broadcast", "ping",        "offer",   "answer",
    "candidate", "heartbeat", "subscribe", "unsubscribe", "publish", "other"};
constexpr std::array<std::string_view, kSignalErrors> kSignalErrorText{
    "bad-request",  "unauthorized", "id-taken",      "peer-unavailable",     "not-in-room", "room-full",
    "rate-limited", "too-large",    "origin-denied", "too-many-connections", "internal"};

using enum SignalMessage;
constexpr std::array kNativeTypes{join, leave, signal, broadcast, ping, other};
constexpr std::array kPeerjsTypes{heartbeat, offer, answer, candidate, leave, other};
constexpr std::array kRelayTypes{signal, other};
constexpr std::array kYjsTypes{subscribe, unsubscribe, publish, ping, other};

template <class Enum, std::size_t N>
std::string_view text_of(const std::array<std::string_view, N>& table, Enum value) {
  // Every enumerator is below its count constant, which sizes the table; an out-of-range
  // value can only come from a cast of garbage, a bug caught here in debug builds.
  assert(index(value) < N);
  return table[index(value)];
}

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

std::string_view label_value(Transport value) { return text_of(kTransportText, value); }
std::string_view label_value(Family value) { return text_of(kFamilyText, value); }
std::string_view label_value(StunMethod value) { return text_of(kStunMethodText, value); }
std::string_view label_value(StunResult value) { return text_of(kStunResultText, value); }
std::string_view label_value(AllocationResult value) { return text_of(kAllocationResultText, value); }
std::string_view label_value(Direction value) { return text_of(kDirectionText, value); }
std::string_view label_value(DropReason value) { return text_of(kDropReasonText, value); }
std::string_view label_value(AuthFailure value) { return text_of(kAuthFailureText, value); }
std::string_view label_value(SignalProtocol value) { return text_of(kSignalProtocolText, value); }
std::string_view label_value(SignalMessage value) { return text_of(kSignalMessageText, value); }
std::string_view label_value(SignalError value) { return text_of(kSignalErrorText, value); }

std::span<const SignalMessage> message_types(SignalProtocol protocol) {
  switch (protocol) {
    case SignalProtocol::native: return kNativeTypes;
    case SignalProtocol::peerjs: return kPeerjsTypes;
    case SignalProtocol::relay: return kRelayTypes;
    case SignalProtocol::yjs: return kYjsTypes;
  }
  return {};
}

}  // namespace iceway::metrics
