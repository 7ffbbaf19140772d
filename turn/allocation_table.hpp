#pragma once
// THE allocation table of one worker (STYLE.md "One owner per piece of state"): every
// allocation that worker relays for, indexed by client 5-tuple, by relay socket address and
// by advertised relayed address. Not thread-safe by design: only the owning worker calls it.
//
// Time is an argument. Deadlines live in the allocations and in a min-queue of
// (deadline, id); expire(now) pops what is due and returns what ended, so the I/O layer runs
// one timer per worker (next_deadline() says when it is next needed) and closes the relay
// sockets of the allocations it gets back. Nothing here closes a socket.
//
// The relay path makes one hash lookup here per packet (find() from a client, find_by_id()
// from a peer); the allocation's Permissions and Channels are small sorted vectors searched in
// place. No allocation, no string building.
//
// Changes to permissions and channels go through the table, so the per-worker counters
// (TurnCounters: allocations_active, permissions_active, channels_active) and the expiry
// queue stay right.
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <queue>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/clock.hpp"
#include "common/endpoint.hpp"
#include "turn/allocation.hpp"
#include "turn/counters.hpp"
#include "turn/peer_policy.hpp"

namespace iceway::turn {

enum class EndReason : std::uint8_t {
  expired,       // lifetime ran out (RFC 8656 §7.1)
  deleted,       // Refresh with LIFETIME 0 (§7.3)
  closed,        // the client's TCP/TLS connection closed (§7.1)
  shutdown,      // the server stopped (SIGTERM's drain_timeout passed, or SIGINT)
  disconnected,  // the operator ended it (iceway ctl disconnect)
};
std::string_view label(EndReason reason);

// What the I/O layer needs when an allocation ends: close `relayed`, log the summary.
struct EndedAllocation {
  AllocationId id = 0;
  FiveTuple five_tuple;
  Endpoint relayed;
  Endpoint advertised;
  std::optional<Endpoint> relayed_ipv6;  // a dual allocation's second relay: close it too
  std::optional<Endpoint> advertised_ipv6;
  std::string username;
  std::string user_id;
  TimePoint created{};
  EndReason reason = EndReason::expired;
  RelayCounters counters;
  std::size_t permissions = 0;  // still installed at the end
  std::size_t channels = 0;
};

struct ExpireResult {
  std::vector<EndedAllocation> allocations;  // close each one's relay socket
  std::size_t permissions = 0;               // permissions that expired in live allocations
  std::size_t channels = 0;                  // channel bindings that expired in live allocations
};

// One relay of a dual allocation that ended while the allocation lives on (Refresh with
// REQUESTED-ADDRESS-FAMILY IPv6 and LIFETIME 0): close `relayed`.
struct ReleasedRelay {
  AllocationId id = 0;
  Endpoint relayed;
  Endpoint advertised;
};

// What recheck_peers() removed.
struct RecheckResult {
  std::size_t permissions = 0;
  std::size_t channels = 0;
};

struct TableLimits {
  Seconds permission_lifetime{300};  // RFC 8656 §9
  Seconds channel_lifetime{600};     // RFC 8656 §12
  std::size_t max_permissions = 256;  // per allocation; more is 508 (§9.1 allows it)
  std::size_t max_channels = 256;     // per allocation; more is 508
};

// `counters` must outlive the table (the destructor ends what is left and updates them).
class AllocationTable final : public LiveRelays {
 public:
  AllocationTable(TableLimits limits, TurnCounters& counters) : limits_(limits), counters_(counters) {}
  ~AllocationTable() override;
  AllocationTable(const AllocationTable&) = delete;
  AllocationTable& operator=(const AllocationTable&) = delete;

  const TableLimits& limits() const { return limits_; }
  void set_limits(const TableLimits& limits) { limits_ = limits; }  // SIGHUP; applies to new changes

  // The caller checked that no allocation exists for spec.five_tuple (RFC 8656 §7.2: 437).
  Allocation& create(AllocationSpec spec, TimePoint now);

  Allocation* find(const FiveTuple& five_tuple);
  Allocation* find_by_relay(const Endpoint& relayed);
  Allocation* find_by_id(AllocationId id);
  // RFC 8016: the allocation whose current mobility ticket this is.
  Allocation* find_by_ticket(const stun::MobilityTicket& ticket);

  // RFC 8016 mobility. set_ticket: `ticket` becomes the current one, the old one the previous.
  void set_ticket(Allocation& allocation, const stun::MobilityTicket& ticket);
  // The client moved: the allocation now belongs to `five_tuple` (no other allocation may).
  void rebind(Allocation& allocation, const FiveTuple& five_tuple);
  // Its connection closed: the allocation is found only by its ticket (Allocation::detached).
  void detach(Allocation& allocation);
  // Moves an allocation to another worker's table: it leaves this one without ending (no
  // EndedAllocation, no log line; the gauges move with it) and adopt() takes it there, under
  // a new id. Nothing if unknown.
  std::unique_ptr<Allocation> extract(AllocationId id);
  Allocation& adopt(std::unique_ptr<Allocation> allocation);

  // RFC 8656 §7.3: a new lifetime from now. (LIFETIME 0 is remove(), not this.)
  void refresh(Allocation& allocation, TimePoint expires);
  // RFC 8656 §9: install or refresh for permission_lifetime.
  // `own_relay`: the peer is another allocation's relayed address (see Permissions::install).
  Permissions::Install install_permission(Allocation& allocation, const IpAddress& peer, TimePoint now,
                                          bool own_relay = false);
  // RFC 8656 §12.2: bind or refresh for channel_lifetime; also installs/refreshes the
  // permission for the peer's IP (unless the binding was refused). `own_relay`: see
  // ChannelBinding.
  ChannelBindOutcome bind_channel(Allocation& allocation, std::uint16_t number, const Endpoint& peer, TimePoint now,
                                  bool own_relay = false);

  // Drops one relay of a dual allocation, which goes on with the other (RFC 8656 §8.2, Refresh
  // with REQUESTED-ADDRESS-FAMILY and LIFETIME 0). Nothing when the allocation is not dual.
  std::optional<ReleasedRelay> release(Allocation& allocation, AddressFamily family);
  // Ends an allocation now (Refresh 0, connection closed, shutdown). Nothing if unknown.
  std::optional<EndedAllocation> remove(AllocationId id, EndReason reason);

  // A new peer policy (SIGHUP, or the host's addresses changed): removes every permission and
  // channel binding `policy` now refuses, at once rather than when they expire (up to 300 s
  // and 600 s later). A permission granted for another allocation's relayed address stays
  // while the policy refuses its IP only as a server address: it ignores ports, and Send and
  // ChannelData check the exact port there per packet.
  RecheckResult recheck_peers(const PeerPolicy& policy, const LiveRelays& live_relays);

  // Removes everything due at or before `now`.
  ExpireResult expire(TimePoint now);
  // Ends every allocation now (shutdown), each with `reason`, so each still gets its log line.
  std::vector<EndedAllocation> remove_all(EndReason reason);
  // The earliest time expire() has work to do (may be early: then it just reschedules).
  std::optional<TimePoint> next_deadline() const;

  std::size_t size() const { return by_id_.size(); }
  std::size_t permission_count() const { return permission_count_; }
  std::size_t channel_count() const { return channel_count_; }

  // LiveRelays: is `advertised` the XOR-RELAYED-ADDRESS of one of this worker's allocations?
  bool contains(const Endpoint& advertised) const override { return by_advertised_.contains(advertised); }

  // Every allocation, for drain and shutdown (the callback must not change the table).
  void for_each(const std::function<void(const Allocation&)>& visit) const;

 private:
  struct Due {
    TimePoint at;
    AllocationId id;
    bool operator>(const Due& other) const { return at > other.at; }
  };

  void schedule(Allocation& allocation, TimePoint deadline);
  TimePoint deadline_of(const Allocation& allocation) const;
  EndedAllocation end(std::unordered_map<AllocationId, std::unique_ptr<Allocation>>::iterator it, EndReason reason);
  void count_permissions(std::size_t before, std::size_t after);
  void count_channels(std::size_t before, std::size_t after);
  void index(Allocation& allocation);
  void unindex(const Allocation& allocation);

  TableLimits limits_;
  TurnCounters& counters_;
  AllocationId next_id_ = 1;
  std::unordered_map<AllocationId, std::unique_ptr<Allocation>> by_id_;
  std::unordered_map<FiveTuple, Allocation*> by_five_tuple_;
  std::unordered_map<Endpoint, Allocation*> by_relay_;
  std::unordered_map<Endpoint, AllocationId> by_advertised_;
  std::unordered_map<std::string, Allocation*> by_ticket_;  // RFC 8016, mobile allocations only
  std::priority_queue<Due, std::vector<Due>, std::greater<>> due_;
  std::size_t permission_count_ = 0;
  std::size_t channel_count_ = 0;
};

}  // namespace iceway::turn
