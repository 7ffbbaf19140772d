#pragma once
// The one relay core of signaling (SPEC §6): every connection of every protocol, the peer ids
// they hold and the rooms they are in, with the limits on both.
//
// Ownership and threads: not thread-safe. Exactly one owner (in the server, one thread; in tests,
// the test) calls every method. Connections are identified by the ConnectionId the I/O layer
// chose; peer ids and rooms live in one namespace per Protocol, so the four front doors share
// limits and counters but never each other's names.
//
// Pointers returned by find() stay valid until that connection is removed (the table is
// node-based); spans from members() are valid until the next join/leave/remove.
#include <cstddef>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/clock.hpp"
#include "common/endpoint.hpp"
#include "common/result.hpp"
#include "common/source_prefix.hpp"
#include "signal/counters.hpp"
#include "signal/limits.hpp"
#include "signal/outbox.hpp"
#include "signal/protocol.hpp"

namespace iceway::signaling {

// Heterogeneous lookup: find(std::string_view) without building a std::string.
struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view text) const noexcept { return std::hash<std::string_view>{}(text); }
};
template <class Value>
using StringMap = std::unordered_map<std::string, Value, StringHash, std::equal_to<>>;

struct RegistryLimits {
  std::size_t max_connections_per_ip = 100;  // per IPv4 address or IPv6 prefix (below)
  std::size_t max_rooms_per_connection = 16;
  std::size_t max_peers_per_room = 64;
  // One subscriber holds a whole IPv6 /64, so IPv6 clients count by this prefix length.
  unsigned ipv6_prefix = kDefaultIpv6SourcePrefix;
};

class Registry {
 public:
  struct Connection {
    ConnectionId id = 0;
    Protocol protocol = Protocol::native;
    IpAddress remote;
    IpAddress source;  // what max_connections_per_ip counts: remote cut to its prefix at add()
    std::string peer_id;             // empty until claim_id()
    std::vector<std::string> rooms;  // in join order; at most max_rooms_per_connection
    TokenBucket rate;                // messages per second (limits.hpp)
  };

  struct RoomDeparture {
    std::string room;
    std::vector<ConnectionId> remaining;  // members left behind, in join order
  };
  // What a removed connection leaves behind, so its protocol can tell the others.
  struct Departure {
    Protocol protocol = Protocol::native;
    std::string peer_id;
    std::vector<RoomDeparture> rooms;
  };

  enum class AddError { duplicate_connection, too_many_from_address };
  enum class JoinError { room_full, too_many_rooms, unknown_connection };
  struct Joined {
    bool already_member = false;
    std::vector<ConnectionId> others;  // members other than the joiner, in join order
  };

  Registry(RegistryLimits limits, Counters& counters) : limits_(limits), counters_(counters) {}
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // A reload applies to the next join and the next connection; nobody is evicted.
  void set_limits(RegistryLimits limits) { limits_ = limits; }
  const RegistryLimits& limits() const { return limits_; }

  // --- connections --------------------------------------------------------------------------
  // `burst` fills the new connection's token bucket.
  Result<Connection*, AddError> add(ConnectionId id, Protocol protocol, const IpAddress& remote, TimePoint now,
                                    double burst);
  Connection* find(ConnectionId id);
  const Connection* find(ConnectionId id) const;
  // Leaves every room and releases the peer id. nullopt if the connection is unknown (e.g. the
  // core already removed it when it decided to close it).
  std::optional<Departure> remove(ConnectionId id);
  std::size_t connection_count() const { return connections_.size(); }
  // Connections counted against `address`'s source (its IPv6 prefix).
  std::size_t connections_from(const IpAddress& address) const;
  // Visits every connection; the callback must not add or remove connections.
  void for_each(const std::function<void(const Connection&)>& visit) const;

  // --- peer ids (one namespace per protocol) ------------------------------------------------
  // False if the id is held by another connection. A connection holds at most one id; claiming
  // again replaces it.
  bool claim_id(ConnectionId id, std::string_view peer_id);
  // Moves `peer_id` from its current holder to `new_holder` (a same-token reconnect) and returns
  // the previous holder, which keeps its rooms but no longer has an id.
  std::optional<ConnectionId> take_over_id(ConnectionId new_holder, std::string_view peer_id);
  void release_id(ConnectionId id);
  std::optional<ConnectionId> holder(Protocol protocol, std::string_view peer_id) const;
  std::size_t peer_count(Protocol protocol) const { return peers_[index(protocol)].size(); }
  std::vector<std::string> peer_ids(Protocol protocol) const;

  // --- rooms (one namespace per protocol) ---------------------------------------------------
  Result<Joined, JoinError> join(ConnectionId id, std::string_view room);
  // The members left in the room, or nullopt if `id` was not a member.
  std::optional<std::vector<ConnectionId>> leave(ConnectionId id, std::string_view room);
  std::span<const ConnectionId> members(Protocol protocol, std::string_view room) const;
  bool is_member(ConnectionId id, std::string_view room) const;
  std::size_t room_count(Protocol protocol) const { return rooms_[index(protocol)].size(); }

 private:
  struct Room {
    std::vector<ConnectionId> members;  // join order
  };

  // Removes `id` from the room's member list (erasing an empty room) and returns who remains.
  std::vector<ConnectionId> drop_member(Protocol protocol, std::string_view room, ConnectionId id);

  RegistryLimits limits_;
  Counters& counters_;
  std::unordered_map<ConnectionId, Connection> connections_;
  std::unordered_map<IpAddress, std::size_t> per_address_;  // by Connection::source
  std::array<StringMap<ConnectionId>, kProtocolCount> peers_;
  std::array<StringMap<Room>, kProtocolCount> rooms_;
};

}  // namespace iceway::signaling
