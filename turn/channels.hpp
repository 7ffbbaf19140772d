#pragma once
// An allocation's channel bindings (RFC 8656 §12): channel number <-> peer transport
// address, both directions indexed, each binding with its expiry. Owned by the Allocation
// (one worker); changed through AllocationTable so counts and expiry stay right.
//
// Channel numbers 0x4000-0x7FFF are accepted, the RFC 5766 range that coturn and deployed
// clients use. RFC 8656 §12 narrowed new bindings to 0x4000-0x4FFF to leave room for
// RFC 7983 demultiplexing; refusing 0x5000-0x7FFF would break RFC 5766 clients for no gain
// on a TURN-only port, and ChannelData is still recognised by its first two bits (01).
//
// Sorted vectors (flat_map), not hash tables, for the reason Permissions gives: one to a few
// bindings per allocation, looked up for every relayed packet; at most max_channels (256 by
// default), so a lookup is at most 8 compares.
#include <boost/container/flat_map.hpp>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "common/clock.hpp"
#include "common/endpoint.hpp"

namespace iceway::turn {

inline constexpr std::uint16_t kMinChannelNumber = 0x4000;
inline constexpr std::uint16_t kMaxChannelNumber = 0x7FFF;

enum class ChannelBindOutcome : std::uint8_t {
  created,
  refreshed,      // same number, same peer: RFC 8656 §12.2 refreshes it
  bad_number,     // outside 0x4000-0x7FFF: 400
  number_in_use,  // number bound to another peer: 400
  peer_in_use,    // peer bound to another number: 400
  full,           // per-allocation channel limit: 508
};

// One binding. `own_relay`: the peer is the relayed address of one of this server's live
// allocations (PeerReason::own_relay at bind time). Such a peer stops being allowed when that
// allocation ends, so ChannelData to it is re-checked per packet; any other peer was decided
// once at bind time and needs no check on the relay path.
struct ChannelBinding {
  Endpoint peer;
  TimePoint expires;
  bool own_relay = false;
};

class Channels {
 public:
  // RFC 8656 §12.2. A binding whose expiry has passed but that expire() has not yet removed
  // counts as gone: it is dropped here and the new binding is `created` (so size() may stay
  // the same after a `created`; callers that count bindings compare size() before and after).
  ChannelBindOutcome bind(std::uint16_t number, const Endpoint& peer, TimePoint expires, TimePoint now,
                          std::size_t max, bool own_relay = false) {
    if (number < kMinChannelNumber || number > kMaxChannelNumber) return ChannelBindOutcome::bad_number;
    if (auto it = by_number_.find(number); it != by_number_.end() && it->second.expires <= now) erase(it);
    if (auto it = by_peer_.find(peer); it != by_peer_.end()) {
      if (auto bound = by_number_.find(it->second); bound != by_number_.end() && bound->second.expires <= now) {
        erase(bound);
      }
    }
    const auto by_number = by_number_.find(number);
    const auto by_peer = by_peer_.find(peer);
    if (by_number != by_number_.end()) {
      if (!(by_number->second.peer == peer)) return ChannelBindOutcome::number_in_use;
      by_number->second.expires = expires;
      by_number->second.own_relay = own_relay;
      return ChannelBindOutcome::refreshed;
    }
    if (by_peer != by_peer_.end()) return ChannelBindOutcome::peer_in_use;
    if (by_number_.size() >= max) return ChannelBindOutcome::full;
    by_number_.emplace(number, ChannelBinding{peer, expires, own_relay});
    by_peer_.emplace(peer, number);
    return ChannelBindOutcome::created;
  }

  // Hot path: ChannelData from the client, a binary search. RFC 8656 §12.5: data does not
  // refresh a binding.
  const ChannelBinding* find(std::uint16_t number, TimePoint now) const {
    const auto it = by_number_.find(number);
    return it != by_number_.end() && now < it->second.expires ? &it->second : nullptr;
  }
  const Endpoint* peer_of(std::uint16_t number, TimePoint now) const {
    const ChannelBinding* binding = find(number, now);
    return binding != nullptr ? &binding->peer : nullptr;
  }

  // Hot path: data from a peer, two binary searches; 0 when the peer has no live channel (use
  // a Data indication).
  std::uint16_t number_of(const Endpoint& peer, TimePoint now) const {
    const auto it = by_peer_.find(peer);
    if (it == by_peer_.end()) return 0;
    const auto bound = by_number_.find(it->second);
    return bound != by_number_.end() && now < bound->second.expires ? it->second : 0;
  }

  std::optional<TimePoint> expiry(std::uint16_t number) const {
    const auto it = by_number_.find(number);
    if (it == by_number_.end()) return std::nullopt;
    return it->second.expires;
  }

  std::size_t expire(TimePoint now) {
    std::size_t removed = 0;
    for (auto it = by_number_.begin(); it != by_number_.end();) {
      if (it->second.expires <= now) {
        by_peer_.erase(it->second.peer);
        it = by_number_.erase(it);
        ++removed;
      } else {
        ++it;
      }
    }
    return removed;
  }

  // A new peer policy: `decide(peer)` returns nothing to remove the binding, or whether its
  // peer is now an own relay (ChannelBinding::own_relay). Returns how many it removed.
  template <class Decide>
  std::size_t recheck(Decide&& decide) {
    std::size_t removed = 0;
    for (auto it = by_number_.begin(); it != by_number_.end();) {
      const std::optional<bool> own_relay = decide(it->second.peer);
      if (!own_relay) {
        by_peer_.erase(it->second.peer);
        it = by_number_.erase(it);
        ++removed;
      } else {
        it->second.own_relay = *own_relay;
        ++it;
      }
    }
    return removed;
  }

  std::optional<TimePoint> next_deadline() const {
    std::optional<TimePoint> next;
    for (const auto& [number, binding] : by_number_)
      if (!next || binding.expires < *next) next = binding.expires;
    return next;
  }

  std::size_t size() const { return by_number_.size(); }
  bool empty() const { return by_number_.empty(); }

 private:
  using ByNumber = boost::container::flat_map<std::uint16_t, ChannelBinding>;

  void erase(ByNumber::iterator it) {
    by_peer_.erase(it->second.peer);
    by_number_.erase(it);
  }

  ByNumber by_number_;  // no storage until the first binding
  boost::container::flat_map<Endpoint, std::uint16_t, TableOrder> by_peer_;
};

}  // namespace iceway::turn
