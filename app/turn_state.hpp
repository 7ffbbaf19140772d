#pragma once
// Builds what every worker's TURN core shares (settings, credentials, peer policy, nonce
// key, the limiter of unauthenticated answers) from a validated Config, at start and again
// on SIGHUP.
#include <memory>
#include <string>
#include <vector>

#include "app/config.hpp"
#include "common/result.hpp"
#include "turn/server.hpp"
#include "turn/stream_limits.hpp"

namespace iceway::app {

// `nonces`, `unauthenticated` and `reservations` carry over across reloads so nonces already
// handed out stay valid, the process keeps one limiter (its budget is set from `config`) and
// reserved ports stay reserved; null at start (new ones are built). The nonce key is nonce_issuer()'s. `host_addresses` are every address of the
// host's interfaces as last read (net::host_addresses()); the peer policy denies them as peers.
Result<turn::SharedTurnState, std::vector<std::string>> make_turn_state(
    const Config& config, std::shared_ptr<const turn::NonceIssuer> nonces, const std::vector<IpAddress>& host_addresses,
    std::shared_ptr<turn::SourceRateLimiter> unauthenticated = nullptr,
    std::shared_ptr<turn::PortReservations> reservations = nullptr);

// With REST secrets the nonce key derives from the first (signing) secret, so every node with
// that secret accepts the others' nonces; rotating it costs clients one 438 round trip. With
// static users only, the key is random and kept across reloads (`previous`); a changed
// auth.nonce_lifetime applies to nonces issued from then on.
std::shared_ptr<const turn::NonceIssuer> nonce_issuer(const Config& config,
                                                     std::shared_ptr<const turn::NonceIssuer> previous);

turn::SourceBudget unauthenticated_budget(const Config& config);

// The peer policy alone, for when only the host's addresses changed.
Result<std::shared_ptr<const turn::PeerPolicy>, std::vector<std::string>> make_peer_policy(
    const Config& config, const std::vector<IpAddress>& host_addresses);

turn::QuotaLimits quota_limits(const Config& config);
turn::StreamLimitSettings stream_limits(const Config& config);

}  // namespace iceway::app
