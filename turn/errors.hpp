#pragma once
// The STUN/TURN error responses the TURN core sends, with one table mapping each to its
// wire code, reason phrase and metric label (STYLE.md "Errors are values"), so the 438 in the
// response, the log line and iceway_turn_allocations_total{result} always agree.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace iceway::turn {

enum class TurnError : std::uint8_t {
  bad_request,                   // 400 malformed or contradictory request
  unauthenticated,               // 401 missing or wrong credentials (RFC 8489 §9.2)
  forbidden,                     // 403 peer denied by policy
  unknown_attribute,             // 420 comprehension-required attribute we do not know
  allocation_mismatch,           // 437 no allocation here, or one already exists
  stale_nonce,                   // 438 our nonce, expired
  address_family_not_supported,  // 440 REQUESTED-ADDRESS-FAMILY we cannot relay
  wrong_credentials,             // 441 not the user who created the allocation
  unsupported_transport,         // 442 REQUESTED-TRANSPORT other than UDP
  peer_address_family_mismatch,  // 443 peer family differs from the relay's
  allocation_quota_reached,      // 486 per-user / per-IP / total quota
  server_error,                  // 500 a response did not fit, or similar
  insufficient_capacity,         // 508 no relay port, permission or channel slots left
};
inline constexpr std::size_t kTurnErrorCount = 13;

struct TurnErrorInfo {
  std::uint16_t code;
  std::string_view reason;  // reason phrase (RFC 8489 §14.8, RFC 8656 §18, RFC 6156 §10)
  std::string_view label;   // metric label
};

inline constexpr std::array<TurnErrorInfo, kTurnErrorCount> kTurnErrors = {{
    {400, "Bad Request", "bad_request"},
    {401, "Unauthenticated", "unauthenticated"},
    {403, "Forbidden", "forbidden"},
    {420, "Unknown Attribute", "unknown_attribute"},
    {437, "Allocation Mismatch", "allocation_mismatch"},
    {438, "Stale Nonce", "stale_nonce"},
    {440, "Address Family not Supported", "address_family_not_supported"},
    {441, "Wrong Credentials", "wrong_credentials"},
    {442, "Unsupported Transport Protocol", "unsupported_transport"},
    {443, "Peer Address Family Mismatch", "peer_address_family_mismatch"},
    {486, "Allocation Quota Reached", "allocation_quota_reached"},
    {500, "Server Error", "server_error"},
    {508, "Insufficient Capacity", "insufficient_capacity"},
}};

constexpr const TurnErrorInfo& info(TurnError error) { return kTurnErrors[static_cast<std::size_t>(error)]; }
constexpr std::uint16_t code(TurnError error) { return info(error).code; }
constexpr std::string_view label(TurnError error) { return info(error).label; }

}  // namespace iceway::turn
