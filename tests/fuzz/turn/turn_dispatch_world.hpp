#pragma once
// The server turn_dispatch_fuzz drives and how an input picks its 5-tuple, time and server:
// shared with tests/turn/fuzz_seeds_test.cpp, which checks that the authenticated seeds of
// tests/fuzz/corpus/turn_dispatch_fuzz still authenticate (their nonces are for these
// 5-tuples and this key; a seed that only earns a 438 fuzzes nothing past the nonce check).
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "turn/server.hpp"
#include "turn/source_rate_limiter.hpp"

namespace iceway::turn::fuzz {

class CountingTokens final : public RandomSource {
 public:
  void fill(MutableByteSpan out) override {
    ++count_;
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = static_cast<std::byte>(i < 8 ? (count_ >> (8 * i)) & 0xff : 0);
  }

 private:
  std::uint64_t count_ = 0;
};

class Ports final : public RelayPortAllocator {
 public:
  Result<OpenedRelay, RelayPortError> open(const RelayPortRequest& request) override {
    if (next_ >= 65534) return failure(RelayPortError::no_port);
    const auto address = request.family == AddressFamily::ipv4 ? *IpAddress::parse("203.0.113.10")
                                                               : *IpAddress::parse("2001:db8::10");
    if (request.even_port && next_ % 2 != 0) ++next_;
    OpenedRelay opened;
    opened.relayed = Endpoint{address, next_++};
    if (request.reserve_next) {
      opened.next = Endpoint{address, next_++};
      opened.next_port = std::make_unique<HeldPort>();
    }
    return opened;
  }
  Result<Endpoint, RelayPortError> adopt(const Endpoint& relayed, std::unique_ptr<HeldPort>,
                                         const RelayPortRequest&) override {
    return relayed;
  }
  void close(const Endpoint&) override {}

 private:
  std::uint16_t next_ = 50000;
};

inline const stun::NatAddresses kNatAddresses{*Endpoint::parse("203.0.113.10:3478"), *Endpoint::parse("203.0.113.11:3479")};

struct World {
  explicit World(bool nat_behavior) {
    auto settings = std::make_shared<Settings>();
    if (nat_behavior) settings->nat_behavior = kNatAddresses;
    settings->relay_ipv4 = IpAddress::parse("203.0.113.10");
    settings->relay_ipv6 = IpAddress::parse("2001:db8::10");
    settings->users = {StaticUser{"fuzz", "fuzz"}};
    settings->allow_loopback_peers = true;
    settings->mobility = true;  // RFC 8016: MOBILITY-TICKET in Allocate and Refresh
    SharedTurnState shared;
    shared.settings = settings;
    shared.credentials = std::make_shared<const Credentials>(Credentials::from(*settings));
    shared.policy = std::make_shared<const PeerPolicy>(PeerPolicy::create(PeerPolicyConfig::from(*settings)).value());
    std::array<std::byte, NonceIssuer::kKeySize> key{};
    shared.nonces = std::make_shared<const NonceIssuer>(key, Seconds(600));
    // Every input comes from one source: a budget this large keeps the limiter on the path
    // without refusing the answers the fuzzer needs to reach (source_limits_fuzz fuzzes it).
    shared.unauthenticated = std::make_shared<SourceRateLimiter>(SourceBudget{1e12, 1e12, 64});
    // Tokens 1, 2, 3, ... so the fuzzer can find one that is held (and the verdict is the
    // same on every run).
    shared.reservations = std::make_shared<PortReservations>(std::make_unique<CountingTokens>());
    // CONNECTION-IDs and mobility tickets counted too: the fuzzer can name them, and replays.
    server = std::make_unique<TurnServer>(shared, quota, ports, nullptr, 0, 1, &ids);
  }

  Quota quota{QuotaLimits{}};
  Ports ports;
  CountingTokens ids;
  std::unique_ptr<TurnServer> server;
};

// One byte picks the transport and the client port, so inputs reach every transport and
// both the 5-tuple of an allocation and fresh ones: for a STUN message the first byte of its
// transaction id (its own first byte is always 0 or 1), so each seed names its 5-tuple and
// carries the nonce issued to it; for anything else (ChannelData) the first byte.
inline std::uint8_t selector_of(ByteSpan input) {
  const bool stun_message = input.size() >= 20 && (std::to_integer<std::uint8_t>(input[0]) & 0xc0) == 0;
  if (stun_message) return std::to_integer<std::uint8_t>(input[8]);
  return input.empty() ? 0 : std::to_integer<std::uint8_t>(input[0]);
}

inline FiveTuple tuple_of(ByteSpan input) {
  const std::uint8_t selector = selector_of(input);
  return FiveTuple{Endpoint{*IpAddress::parse("198.51.100.7"), static_cast<std::uint16_t>(40000 + (selector & 3))},
                   *Endpoint::parse("203.0.113.10:3478"), static_cast<Transport>((selector >> 2) % 3)};
}

inline TimePoint time_of(ByteSpan input) {
  return TimePoint{} + std::chrono::hours(1) + std::chrono::seconds(selector_of(input));
}

inline constexpr UnixSeconds kNowUnix = 1'700'000'000;  // nonces issued now stay valid for every input

// The last byte's top bit picks the RFC 5780 server (the first byte of a STUN message always
// has it clear, so a seed picks it by its FINGERPRINT).
inline bool wants_nat_server(ByteSpan input) {
  return !input.empty() && (std::to_integer<std::uint8_t>(input.back()) & 0x80) != 0;
}

}  // namespace iceway::turn::fuzz
