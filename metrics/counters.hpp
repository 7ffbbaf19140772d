#pragma once
// The counters the cores increment: plain structs of relaxed atomics, indexed by small
// label enums. Header-only and dependency-free (only <atomic>), so the STUN, TURN and
// signaling cores can include it without pulling in prometheus-cpp; metrics/collector.hpp
// adds the structs up at scrape time and metrics/catalogue.hpp names every label value.
//
// Contract: one writer per struct. Each worker thread owns its StunCounters and
// TurnCounters; the signaling registry's owner (its strand) owns a SignalCounters (one per
// writer if there are several). Only the owner calls the mutating members below; the
// collector reads from the admin thread. Relaxed atomics make that read race-free without
// ordering anything else: a scrape needs some recent value, not a consistent snapshot.
// The structs must outlive every scrape of the Collector they are registered with.
#include <atomic>
#include <cstddef>
#include <cstdint>

namespace iceway {
// Opaque declarations of common/endpoint.hpp's enums, so the converters below need no
// include; catalogue.cpp static_asserts that the orders agree.
enum class Transport : std::uint8_t;
enum class AddressFamily : std::uint8_t;
}  // namespace iceway

namespace iceway::metrics {

// --- Label enums. Every value has a text in catalogue.cpp; the last enumerator of each is
// followed by its count constant, which sizes the arrays below. No label is ever built
// from request data (user names, peer ids, rooms, addresses): the sets are closed here.

// The client's transport to the server (iceway::Transport has the same order).
enum class Transport : std::uint8_t { udp, tcp, tls };
inline constexpr std::size_t kTransports = 3;

// The family of a relayed address.
enum class Family : std::uint8_t { ipv4, ipv6 };
inline constexpr std::size_t kFamilies = 2;

// STUN/TURN request methods; `other` is any method we do not implement (answered 400).
enum class StunMethod : std::uint8_t { binding, allocate, refresh, create_permission, channel_bind, other };
inline constexpr std::size_t kStunMethods = 6;

// How a request was answered. `challenge` is the normal first round trip of long-term
// credentials (RFC 8489 §9.2): a 401 to a request without MESSAGE-INTEGRITY, or a 438
// Stale Nonce. `error` is every other error response, so "error" on a dashboard means
// something went wrong rather than "a client logged in".
enum class StunResult : std::uint8_t { success, challenge, error };
inline constexpr std::size_t kStunResults = 3;

// The outcome of an authenticated Allocate (challenges are not outcomes; see StunResult).
enum class AllocationResult : std::uint8_t {
  success,
  auth_failed,            // 401 with credentials present; the reason goes to auth failures
  bad_request,            // 400
  mismatch,               // 437 Allocation Mismatch
  unsupported_transport,  // 442
  family_unsupported,     // 440 Address Family not Supported
  quota_user,             // 486, max_allocations_per_user reached
  quota_ip,               // 486, max_allocations_per_ip reached
  quota_total,            // 508, max_allocations reached
  no_relay_port,          // 508, the relay port range is exhausted
  other_error,            // any other error response (403, 500, ...)
};
inline constexpr std::size_t kAllocationResults = 11;

// Which way relayed data went. Bytes count the application payload (the UDP payload the
// peer sends or receives), not STUN/ChannelData framing nor IP/UDP headers, so both
// directions measure the same thing.
enum class Direction : std::uint8_t { client_to_peer, peer_to_client };
inline constexpr std::size_t kDirections = 2;

// Why a relayed packet was dropped instead of forwarded.
enum class DropReason : std::uint8_t {
  no_permission,  // RFC 8656 §10.3/§11.5: no permission for the peer (to or from)
  bandwidth,      // bandwidth_per_allocation exceeded
  send_error,     // the socket refused the datagram (ENOBUFS, EHOSTUNREACH, ...)
};
inline constexpr std::size_t kDropReasons = 3;

// Why a credential was refused, across TURN, the ice-servers API and signaling tokens.
enum class AuthFailure : std::uint8_t {
  bad_integrity,        // MESSAGE-INTEGRITY did not match: wrong password or secret
  unknown_user,         // static user not configured
  expired_credentials,  // REST-API username past its expiry
  malformed_username,   // REST-API username not `<unix-expiry>:<user-id>`
  invalid_nonce,        // forged nonce, or one issued to another client address
  wrong_realm,          // REALM differs from ours
  bad_api_key,          // ice-servers API: key missing or not configured
  bad_token,            // signaling JWT: bad signature, malformed or missing when required
  expired_token,        // signaling JWT: `exp` in the past
};
inline constexpr std::size_t kAuthFailures = 9;

// The signaling front doors (SPEC §6).
enum class SignalProtocol : std::uint8_t { native, peerjs, relay, yjs };
inline constexpr std::size_t kSignalProtocols = 4;

// Client messages by type. Each protocol uses its own subset (catalogue.cpp lists it);
// `other` is a frame whose type the protocol does not define, including malformed ones.
enum class SignalMessage : std::uint8_t {
  join, leave, signal, broadcast, ping,        // native (`signal` also: named relay)
  offer, answer, candidate, heartbeat,         // PeerJS (LEAVE counts as `leave`)
  subscribe, unsubscribe, publish,             // y-webrtc (its ping counts as `ping`)
  other,
};
inline constexpr std::size_t kSignalMessages = 13;

// Signaling error codes as sent on the wire (SPEC §6), plus the refusals that happen
// before a protocol speaks (origin, per-IP connection limit).
enum class SignalError : std::uint8_t {
  bad_request, unauthorized, id_taken, peer_unavailable, not_in_room, room_full,
  rate_limited, too_large, origin_denied, too_many_connections, internal,
};
inline constexpr std::size_t kSignalErrors = 11;

template <class Enum>
constexpr std::size_t index(Enum value) noexcept {
  return static_cast<std::size_t>(value);
}

// Each count constant is its enum's last value + 1, so arrays cover every label value.
static_assert(index(Transport::tls) + 1 == kTransports);
static_assert(index(Family::ipv6) + 1 == kFamilies);
static_assert(index(StunMethod::other) + 1 == kStunMethods);
static_assert(index(StunResult::error) + 1 == kStunResults);
static_assert(index(AllocationResult::other_error) + 1 == kAllocationResults);
static_assert(index(Direction::peer_to_client) + 1 == kDirections);
static_assert(index(DropReason::send_error) + 1 == kDropReasons);
static_assert(index(AuthFailure::expired_token) + 1 == kAuthFailures);
static_assert(index(SignalProtocol::yjs) + 1 == kSignalProtocols);
static_assert(index(SignalMessage::other) + 1 == kSignalMessages);
static_assert(index(SignalError::internal) + 1 == kSignalErrors);

// From the cores' own value types to label enums.
constexpr Transport label_of(iceway::Transport transport) noexcept {
  return static_cast<Transport>(static_cast<std::uint8_t>(transport));
}
constexpr Family label_of(iceway::AddressFamily family) noexcept {
  return static_cast<std::uint8_t>(family) == 1 ? Family::ipv4 : Family::ipv6;  // STUN codes 1, 2
}

// --- Writing. The owner is the only writer, so an increment is a load and a store rather
// than an atomic read-modify-write: no lock prefix on the relay path, and still no data
// race with the scraping thread.
inline void add(std::atomic<std::uint64_t>& counter, std::uint64_t amount = 1) noexcept {
  counter.store(counter.load(std::memory_order_relaxed) + amount, std::memory_order_relaxed);
}
// Gauges are signed so that a bookkeeping bug shows as a negative number on a dashboard
// instead of 1.8e19.
inline void add(std::atomic<std::int64_t>& gauge, std::int64_t delta) noexcept {
  gauge.store(gauge.load(std::memory_order_relaxed) + delta, std::memory_order_relaxed);
}
inline void set(std::atomic<std::int64_t>& gauge, std::int64_t value) noexcept {
  gauge.store(value, std::memory_order_relaxed);
}
inline std::uint64_t read(const std::atomic<std::uint64_t>& counter) noexcept {
  return counter.load(std::memory_order_relaxed);
}
inline std::int64_t read(const std::atomic<std::int64_t>& gauge) noexcept {
  return gauge.load(std::memory_order_relaxed);
}

// alignas(64): workers write their own structs all the time; a cache line of their own
// keeps one worker's increments from invalidating its neighbour's line.
// std::atomic value-initialises to zero in C++20, so a fresh struct counts from 0.

// One per worker: every STUN/TURN request answered, by transport, method and result.
struct alignas(64) StunCounters {
  std::atomic<std::uint64_t> requests[kTransports][kStunMethods][kStunResults];

  void request(Transport transport, StunMethod method, StunResult result) noexcept {
    add(requests[index(transport)][index(method)][index(result)]);
  }
};

// One per worker: its allocations, relay traffic and TURN authentication.
struct alignas(64) TurnCounters {
  // Gauges, kept by the worker as its tables change.
  std::atomic<std::int64_t> allocations_active[kTransports][kFamilies];
  std::atomic<std::int64_t> permissions_active;
  std::atomic<std::int64_t> channels_active;
  // Counters.
  std::atomic<std::uint64_t> allocations[kAllocationResults];
  std::atomic<std::uint64_t> relay_bytes[kDirections];
  std::atomic<std::uint64_t> relay_packets[kDirections];
  std::atomic<std::uint64_t> relay_dropped[kDirections][kDropReasons];
  std::atomic<std::uint64_t> peer_denied;  // CreatePermission/ChannelBind/Send to a denied peer
  std::atomic<std::uint64_t> auth_failures[kAuthFailures];

  void allocation_opened(Transport transport, Family family) noexcept {
    add(allocations_active[index(transport)][index(family)], 1);
  }
  void allocation_closed(Transport transport, Family family) noexcept {
    add(allocations_active[index(transport)][index(family)], -1);
  }
  void allocation_result(AllocationResult result) noexcept { add(allocations[index(result)]); }
  // Called per relayed packet, as it is forwarded (SPEC §7: traffic counters move while a
  // session lives, not when it ends).
  void relayed(Direction direction, std::uint64_t payload_bytes) noexcept {
    add(relay_bytes[index(direction)], payload_bytes);
    add(relay_packets[index(direction)]);
  }
  void dropped(Direction direction, DropReason reason) noexcept {
    add(relay_dropped[index(direction)][index(reason)]);
  }
  void denied_peer() noexcept { add(peer_denied); }
  void auth_failure(AuthFailure reason) noexcept { add(auth_failures[index(reason)]); }
};

// One per signaling writer (the registry's strand, or one per thread that handles frames).
struct alignas(64) SignalCounters {
  // Gauges.
  std::atomic<std::int64_t> connections_active[kSignalProtocols];
  std::atomic<std::int64_t> rooms_active;  // kept by the registry owner only
  // Counters.
  std::atomic<std::uint64_t> messages[kSignalProtocols][kSignalMessages];
  std::atomic<std::uint64_t> errors[kSignalErrors];
  std::atomic<std::uint64_t> auth_failures[kAuthFailures];  // bad_token, expired_token, bad_api_key

  void connected(SignalProtocol protocol) noexcept { add(connections_active[index(protocol)], 1); }
  void disconnected(SignalProtocol protocol) noexcept { add(connections_active[index(protocol)], -1); }
  void set_rooms(std::int64_t rooms) noexcept { set(rooms_active, rooms); }
  void message(SignalProtocol protocol, SignalMessage type) noexcept {
    add(messages[index(protocol)][index(type)]);
  }
  void error(SignalError code) noexcept { add(errors[index(code)]); }
  void auth_failure(AuthFailure reason) noexcept { add(auth_failures[index(reason)]); }
};

}  // namespace iceway::metrics
