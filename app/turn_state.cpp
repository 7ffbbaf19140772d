#include "app/turn_state.hpp"

#include "turn/random_source.hpp"

namespace iceway::app {

Result<turn::SharedTurnState, std::vector<std::string>> make_turn_state(
    const Config& config, std::shared_ptr<const turn::NonceIssuer> nonces) {
  auto policy = turn::PeerPolicy::create(turn::PeerPolicyConfig::from(config.turn));
  if (!policy) return failure(policy.error());
  if (!nonces) {
    turn::SystemRandom random;
    nonces = std::make_shared<const turn::NonceIssuer>(random, config.turn.nonce_lifetime);
  }
  return turn::SharedTurnState{
      std::make_shared<const turn::Settings>(config.turn),
      std::make_shared<const turn::Credentials>(turn::Credentials::from(config.turn)),
      std::make_shared<const turn::PeerPolicy>(std::move(policy).value()),
      std::move(nonces),
  };
}

turn::StreamLimitSettings stream_limits(const Config& config) {
  return {config.turn.max_stream_clients, config.turn.max_stream_clients_per_ip, config.turn.max_tls_handshakes,
          config.turn.ipv6_prefix};
}

turn::QuotaLimits quota_limits(const Config& config) {
  return {config.turn.max_allocations, config.turn.max_allocations_per_user, config.turn.max_allocations_per_ip};
}

}  // namespace iceway::app
