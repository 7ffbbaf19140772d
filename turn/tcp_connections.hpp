#pragma once
// The peer TCP connections of TCP allocations (RFC 6062): one worker's table of them, by
// CONNECTION-ID, with the state each is in and its deadline.
//
//   connect()    a Connect request (§5.2): the server is opening a TCP connection from the
//                relayed address to the peer; its answer waits for the outcome. Deadline:
//                kConnectTimeout, then 447.
//   accept()     a peer connected to the relayed address (§5.3); the client hears of it in a
//                ConnectionAttempt indication.
//   connected()  the outgoing connection is up: the Connect success carries the id.
//   bind()       a ConnectionBind with the id arrived on a new client connection (§5.4): from
//                then on that connection and the peer's are one byte stream.
// A connection that is connecting or waiting for its ConnectionBind has a deadline
// (kConnectTimeout, kBindTimeout: the RFC's 30 s); expire() removes those past it. A bound
// one lives as long as its two TCP connections and its allocation.
//
// A CONNECTION-ID names its worker in its top byte: the ConnectionBind comes on a new TCP
// connection, which SO_REUSEPORT may hand to any worker, and that worker must find the one
// that holds the peer's socket. The other 24 bits are random and unused at the time, so ids
// are not guessable (a ConnectionBind must also come from the allocation's user, see
// handlers/connection_bind.cpp).
//
// Pure: time is passed in. Threading: the owning worker's thread only.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <set>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/clock.hpp"
#include "common/endpoint.hpp"
#include "common/result.hpp"
#include "stun/message.hpp"
#include "turn/allocation.hpp"
#include "turn/random_source.hpp"

namespace iceway::turn {

using ConnectionId = std::uint32_t;

enum class TcpState : std::uint8_t {
  connecting,     // Connect: the server's connection to the peer is being opened
  awaiting_bind,  // up, waiting for the client's ConnectionBind
  bound,          // relaying
};

struct TcpConnection {
  ConnectionId id = 0;
  AllocationId allocation = 0;
  Endpoint peer;
  TcpState state = TcpState::connecting;
  TimePoint deadline{};  // connecting and awaiting_bind only
  // The Connect request whose answer waits for the outcome (outgoing connections only).
  std::optional<stun::TransactionId> connect_transaction;
};

enum class TcpRefusal : std::uint8_t {
  exists,    // the allocation has a connection with that peer already: 446
  too_many,  // kMaxPerAllocation reached: 508
};

enum class BindRefusal : std::uint8_t {
  unknown,    // no such id on this worker (or it expired): 400
  not_ready,  // still connecting, or bound already: 400
};

class TcpConnections {
 public:
  static constexpr Seconds kConnectTimeout{30};  // RFC 6062 §5.2 (coturn: 30 s too)
  static constexpr Seconds kBindTimeout{30};     // RFC 6062 §5.2, §5.3: "30 seconds"
  // Per allocation, in any state: each is two sockets on the server, so a client cannot
  // make a thousand with one allocation.
  static constexpr std::size_t kMaxPerAllocation = 64;

  // `worker` is this worker's index (the ids' top byte) of `workers`; `random` outlives the table.
  TcpConnections(std::uint8_t worker, std::uint8_t workers, RandomSource& random)
      : worker_(worker), workers_(workers), random_(random) {}
  TcpConnections(const TcpConnections&) = delete;
  TcpConnections& operator=(const TcpConnections&) = delete;

  static std::uint8_t worker_of(ConnectionId id) { return static_cast<std::uint8_t>(id >> 24); }
  std::uint8_t worker() const { return worker_; }
  std::uint8_t workers() const { return workers_; }

  Result<ConnectionId, TcpRefusal> connect(AllocationId allocation, const Endpoint& peer,
                                           const stun::TransactionId& transaction, TimePoint now);
  Result<ConnectionId, TcpRefusal> accept(AllocationId allocation, const Endpoint& peer, TimePoint now);
  // The outgoing connection `id` is up: it now waits for its ConnectionBind. Null when `id`
  // is not connecting (expired or removed meanwhile).
  const TcpConnection* connected(ConnectionId id, TimePoint now);
  // The ConnectionBind for `id`: it is bound from now on.
  Result<TcpConnection, BindRefusal> bind(ConnectionId id);

  const TcpConnection* find(ConnectionId id) const;
  std::optional<TcpConnection> remove(ConnectionId id);
  // Every connection of `allocation` (it ended): the I/O layer closes their sockets.
  std::vector<TcpConnection> remove_allocation(AllocationId allocation);
  // Connections past their deadline, removed: a connecting one is answered 447, an unbound
  // one is closed.
  std::vector<TcpConnection> expire(TimePoint now);
  std::optional<TimePoint> next_deadline() const;

  std::size_t size() const { return by_id_.size(); }
  std::size_t count(AllocationId allocation) const;

 private:
  struct PeerKey {
    AllocationId allocation = 0;
    Endpoint peer;
    friend bool operator==(const PeerKey&, const PeerKey&) = default;
  };
  struct PeerKeyHash {
    std::size_t operator()(const PeerKey& key) const noexcept {
      return hash_value(key.peer) ^ (std::hash<AllocationId>{}(key.allocation) * 0x9e3779b97f4a7c15ULL);
    }
  };

  Result<ConnectionId, TcpRefusal> add(AllocationId allocation, const Endpoint& peer, TcpState state,
                                       TimePoint deadline, std::optional<stun::TransactionId> transaction);
  ConnectionId fresh_id();
  void erase(std::unordered_map<ConnectionId, TcpConnection>::iterator it);

  std::uint8_t worker_;
  std::uint8_t workers_;
  RandomSource& random_;
  std::unordered_map<ConnectionId, TcpConnection> by_id_;
  std::unordered_map<PeerKey, ConnectionId, PeerKeyHash> by_peer_;
  std::unordered_map<AllocationId, std::size_t> per_allocation_;
  std::set<std::pair<TimePoint, ConnectionId>> deadlines_;  // connecting and awaiting_bind
};

}  // namespace iceway::turn
