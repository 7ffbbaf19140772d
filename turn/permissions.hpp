#pragma once
// An allocation's permissions (RFC 8656 §9): peer IP address -> expiry. Keyed by IP only;
// the port is ignored, as the RFC says. Owned by the Allocation, so by one worker; the
// AllocationTable changes it so that its per-worker counts and expiry schedule stay right.
//
// A sorted vector (flat_map), not a hash table: an allocation holds one to a few permissions,
// so a lookup is a compare or two in memory the allocation already touched, where hashing
// cost a hash and a bucket walk per relayed packet, and an empty one costs no bucket array.
// The limit (TableLimits::max_permissions, 256 by default) bounds a lookup to 8 compares.
#include <algorithm>
#include <boost/container/flat_map.hpp>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <utility>

#include "common/clock.hpp"
#include "common/endpoint.hpp"

namespace iceway::turn {

class Permissions {
 public:
  enum class Install : std::uint8_t { created, refreshed, full };

  // Creates or refreshes the permission for `peer` until `expires` (an expired one still
  // waiting for expire() is refreshed in place). `full` when creating it would exceed `max`.
  // `own_relay`: granted for another allocation's relayed address on one of the server's
  // own addresses (sticky: the same IP may hold several relays); remove_if() needs it.
  Install install(const IpAddress& peer, TimePoint expires, std::size_t max, bool own_relay = false) {
    auto it = entries_.find(peer);
    if (it != entries_.end()) {
      it->second.expires = expires;
      it->second.own_relay = it->second.own_relay || own_relay;
      return Install::refreshed;
    }
    if (entries_.size() >= max) return Install::full;
    entries_.emplace(peer, Entry{expires, own_relay});
    return Install::created;
  }

  // Hot path (every relayed packet): a binary search, no allocation. RFC 8656 §9: data
  // does not refresh a permission.
  bool allows(const IpAddress& peer, TimePoint now) const {
    const auto it = entries_.find(peer);
    return it != entries_.end() && now < it->second.expires;
  }

  std::optional<TimePoint> expiry(const IpAddress& peer) const {
    const auto it = entries_.find(peer);
    if (it == entries_.end()) return std::nullopt;
    return it->second.expires;
  }

  // Removes permissions whose expiry is at or before `now`; returns how many it removed.
  std::size_t expire(TimePoint now) {
    return erase_where([&](const auto& entry) { return entry.second.expires <= now; });
  }

  // Removes the permissions for which `refuse(peer, own_relay)` is true (a new peer policy);
  // returns how many it removed.
  template <class Refuse>
  std::size_t remove_if(Refuse&& refuse) {
    return erase_where([&](const auto& entry) { return refuse(entry.first, entry.second.own_relay); });
  }

  std::optional<TimePoint> next_deadline() const {
    std::optional<TimePoint> next;
    for (const auto& [peer, entry] : entries_)
      if (!next || entry.expires < *next) next = entry.expires;
    return next;
  }

  std::size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }

 private:
  struct Entry {
    TimePoint expires;
    bool own_relay = false;
  };
  // One pass over the vector: removing while walking it would move the tail once per removal.
  template <class Pred>
  std::size_t erase_where(Pred&& pred) {
    auto sequence = entries_.extract_sequence();
    const auto kept = std::remove_if(sequence.begin(), sequence.end(), pred);
    const auto removed = static_cast<std::size_t>(sequence.end() - kept);
    sequence.erase(kept, sequence.end());
    entries_.adopt_sequence(boost::container::ordered_unique_range, std::move(sequence));  // still sorted
    return removed;
  }

  boost::container::flat_map<IpAddress, Entry, TableOrder> entries_;  // no storage until the first permission
};

}  // namespace iceway::turn
