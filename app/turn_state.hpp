#pragma once
// Builds what every worker's TURN core shares (settings, credentials, peer policy, nonce
// key) from a validated Config, at start and again on SIGHUP.
#include <memory>
#include <string>
#include <vector>

#include "app/config.hpp"
#include "common/result.hpp"
#include "turn/server.hpp"
#include "turn/stream_limits.hpp"

namespace iceway::app {

// `nonces` carries over across reloads so nonces already handed out stay valid; null at
// start (a new random key is drawn).
Result<turn::SharedTurnState, std::vector<std::string>> make_turn_state(
    const Config& config, std::shared_ptr<const turn::NonceIssuer> nonces);

turn::QuotaLimits quota_limits(const Config& config);
turn::StreamLimitSettings stream_limits(const Config& config);

}  // namespace iceway::app
