#pragma once
// The relayed addresses of every worker's live allocations, readable from any worker
// without a lock (SPEC §9: two relay-only clients reach each other through one server, so a
// permission for another allocation's relayed address must be allowed, whichever worker
// owns that allocation).
//
// A relayed address is the advertised relay IP of its family plus a port, so the set is one
// flag per port and family: set by the owning worker when an allocation is created, cleared
// when it ends, read by any worker on CreatePermission, ChannelBind and Send. Relaxed atomics
// suffice: a permission racing an allocation's creation on another thread may be refused
// once, which the client's retransmission fixes, and nothing is ever read torn.
#include <array>
#include <atomic>
#include <optional>

#include "turn/peer_policy.hpp"

namespace iceway::turn::io {

class LiveRelaySet final : public LiveRelays {
 public:
  // The advertised addresses relays of each family are reached at (external_ip aware).
  LiveRelaySet(std::optional<IpAddress> advertised_v4, std::optional<IpAddress> advertised_v6);

  void add(const Endpoint& advertised);
  void remove(const Endpoint& advertised);
  bool contains(const Endpoint& advertised) const override;

 private:
  struct Family {
    std::optional<IpAddress> address;
    std::array<std::atomic<std::uint8_t>, 65536> ports{};  // 0 = no live allocation
  };
  Family* family_of(const Endpoint& endpoint);
  const Family* family_of(const Endpoint& endpoint) const;

  Family v4_;
  Family v6_;
};

}  // namespace iceway::turn::io
