#pragma once
// An allocation's permissions (RFC 8656 §9): peer IP address -> expiry. Keyed by IP only;
// the port is ignored, as the RFC says. Owned by the Allocation, so by one worker; the
// AllocationTable changes it so that its per-worker counts and expiry schedule stay right.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <unordered_map>

#include "common/clock.hpp"
#include "common/endpoint.hpp"

namespace iceway::turn {

class Permissions {
 public:
  enum class Install : std::uint8_t { created, refreshed, full };

  // Creates or refreshes the permission for `peer` until `expires` (an expired one still
  // waiting for expire() is refreshed in place). `full` when creating it would exceed `max`.
  Install install(const IpAddress& peer, TimePoint expires, std::size_t max) {
    auto it = entries_.find(peer);
    if (it != entries_.end()) {
      it->second = expires;
      return Install::refreshed;
    }
    if (entries_.size() >= max) return Install::full;
    entries_.emplace(peer, expires);
    return Install::created;
  }

  // Hot path (every relayed packet): one hash lookup, no allocation. RFC 8656 §9: data
  // does not refresh a permission.
  bool allows(const IpAddress& peer, TimePoint now) const {
    const auto it = entries_.find(peer);
    return it != entries_.end() && now < it->second;
  }

  std::optional<TimePoint> expiry(const IpAddress& peer) const {
    const auto it = entries_.find(peer);
    if (it == entries_.end()) return std::nullopt;
    return it->second;
  }

  // Removes permissions whose expiry is at or before `now`; returns how many it removed.
  std::size_t expire(TimePoint now) {
    return std::erase_if(entries_, [&](const auto& entry) { return entry.second <= now; });
  }

  std::optional<TimePoint> next_deadline() const {
    std::optional<TimePoint> next;
    for (const auto& [peer, expires] : entries_)
      if (!next || expires < *next) next = expires;
    return next;
  }

  std::size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }

 private:
  std::unordered_map<IpAddress, TimePoint> entries_;
};

}  // namespace iceway::turn
