#include "app/turn_state.hpp"

#include "turn/random_source.hpp"

namespace iceway::app {

turn::SourceBudget unauthenticated_budget(const Config& config) {
  return {static_cast<double>(config.turn.unauthenticated_bytes_per_second),
          static_cast<double>(config.turn.unauthenticated_burst_bytes), config.turn.ipv6_prefix};
}

Result<std::shared_ptr<const turn::PeerPolicy>, std::vector<std::string>> make_peer_policy(
    const Config& config, const std::vector<IpAddress>& host_addresses) {
  auto policy_config = turn::PeerPolicyConfig::from(config.turn);
  policy_config.host_addresses = host_addresses;
  auto policy = turn::PeerPolicy::create(policy_config);
  if (!policy) return failure(policy.error());
  return std::make_shared<const turn::PeerPolicy>(std::move(policy).value());
}

std::shared_ptr<const turn::NonceIssuer> nonce_issuer(const Config& config,
                                                     std::shared_ptr<const turn::NonceIssuer> previous) {
  const auto lifetime = config.turn.nonce_lifetime;
  if (!config.turn.secrets.empty()) {
    const auto key = turn::NonceIssuer::key_from_secret(config.turn.secrets.front());
    if (previous && previous->key() == key && previous->lifetime() == lifetime) return previous;
    return std::make_shared<const turn::NonceIssuer>(key, lifetime);
  }
  if (previous) {
    if (previous->lifetime() == lifetime) return previous;
    return std::make_shared<const turn::NonceIssuer>(previous->key(), lifetime);
  }
  turn::SystemRandom random;
  return std::make_shared<const turn::NonceIssuer>(random, lifetime);
}

Result<turn::SharedTurnState, std::vector<std::string>> make_turn_state(
    const Config& config, std::shared_ptr<const turn::NonceIssuer> nonces, const std::vector<IpAddress>& host_addresses,
    std::shared_ptr<turn::SourceRateLimiter> unauthenticated, std::shared_ptr<turn::PortReservations> reservations) {
  auto policy = make_peer_policy(config, host_addresses);
  if (!policy) return failure(policy.error());
  nonces = nonce_issuer(config, std::move(nonces));
  // Built last: nothing after this can fail, so a refused reload leaves the budget alone.
  if (unauthenticated) unauthenticated->set_budget(unauthenticated_budget(config));
  else unauthenticated = std::make_shared<turn::SourceRateLimiter>(unauthenticated_budget(config));
  if (!reservations) reservations = std::make_shared<turn::PortReservations>(std::make_unique<turn::SystemRandom>());
  return turn::SharedTurnState{
      std::make_shared<const turn::Settings>(config.turn),
      std::make_shared<const turn::Credentials>(turn::Credentials::from(config.turn)),
      std::move(policy).value(),
      std::move(nonces),
      std::move(unauthenticated),
      std::move(reservations),
  };
}

turn::StreamLimitSettings stream_limits(const Config& config) {
  return {config.turn.max_stream_clients, config.turn.max_stream_clients_per_ip, config.turn.max_tls_handshakes,
          config.turn.ipv6_prefix};
}

turn::QuotaLimits quota_limits(const Config& config) {
  return {config.turn.max_allocations, config.turn.max_allocations_per_user, config.turn.max_allocations_per_ip,
          config.turn.ipv6_prefix};
}

}  // namespace iceway::app
