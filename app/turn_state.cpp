#include "app/turn_state.hpp"

#include "turn/random_source.hpp"

namespace iceway::app {

Result<std::shared_ptr<const turn::PeerPolicy>, std::vector<std::string>> make_peer_policy(
    const Config& config, const std::vector<IpAddress>& host_addresses) {
  auto policy_config = turn::PeerPolicyConfig::from(config.turn);
  policy_config.host_addresses = host_addresses;
  auto policy = turn::PeerPolicy::create(policy_config);
  if (!policy) return failure(policy.error());
  return std::make_shared<const turn::PeerPolicy>(std::move(policy).value());
}

Result<turn::SharedTurnState, std::vector<std::string>> make_turn_state(
    const Config& config, std::shared_ptr<const turn::NonceIssuer> nonces, const std::vector<IpAddress>& host_addresses) {
  auto policy = make_peer_policy(config, host_addresses);
  if (!policy) return failure(policy.error());
  if (!nonces) {
    turn::SystemRandom random;
    nonces = std::make_shared<const turn::NonceIssuer>(random, config.turn.nonce_lifetime);
  }
  return turn::SharedTurnState{
      std::make_shared<const turn::Settings>(config.turn),
      std::make_shared<const turn::Credentials>(turn::Credentials::from(config.turn)),
      std::move(policy).value(),
      std::move(nonces),
  };
}

turn::QuotaLimits quota_limits(const Config& config) {
  return {config.turn.max_allocations, config.turn.max_allocations_per_user, config.turn.max_allocations_per_ip};
}

}  // namespace iceway::app
