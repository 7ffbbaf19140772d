#pragma once
// The TURN core's counters for one worker (SPEC §7). The worker is their only writer, so a
// relaxed load-add-store is enough and costs no locked instruction on the relay path; the
// metrics collector reads them from its own thread and sums the workers at scrape time
// (relaxed atomics make that read race-free). No label here carries a user, peer or address.
#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/endpoint.hpp"
#include "stun/attributes/error_code.hpp"
#include "turn/peer_policy.hpp"
#include "turn/stream_close.hpp"

namespace iceway::turn {

class Counter {
 public:
  void add(std::uint64_t n = 1) noexcept { value_.store(value_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed); }
  std::uint64_t value() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

class Gauge {
 public:
  void add(std::int64_t n) noexcept { value_.store(value_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed); }
  std::int64_t value() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::int64_t> value_{0};
};

enum class Direction : std::uint8_t { client_to_peer, peer_to_client };
inline constexpr std::array<std::string_view, 2> kDirectionLabels = {"client_to_peer", "peer_to_client"};

// iceway_auth_failures_total{reason}. Two normal round trips are not failures: a first
// request without credentials (the 401 challenge, counted in `challenges`) and a nonce that
// expired (the 438 every long-lived allocation meets, counted in `stale_nonces`). An answer
// the per-source limiter dropped is counted as a request result, not here: nothing was
// checked.
enum class AuthFailure : std::uint8_t {
  unknown_user,
  expired_username,
  bad_integrity,      // MESSAGE-INTEGRITY did not verify with any key of the user
  invalid_nonce,      // not a nonce we issued to this client address
  wrong_credentials,  // 441: another user's allocation
  missing_attributes, // MESSAGE-INTEGRITY without USERNAME, REALM or NONCE
  wrong_realm,        // REALM is not ours
  password_algorithm_mismatch,  // RFC 8489 §9.2.4 bid-down check failed (400)
};
inline constexpr std::array<std::string_view, 8> kAuthFailureLabels = {
    "unknown_user",      "expired_username",   "bad_integrity", "invalid_nonce",
    "wrong_credentials", "missing_attributes", "wrong_realm",   "password_algorithm_mismatch"};

// iceway_stun_requests_total{result}: answered with success, answered with an error, or not
// answered because the source's budget for unauthenticated answers was spent (labels in
// metrics::kRequestResultLabels).
enum class RequestResult : std::uint8_t { success, error, rate_limited };
inline constexpr std::size_t kRequestResultCount = 3;

// STUN/TURN methods counted in iceway_stun_requests_total{method}.
enum class CountedMethod : std::uint8_t {
  binding,
  allocate,
  refresh,
  create_permission,
  channel_bind,
  send,
  connect,          // RFC 6062
  connection_bind,  // RFC 6062
  other,
};
inline constexpr std::array<std::string_view, 9> kMethodLabels = {
    "binding", "allocate", "refresh", "create_permission", "channel_bind", "send", "connect", "connection_bind",
    "other"};

inline constexpr std::size_t kPeerReasonCount = 9;

// The error codes the TURN core answers with, in a fixed order: the index of
// allocations_failed. Labels come from stun::metric_label, the one table of codes.
inline constexpr std::array<stun::ErrorCode, 14> kTurnErrorCodes = {
    stun::ErrorCode::bad_request,
    stun::ErrorCode::unauthenticated,
    stun::ErrorCode::forbidden,
    stun::ErrorCode::mobility_forbidden,
    stun::ErrorCode::unknown_attribute,
    stun::ErrorCode::allocation_mismatch,
    stun::ErrorCode::stale_nonce,
    stun::ErrorCode::address_family_not_supported,
    stun::ErrorCode::wrong_credentials,
    stun::ErrorCode::unsupported_transport_protocol,
    stun::ErrorCode::peer_address_family_mismatch,
    stun::ErrorCode::allocation_quota_reached,
    stun::ErrorCode::server_error,
    stun::ErrorCode::insufficient_capacity,
};
constexpr std::size_t error_index(stun::ErrorCode code) {
  for (std::size_t i = 0; i < kTurnErrorCodes.size(); ++i)
    if (kTurnErrorCodes[i] == code) return i;
  return kTurnErrorCodes.size();  // server_error's slot is as good as any; see count_allocation_failure
}

struct TurnCounters {
  // iceway_turn_allocations_active{transport,family}: [Transport][family - 1]
  std::array<std::array<Gauge, 2>, 4> allocations_active;
  // iceway_turn_allocations_total{result}: "success" and the label of every code in
  // kTurnErrorCodes. The first Allocate's 401 challenge is normal and counted in
  // `challenges` instead; a 401 to a request that carried credentials is a failure.
  Counter allocations_succeeded;
  std::array<Counter, kTurnErrorCodes.size()> allocations_failed;
  // iceway_turn_relay_bytes_total / _packets_total{direction}
  std::array<Counter, 2> relay_bytes;
  std::array<Counter, 2> relay_packets;
  // Data not relayed, by reason: no permission or channel for the peer; over the bandwidth
  // cap; from a client 5-tuple without an allocation (or for an allocation just ended, also
  // those still queued in its relay socket when it closed: RelayPorts::close); for
  // an allocation whose client is away (mobility, until one takes it over); ChannelData whose
  // channel number or length is malformed. With these, every datagram of data that reaches a
  // worker is relayed or counted here.
  Counter relay_dropped_no_permission;
  Counter relay_dropped_bandwidth;
  Counter relay_dropped_no_allocation;
  Counter relay_dropped_detached;
  Counter relay_dropped_malformed;
  Gauge permissions_active;
  Gauge channels_active;
  // iceway_turn_peer_denied_total{reason}: indexed by PeerReason (only denial reasons move).
  std::array<Counter, kPeerReasonCount> peer_denied;
  std::array<Counter, kAuthFailureLabels.size()> auth_failures;
  Counter challenges;
  Counter stale_nonces;  // iceway_turn_stale_nonces_total: 438 to a nonce that expired
  // iceway_stun_requests_total{transport,method,result}: [Transport][method][RequestResult]
  std::array<std::array<std::array<Counter, kRequestResultCount>, kMethodLabels.size()>, 4> requests;
  // iceway_turn_stream_closed_total{reason} and iceway_turn_stream_clients_active{transport}
  // ([0] tcp, [1] tls, [2] dtls): counted by the I/O layer (turn/io), which owns the
  // connections and DTLS sessions.
  std::array<Counter, kStreamCloseCount> stream_closed;
  std::array<Gauge, 3> stream_clients_active;

  Gauge& active(Transport transport, AddressFamily family) {
    return allocations_active[static_cast<std::size_t>(transport)][static_cast<std::size_t>(family) - 1];
  }
  void count_relay(Direction direction, std::size_t bytes) {
    relay_bytes[static_cast<std::size_t>(direction)].add(bytes);
    relay_packets[static_cast<std::size_t>(direction)].add();
  }
  void count_allocation_failure(stun::ErrorCode code) {
    const std::size_t index = error_index(code);
    // Every code the core sends is in the list (dispatch_test checks each path); anything else
    // would be a new path, counted as a server error rather than lost.
    allocations_failed[index < kTurnErrorCodes.size() ? index : error_index(stun::ErrorCode::server_error)].add();
  }
  void count_auth_failure(AuthFailure reason) { auth_failures[static_cast<std::size_t>(reason)].add(); }
  void count_peer_denied(PeerReason reason) { peer_denied[static_cast<std::size_t>(reason)].add(); }
  void count_stream_close(StreamClose reason) { stream_closed[static_cast<std::size_t>(reason)].add(); }
  Gauge& stream_clients(Transport transport) {
    return stream_clients_active[transport == Transport::dtls ? 2 : transport == Transport::tls ? 1 : 0];
  }
  void count_request(Transport transport, CountedMethod method, RequestResult result) {
    requests[static_cast<std::size_t>(transport)][static_cast<std::size_t>(method)][static_cast<std::size_t>(result)]
        .add();
  }
};

}  // namespace iceway::turn
