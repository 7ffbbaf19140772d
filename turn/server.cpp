#include "turn/server.hpp"

#include <cassert>

#include "turn/dispatch.hpp"

namespace iceway::turn {

TableLimits TurnServer::limits_of(const Settings& settings) {
  return TableLimits{settings.permission_lifetime, settings.channel_lifetime, settings.max_permissions_per_allocation,
                     settings.max_channels_per_allocation};
}

TurnServer::TurnServer(SharedTurnState shared, Quota& quota, RelayPortAllocator& ports, const LiveRelays* live_relays)
    : shared_(std::move(shared)),
      quota_(quota),
      ports_(ports),
      live_relays_(live_relays),
      table_(limits_of(*shared_.settings), counters_),
      retransmits_(shared_.settings->retransmit_cache_entries) {
  assert(shared_.settings && shared_.credentials && shared_.policy && shared_.nonces && shared_.unauthenticated &&
         shared_.reservations);
}

RecheckResult TurnServer::reconfigure(SharedTurnState shared) {
  assert(shared.settings && shared.credentials && shared.policy && shared.nonces && shared.unauthenticated &&
         shared.reservations);
  shared_ = std::move(shared);
  table_.set_limits(limits_of(*shared_.settings));
  return table_.recheck_peers(*shared_.policy, live_relays());
}

RecheckResult TurnServer::set_policy(std::shared_ptr<const PeerPolicy> policy) {
  assert(policy);
  shared_.policy = std::move(policy);
  return table_.recheck_peers(*shared_.policy, live_relays());
}

HandleResult TurnServer::on_client_message(ByteSpan bytes, const FiveTuple& five_tuple, TimePoint now,
                                           UnixSeconds now_unix, MutableByteSpan out) {
  assert(out.size() >= kMinResponseBuffer);
  Context ctx{five_tuple,
              now,
              now_unix,
              *shared_.settings,
              *shared_.credentials,
              *shared_.nonces,
              *shared_.policy,
              live_relays(),
              quota_,
              *shared_.reservations,
              *shared_.unauthenticated,
              table_,
              ports_,
              counters_,
              out};
  return dispatch(bytes, ctx, retransmits_);
}

std::optional<ToClient> TurnServer::on_peer_datagram(AllocationId id, const Endpoint& peer, MutableByteSpan buffer,
                                                     std::size_t size, TimePoint now) {
  Allocation* allocation = table_.find_by_id(id);
  if (allocation == nullptr) return std::nullopt;
  return relay_to_client(*allocation, peer, buffer, size, now, counters_);
}

std::optional<EndedAllocation> TurnServer::on_connection_closed(const FiveTuple& five_tuple) {
  const Allocation* allocation = table_.find(five_tuple);
  if (allocation == nullptr) return std::nullopt;
  return table_.remove(allocation->id, EndReason::closed);
}

}  // namespace iceway::turn
