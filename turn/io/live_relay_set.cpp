#include "turn/io/live_relay_set.hpp"

namespace iceway::turn::io {

LiveRelaySet::LiveRelaySet(std::optional<IpAddress> advertised_v4, std::optional<IpAddress> advertised_v6) {
  v4_.address = advertised_v4;
  v6_.address = advertised_v6;
}

LiveRelaySet::Family* LiveRelaySet::family_of(const Endpoint& endpoint) {
  Family& family = endpoint.address.is_v4() ? v4_ : v6_;
  return family.address == endpoint.address ? &family : nullptr;
}

const LiveRelaySet::Family* LiveRelaySet::family_of(const Endpoint& endpoint) const {
  const Family& family = endpoint.address.is_v4() ? v4_ : v6_;
  return family.address == endpoint.address ? &family : nullptr;
}

void LiveRelaySet::add(const Endpoint& advertised) {
  if (auto* family = family_of(advertised)) family->ports[advertised.port].store(1, std::memory_order_relaxed);
}

void LiveRelaySet::remove(const Endpoint& advertised) {
  if (auto* family = family_of(advertised)) family->ports[advertised.port].store(0, std::memory_order_relaxed);
}

bool LiveRelaySet::contains(const Endpoint& advertised) const {
  const auto* family = family_of(advertised);
  return family != nullptr && family->ports[advertised.port].load(std::memory_order_relaxed) != 0;
}

}  // namespace iceway::turn::io
