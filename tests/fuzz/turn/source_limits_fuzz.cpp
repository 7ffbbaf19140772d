// The per-source limits with arbitrary sources, prefix lengths, limits and orders of events:
// StreamLimits (TURN TCP/TLS connection caps) against a model that counts by
// source_prefix(), and SourceRateLimiter (the byte budget of unauthenticated answers), whose
// grants for one source can never exceed its burst plus what the rate refilled. Issue 11 asks
// that the stream caps and the IPv6 prefixes be fuzzed; this is where.
//
// Input: a sequence of 20-byte operations. Byte 0 picks the operation, bytes 1..16 are an
// address (IPv4 when byte 1 is even), bytes 17..19 its parameters.
#include <cstddef>
#include <cstdint>
#include <map>
#include <vector>

#include "common/source_prefix.hpp"
#include "turn/source_rate_limiter.hpp"
#include "turn/stream_limits.hpp"

namespace {

using iceway::IpAddress;
using iceway::source_prefix;

IpAddress address_of(const std::uint8_t* bytes) {
  if (bytes[0] % 2 == 0) return IpAddress::v4(std::array<std::uint8_t, 4>{bytes[1], bytes[2], bytes[3], bytes[4]});
  std::array<std::uint8_t, 16> v6{};
  for (std::size_t i = 0; i < 16; ++i) v6[i] = bytes[i];
  // Few distinct /64s, so the fuzzer meets shared prefixes often.
  v6[0] = 0x20, v6[1] = 0x01, v6[2] = 0x0d, v6[3] = 0xb8, v6[4] = 0, v6[5] = 0;
  v6[6] &= 0x01;
  return IpAddress::v6(v6);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  iceway::turn::StreamLimitSettings settings{4, 2, 2, 64};
  iceway::turn::StreamLimits limits(settings);
  struct Held {
    iceway::turn::StreamSlot slot;
    IpAddress key;  // the prefix key it was counted under
    bool handshake;
  };
  std::vector<Held> held;
  bool prefix_changed = false;

  iceway::turn::SourceRateLimiter budget({100, 200, 64});
  iceway::turn::SourceBudget current{100, 200, 64};
  auto now = iceway::TimePoint{} + std::chrono::seconds(1);
  // Granted bytes per slot since the budget last changed, with when that window started.
  std::map<std::size_t, std::pair<double, iceway::TimePoint>> granted;

  for (std::size_t at = 0; at + 20 <= size; at += 20) {
    const std::uint8_t* op = data + at;
    const IpAddress address = address_of(op + 1);
    switch (op[0] % 6) {
      case 0: {  // a new connection
        const std::size_t total = limits.connections();
        const std::size_t from_source = limits.connections_from(address);
        if (!prefix_changed) {
          // While the prefix length is the one every held slot was counted under, the limits'
          // count per source is exactly the model's count per source_prefix() key.
          const IpAddress key = source_prefix(address, settings.ipv6_prefix);
          std::size_t from_key = 0;
          for (const auto& h : held) from_key += (!h.handshake && h.key == key) ? 1 : 0;
          if (from_key != from_source) __builtin_trap();
        }
        const bool over_total = settings.total != 0 && total >= settings.total;
        const bool over_source = settings.per_source != 0 && from_source >= settings.per_source;
        auto slot = limits.acquire_connection(address);
        if (slot.has_value() == (over_total || over_source)) __builtin_trap();
        if (slot) held.push_back({std::move(slot).value(), source_prefix(address, settings.ipv6_prefix), false});
        break;
      }
      case 1: {  // a TLS handshake starts
        std::size_t handshakes = 0;
        for (const auto& h : held) handshakes += h.handshake ? 1 : 0;
        auto slot = limits.acquire_handshake();
        if (settings.tls_handshakes != 0 && handshakes >= settings.tls_handshakes && slot) __builtin_trap();
        if (!slot && (settings.tls_handshakes == 0 || handshakes < settings.tls_handshakes)) __builtin_trap();
        if (slot) held.push_back({std::move(slot).value(), IpAddress{}, true});
        break;
      }
      case 2:  // a connection or handshake ends
        if (!held.empty()) held.erase(held.begin() + static_cast<std::ptrdiff_t>(op[17] % held.size()));
        break;
      case 3:  // a reload changes the caps and the prefix length
        settings = {static_cast<std::size_t>(op[17] % 6), static_cast<std::size_t>(op[18] % 4),
                    static_cast<std::size_t>(op[19] % 3), 1u + op[16] % 128};
        prefix_changed = prefix_changed || settings.ipv6_prefix != 64;
        limits.set_limits(settings);
        break;
      case 4: {  // an unauthenticated answer of op[17] bytes, after op[18] ms
        now += std::chrono::milliseconds(op[18]);
        const std::size_t bytes = 1 + op[17];
        const std::size_t slot = budget.slot_of(address);
        auto& [spent, since] = granted.try_emplace(slot, 0.0, now).first->second;
        if (budget.allow(address, bytes, now)) {
          spent += static_cast<double>(bytes);
          const double seconds = std::chrono::duration<double>(now - since).count();
          if (current.bytes_per_second != 0 &&
              spent > current.burst_bytes + current.bytes_per_second * seconds + 0.01) {
            __builtin_trap();
          }
        }
        break;
      }
      case 5:  // a reload of the byte budget: the model starts a new window
        current = {static_cast<double>(op[17] % 4) * 100, 256.0 + op[18], 1u + op[16] % 128};
        budget.set_budget(current);
        granted.clear();
        break;
    }
    // The counts the limits report always match what is held.
    std::size_t connections = 0;
    std::size_t handshakes = 0;
    for (const auto& h : held) (h.handshake ? handshakes : connections) += 1;
    if (limits.connections() != connections || limits.handshakes() != handshakes) __builtin_trap();
  }
  held.clear();
  if (limits.connections() != 0 || limits.handshakes() != 0) __builtin_trap();
  return 0;
}
