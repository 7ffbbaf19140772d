#include "turn/tcp_connections.hpp"

#include <array>

namespace iceway::turn {

ConnectionId TcpConnections::fresh_id() {
  for (;;) {
    std::array<std::byte, 3> bytes{};
    random_.fill(bytes);
    const ConnectionId low = (static_cast<ConnectionId>(bytes[0]) << 16) | (static_cast<ConnectionId>(bytes[1]) << 8) |
                             static_cast<ConnectionId>(bytes[2]);
    const ConnectionId id = (static_cast<ConnectionId>(worker_) << 24) | low;
    // Zero is what a client that lost the attribute would send; never hand it out.
    if (id != 0 && !by_id_.contains(id)) return id;
  }
}

Result<ConnectionId, TcpRefusal> TcpConnections::add(AllocationId allocation, const Endpoint& peer, TcpState state,
                                                     TimePoint deadline,
                                                     std::optional<stun::TransactionId> transaction) {
  // RFC 6062 §5.2: one connection per peer address and allocation, whatever its state.
  if (by_peer_.contains(PeerKey{allocation, peer})) return failure(TcpRefusal::exists);
  auto& count = per_allocation_[allocation];
  if (count >= kMaxPerAllocation) return failure(TcpRefusal::too_many);
  const ConnectionId id = fresh_id();
  by_id_.emplace(id, TcpConnection{id, allocation, peer, state, deadline, transaction});
  by_peer_.emplace(PeerKey{allocation, peer}, id);
  deadlines_.emplace(deadline, id);
  ++count;
  return id;
}

Result<ConnectionId, TcpRefusal> TcpConnections::connect(AllocationId allocation, const Endpoint& peer,
                                                         const stun::TransactionId& transaction, TimePoint now) {
  return add(allocation, peer, TcpState::connecting, now + kConnectTimeout, transaction);
}

Result<ConnectionId, TcpRefusal> TcpConnections::accept(AllocationId allocation, const Endpoint& peer, TimePoint now) {
  return add(allocation, peer, TcpState::awaiting_bind, now + kBindTimeout, std::nullopt);
}

const TcpConnection* TcpConnections::connected(ConnectionId id, TimePoint now) {
  auto it = by_id_.find(id);
  if (it == by_id_.end() || it->second.state != TcpState::connecting) return nullptr;
  TcpConnection& connection = it->second;
  deadlines_.erase({connection.deadline, id});
  connection.state = TcpState::awaiting_bind;
  connection.deadline = now + kBindTimeout;
  deadlines_.emplace(connection.deadline, id);
  return &connection;
}

Result<TcpConnection, BindRefusal> TcpConnections::bind(ConnectionId id) {
  auto it = by_id_.find(id);
  if (it == by_id_.end()) return failure(BindRefusal::unknown);
  TcpConnection& connection = it->second;
  if (connection.state != TcpState::awaiting_bind) return failure(BindRefusal::not_ready);
  deadlines_.erase({connection.deadline, id});
  connection.state = TcpState::bound;
  return connection;
}

const TcpConnection* TcpConnections::find(ConnectionId id) const {
  auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : &it->second;
}

void TcpConnections::erase(std::unordered_map<ConnectionId, TcpConnection>::iterator it) {
  const TcpConnection& connection = it->second;
  if (connection.state != TcpState::bound) deadlines_.erase({connection.deadline, connection.id});
  by_peer_.erase(PeerKey{connection.allocation, connection.peer});
  auto count = per_allocation_.find(connection.allocation);
  if (count != per_allocation_.end() && --count->second == 0) per_allocation_.erase(count);
  by_id_.erase(it);
}

std::optional<TcpConnection> TcpConnections::remove(ConnectionId id) {
  auto it = by_id_.find(id);
  if (it == by_id_.end()) return std::nullopt;
  TcpConnection removed = it->second;
  erase(it);
  return removed;
}

std::vector<TcpConnection> TcpConnections::remove_allocation(AllocationId allocation) {
  std::vector<TcpConnection> removed;
  if (!per_allocation_.contains(allocation)) return removed;
  for (auto it = by_id_.begin(); it != by_id_.end();) {
    auto next = std::next(it);
    if (it->second.allocation == allocation) {
      removed.push_back(it->second);
      erase(it);
    }
    it = next;
  }
  return removed;
}

std::vector<TcpConnection> TcpConnections::expire(TimePoint now) {
  std::vector<TcpConnection> expired;
  while (!deadlines_.empty() && deadlines_.begin()->first <= now) {
    const ConnectionId id = deadlines_.begin()->second;
    auto it = by_id_.find(id);
    expired.push_back(it->second);
    erase(it);
  }
  return expired;
}

std::optional<TimePoint> TcpConnections::next_deadline() const {
  if (deadlines_.empty()) return std::nullopt;
  return deadlines_.begin()->first;
}

std::size_t TcpConnections::count(AllocationId allocation) const {
  auto it = per_allocation_.find(allocation);
  return it == per_allocation_.end() ? 0 : it->second;
}

}  // namespace iceway::turn
