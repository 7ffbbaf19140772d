#include "turn/allocation_table.hpp"

#include <algorithm>
#include <cassert>

namespace iceway::turn {

std::string_view label(EndReason reason) {
  switch (reason) {
    case EndReason::expired: return "expired";
    case EndReason::deleted: return "deleted";
    case EndReason::closed: return "closed";
    case EndReason::shutdown: return "shutdown";
    case EndReason::disconnected: return "disconnected";
  }
  return "unknown";
}

AllocationTable::~AllocationTable() {
  // Keep the worker's gauges true when a table goes away with allocations in it (shutdown).
  while (!by_id_.empty()) end(by_id_.begin(), EndReason::closed);
}

Allocation& AllocationTable::create(AllocationSpec spec, TimePoint now) {
  assert(!by_five_tuple_.contains(spec.five_tuple));  // the Allocate handler answers 437 first
  auto allocation = std::make_unique<Allocation>();
  allocation->id = next_id_++;
  allocation->five_tuple = spec.five_tuple;
  allocation->relayed = spec.relayed;
  allocation->advertised = spec.advertised;
  allocation->username = std::move(spec.username);
  allocation->user_id = std::move(spec.user_id);
  allocation->key = spec.key;
  allocation->created = now;
  allocation->expires = spec.expires;
  allocation->allocate_transaction_id = spec.allocate_transaction_id;
  allocation->reservation_token = spec.reservation_token;
  allocation->relayed_ipv6 = spec.relayed_ipv6;
  allocation->tcp = spec.tcp;
  allocation->advertised_ipv6 = spec.advertised_ipv6;
  allocation->bandwidth = spec.bandwidth;
  allocation->lease = std::move(spec.lease);

  Allocation& ref = *allocation;
  by_id_.emplace(ref.id, std::move(allocation));
  index(ref);
  counters_.active(ref.five_tuple.transport, ref.relayed.address.family()).add(1);
  schedule(ref, ref.expires);
  return ref;
}

namespace {
std::string ticket_key(const stun::MobilityTicket& ticket) {
  const ByteSpan value = ticket.value();
  return std::string(reinterpret_cast<const char*>(value.data()), value.size());
}
}  // namespace

void AllocationTable::index(Allocation& allocation) {
  if (!allocation.detached) by_five_tuple_.emplace(allocation.five_tuple, &allocation);
  by_relay_.emplace(allocation.relayed, &allocation);
  by_advertised_.emplace(allocation.advertised, allocation.id);
  if (allocation.relayed_ipv6) by_relay_.emplace(*allocation.relayed_ipv6, &allocation);
  if (allocation.advertised_ipv6) by_advertised_.emplace(*allocation.advertised_ipv6, allocation.id);
  if (allocation.ticket) by_ticket_.emplace(ticket_key(*allocation.ticket), &allocation);
}

void AllocationTable::unindex(const Allocation& allocation) {
  // A detached allocation's 5-tuple may be a new allocation's by now.
  if (const auto it = by_five_tuple_.find(allocation.five_tuple); it != by_five_tuple_.end() && it->second == &allocation)
    by_five_tuple_.erase(it);
  by_relay_.erase(allocation.relayed);
  by_advertised_.erase(allocation.advertised);
  if (allocation.relayed_ipv6) by_relay_.erase(*allocation.relayed_ipv6);
  if (allocation.advertised_ipv6) by_advertised_.erase(*allocation.advertised_ipv6);
  if (allocation.ticket) by_ticket_.erase(ticket_key(*allocation.ticket));
}

Allocation* AllocationTable::find_by_ticket(const stun::MobilityTicket& ticket) {
  const auto it = by_ticket_.find(ticket_key(ticket));
  return it == by_ticket_.end() ? nullptr : it->second;
}

void AllocationTable::set_ticket(Allocation& allocation, const stun::MobilityTicket& ticket) {
  if (allocation.ticket) by_ticket_.erase(ticket_key(*allocation.ticket));
  allocation.previous_ticket = allocation.ticket;
  allocation.ticket = ticket;
  by_ticket_.emplace(ticket_key(ticket), &allocation);
}

void AllocationTable::rebind(Allocation& allocation, const FiveTuple& five_tuple) {
  assert(!by_five_tuple_.contains(five_tuple));  // the Refresh found no allocation there
  if (const auto it = by_five_tuple_.find(allocation.five_tuple); it != by_five_tuple_.end() && it->second == &allocation)
    by_five_tuple_.erase(it);
  allocation.five_tuple = five_tuple;
  allocation.detached = false;
  by_five_tuple_.emplace(five_tuple, &allocation);
}

void AllocationTable::detach(Allocation& allocation) {
  if (const auto it = by_five_tuple_.find(allocation.five_tuple); it != by_five_tuple_.end() && it->second == &allocation)
    by_five_tuple_.erase(it);
  allocation.detached = true;
}

std::unique_ptr<Allocation> AllocationTable::extract(AllocationId id) {
  const auto it = by_id_.find(id);
  if (it == by_id_.end()) return nullptr;
  std::unique_ptr<Allocation> allocation = std::move(it->second);
  by_id_.erase(it);  // its entries in due_ are skipped when they pop (the id is gone)
  unindex(*allocation);
  count_permissions(allocation->permissions.size(), 0);
  count_channels(allocation->channels.size(), 0);
  counters_.active(allocation->five_tuple.transport, allocation->relayed.address.family()).add(-1);
  return allocation;
}

Allocation& AllocationTable::adopt(std::unique_ptr<Allocation> allocation) {
  assert(allocation->detached || !by_five_tuple_.contains(allocation->five_tuple));
  allocation->id = next_id_++;
  Allocation& ref = *allocation;
  by_id_.emplace(ref.id, std::move(allocation));
  index(ref);
  count_permissions(0, ref.permissions.size());
  count_channels(0, ref.channels.size());
  counters_.active(ref.five_tuple.transport, ref.relayed.address.family()).add(1);
  schedule(ref, deadline_of(ref));
  return ref;
}

Allocation* AllocationTable::find(const FiveTuple& five_tuple) {
  const auto it = by_five_tuple_.find(five_tuple);
  return it == by_five_tuple_.end() ? nullptr : it->second;
}

Allocation* AllocationTable::find_by_relay(const Endpoint& relayed) {
  const auto it = by_relay_.find(relayed);
  return it == by_relay_.end() ? nullptr : it->second;
}

Allocation* AllocationTable::find_by_id(AllocationId id) {
  const auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : it->second.get();
}

void AllocationTable::refresh(Allocation& allocation, TimePoint expires) {
  allocation.expires = expires;
  // A shorter lifetime must be seen in time; a longer one is found when the old entry pops.
  if (expires < allocation.scheduled) schedule(allocation, expires);
}

Permissions::Install AllocationTable::install_permission(Allocation& allocation, const IpAddress& peer,
                                                         TimePoint now, bool own_relay) {
  const TimePoint expires = now + limits_.permission_lifetime;
  const std::size_t before = allocation.permissions.size();
  const auto result = allocation.permissions.install(peer, expires, limits_.max_permissions, own_relay);
  count_permissions(before, allocation.permissions.size());
  if (result != Permissions::Install::full && expires < allocation.scheduled) schedule(allocation, expires);
  return result;
}

RecheckResult AllocationTable::recheck_peers(const PeerPolicy& policy, const LiveRelays& live_relays) {
  RecheckResult removed;
  for (auto& [id, allocation] : by_id_) {
    const std::size_t permissions = allocation->permissions.size();
    removed.permissions += allocation->permissions.remove_if([&](const IpAddress& peer, bool own_relay) {
      const PeerDecision decision = policy.check(Endpoint{peer, 0}, live_relays);
      return !decision.allowed && !(own_relay && decision.reason == PeerReason::server_address);
    });
    count_permissions(permissions, allocation->permissions.size());
    const std::size_t channels = allocation->channels.size();
    removed.channels += allocation->channels.recheck([&](const Endpoint& peer) -> std::optional<bool> {
      const PeerDecision decision = policy.check(peer, live_relays);
      if (!decision.allowed) return std::nullopt;
      return decision.reason == PeerReason::own_relay;
    });
    count_channels(channels, allocation->channels.size());
  }
  return removed;
}

ChannelBindOutcome AllocationTable::bind_channel(Allocation& allocation, std::uint16_t number, const Endpoint& peer,
                                                 TimePoint now, bool own_relay) {
  const TimePoint expires = now + limits_.channel_lifetime;
  const std::size_t before = allocation.channels.size();
  const auto result = allocation.channels.bind(number, peer, expires, now, limits_.max_channels, own_relay);
  count_channels(before, allocation.channels.size());
  if (result == ChannelBindOutcome::created || result == ChannelBindOutcome::refreshed) {
    if (expires < allocation.scheduled) schedule(allocation, expires);
    // RFC 8656 §12.2: the binding also installs or refreshes the permission for the peer's
    // IP. The permission limit does not apply here: a channel without its permission would
    // relay nothing, and channels are limited on their own.
    const TimePoint permission_expires = now + limits_.permission_lifetime;
    const std::size_t permissions_before = allocation.permissions.size();
    allocation.permissions.install(peer.address, permission_expires, SIZE_MAX, own_relay);
    count_permissions(permissions_before, allocation.permissions.size());
    if (permission_expires < allocation.scheduled) schedule(allocation, permission_expires);
  }
  return result;
}

std::optional<ReleasedRelay> AllocationTable::release(Allocation& allocation, AddressFamily family) {
  if (!allocation.relayed_ipv6 || !allocation.advertised_ipv6) return std::nullopt;
  ReleasedRelay released{allocation.id, *allocation.relayed_ipv6, *allocation.advertised_ipv6};
  if (family == AddressFamily::ipv4) {
    // The IPv6 relay becomes the allocation's only one, and it is counted as an IPv6 one.
    released = ReleasedRelay{allocation.id, allocation.relayed, allocation.advertised};
    counters_.active(allocation.five_tuple.transport, allocation.relayed.address.family()).add(-1);
    allocation.relayed = *allocation.relayed_ipv6;
    allocation.advertised = *allocation.advertised_ipv6;
    counters_.active(allocation.five_tuple.transport, allocation.relayed.address.family()).add(1);
  }
  by_relay_.erase(released.relayed);
  by_advertised_.erase(released.advertised);
  allocation.relayed_ipv6.reset();
  allocation.advertised_ipv6.reset();
  return released;
}

std::optional<EndedAllocation> AllocationTable::remove(AllocationId id, EndReason reason) {
  const auto it = by_id_.find(id);
  if (it == by_id_.end()) return std::nullopt;
  return end(it, reason);
}

EndedAllocation AllocationTable::end(std::unordered_map<AllocationId, std::unique_ptr<Allocation>>::iterator it,
                                     EndReason reason) {
  Allocation& allocation = *it->second;
  EndedAllocation ended;
  ended.id = allocation.id;
  ended.five_tuple = allocation.five_tuple;
  ended.relayed = allocation.relayed;
  ended.advertised = allocation.advertised;
  ended.relayed_ipv6 = allocation.relayed_ipv6;
  ended.advertised_ipv6 = allocation.advertised_ipv6;
  ended.username = std::move(allocation.username);
  ended.user_id = std::move(allocation.user_id);
  ended.created = allocation.created;
  ended.reason = reason;
  ended.counters = allocation.counters;
  ended.permissions = allocation.permissions.size();
  ended.channels = allocation.channels.size();
  count_permissions(ended.permissions, 0);
  count_channels(ended.channels, 0);
  counters_.active(allocation.five_tuple.transport, allocation.relayed.address.family()).add(-1);
  unindex(allocation);
  by_id_.erase(it);  // destroys the Allocation; its QuotaLease gives the quota slot back
  // Its entries in due_ stay behind and are skipped when they pop (the id is gone).
  return ended;
}

TimePoint AllocationTable::deadline_of(const Allocation& allocation) const {
  TimePoint deadline = allocation.expires;
  if (auto next = allocation.permissions.next_deadline()) deadline = std::min(deadline, *next);
  if (auto next = allocation.channels.next_deadline()) deadline = std::min(deadline, *next);
  return deadline;
}

void AllocationTable::schedule(Allocation& allocation, TimePoint deadline) {
  allocation.scheduled = deadline;
  due_.push(Due{deadline, allocation.id});
}

ExpireResult AllocationTable::expire(TimePoint now) {
  ExpireResult result;
  while (!due_.empty() && due_.top().at <= now) {
    const Due due = due_.top();
    due_.pop();
    const auto it = by_id_.find(due.id);
    // Skip entries of removed allocations and entries superseded by an earlier schedule.
    if (it == by_id_.end() || it->second->scheduled != due.at) continue;
    Allocation& allocation = *it->second;
    if (allocation.expires <= now) {
      result.allocations.push_back(end(it, EndReason::expired));
      continue;
    }
    const std::size_t permissions = allocation.permissions.expire(now);
    const std::size_t channels = allocation.channels.expire(now);
    count_permissions(permissions, 0);
    count_channels(channels, 0);
    result.permissions += permissions;
    result.channels += channels;
    schedule(allocation, deadline_of(allocation));
  }
  return result;
}

std::vector<EndedAllocation> AllocationTable::remove_all(EndReason reason) {
  std::vector<EndedAllocation> ended;
  ended.reserve(by_id_.size());
  while (!by_id_.empty()) ended.push_back(end(by_id_.begin(), reason));
  return ended;
}

std::optional<TimePoint> AllocationTable::next_deadline() const {
  if (due_.empty()) return std::nullopt;
  return due_.top().at;
}

void AllocationTable::for_each(const std::function<void(const Allocation&)>& visit) const {
  for (const auto& [id, allocation] : by_id_) visit(*allocation);
}

void AllocationTable::count_permissions(std::size_t before, std::size_t after) {
  const auto delta = static_cast<std::int64_t>(after) - static_cast<std::int64_t>(before);
  permission_count_ = static_cast<std::size_t>(static_cast<std::int64_t>(permission_count_) + delta);
  counters_.permissions_active.add(delta);
}

void AllocationTable::count_channels(std::size_t before, std::size_t after) {
  const auto delta = static_cast<std::int64_t>(after) - static_cast<std::int64_t>(before);
  channel_count_ = static_cast<std::size_t>(static_cast<std::int64_t>(channel_count_) + delta);
  counters_.channels_active.add(delta);
}

}  // namespace iceway::turn
