#include "turn/server.hpp"

#include <cassert>

#include "stun/attributes/address.hpp"
#include "stun/attributes/text.hpp"
#include "stun/attributes/turn.hpp"
#include "stun/error_response.hpp"
#include "turn/dispatch.hpp"

namespace iceway::turn {

TableLimits TurnServer::limits_of(const Settings& settings) {
  return TableLimits{settings.permission_lifetime, settings.channel_lifetime, settings.max_permissions_per_allocation,
                     settings.max_channels_per_allocation};
}

TurnServer::TurnServer(SharedTurnState shared, Quota& quota, RelayPortAllocator& ports, const LiveRelays* live_relays,
                       std::uint8_t worker, std::uint8_t workers, RandomSource* random)
    : shared_(std::move(shared)),
      quota_(quota),
      ports_(ports),
      live_relays_(live_relays),
      table_(limits_of(*shared_.settings), counters_),
      retransmits_(shared_.settings->retransmit_cache_entries),
      random_(random != nullptr ? *random : system_random_),
      tcp_(worker, workers, random_) {
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
  return handle(bytes, five_tuple, tcp_.worker(), now, now_unix, out);
}

HandleResult TurnServer::on_handed_over(ByteSpan bytes, const FiveTuple& five_tuple, std::uint8_t home, TimePoint now,
                                        UnixSeconds now_unix, MutableByteSpan out) {
  return handle(bytes, five_tuple, home, now, now_unix, out);
}

HandleResult TurnServer::handle(ByteSpan bytes, const FiveTuple& five_tuple, std::uint8_t home, TimePoint now,
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
              tcp_,
              random_,
              home,
              out};
  return dispatch(bytes, ctx, retransmits_);
}

std::optional<ToClient> TurnServer::on_peer_datagram(AllocationId id, const Endpoint& peer, MutableByteSpan buffer,
                                                     std::size_t size, TimePoint now) {
  Allocation* allocation = table_.find_by_id(id);
  if (allocation == nullptr) {  // ended while the datagram waited in its relay socket
    counters_.relay_dropped_no_allocation.add();
    return std::nullopt;
  }
  if (allocation->detached) {  // no client to give it to until one takes the allocation over
    ++allocation->counters.dropped;
    counters_.relay_dropped_detached.add();
    return std::nullopt;
  }
  return relay_to_client(*allocation, peer, buffer, size, now, counters_);
}

namespace {

// The answer to a Connect whose outcome came later: signed with the key of the allocation's
// Allocate (a Connect must use the allocation's credentials, dispatch checked the user).
std::optional<ByteSpan> connect_answer(const Allocation& allocation, const stun::TransactionId& transaction,
                                       std::optional<ConnectionId> id, const Settings& settings,
                                       MutableByteSpan out) {
  stun::MessageBuilder builder(out);
  if (id) {
    builder.start({stun::Method::connect, stun::Class::success}, transaction);
    builder.add(stun::ConnectionId{*id});
  } else {
    stun::start_error_response(builder, stun::Method::connect, transaction,
                               stun::ErrorCode::connection_timeout_or_failure);
  }
  if (!settings.software.empty()) builder.add(stun::Software{settings.software});
  allocation.key.sign(builder);
  builder.add_fingerprint();
  auto bytes = builder.finish();
  if (!bytes) return std::nullopt;
  return bytes.value();
}

}  // namespace

std::optional<ToClient> TurnServer::on_tcp_connected(ConnectionId id, bool connected, TimePoint now,
                                                     MutableByteSpan out) {
  const TcpConnection* connection = tcp_.find(id);
  if (connection == nullptr || connection->state != TcpState::connecting || !connection->connect_transaction) {
    return std::nullopt;
  }
  const Allocation* allocation = table_.find_by_id(connection->allocation);
  if (allocation == nullptr) {
    tcp_.remove(id);
    return std::nullopt;
  }
  const stun::TransactionId transaction = *connection->connect_transaction;
  counters_.count_request(allocation->five_tuple.transport, CountedMethod::connect,
                          connected ? RequestResult::success : RequestResult::error);
  // §5.2: up, the success carries the id; "If the connection attempt fails or times out": 447.
  if (connected) tcp_.connected(id, now);
  else tcp_.remove(id);
  auto bytes = connect_answer(*allocation, transaction, connected ? std::optional(id) : std::nullopt,
                              *shared_.settings, out);
  if (!bytes) return std::nullopt;
  return ToClient{allocation->five_tuple, *bytes};
}

std::optional<TurnServer::ConnectionAttempt> TurnServer::on_tcp_peer_connected(AllocationId id, const Endpoint& peer,
                                                                               TimePoint now, MutableByteSpan out) {
  Allocation* allocation = table_.find_by_id(id);
  if (allocation == nullptr || !allocation->tcp) return std::nullopt;
  // §5.3: only a peer the client gave a permission may connect (and the policy still allows it:
  // a reload re-checked the permissions).
  if (!allocation->permissions.allows(peer.address, now)) {
    ++allocation->counters.dropped;
    return std::nullopt;
  }
  auto connection = tcp_.accept(id, peer, now);
  if (!connection) return std::nullopt;
  stun::MessageBuilder builder(out);
  builder.start({stun::Method::connection_attempt, stun::Class::indication}, indication_id(*allocation));
  builder.add(stun::ConnectionId{connection.value()}).add(stun::XorPeerAddress{peer});
  builder.add_fingerprint();
  auto bytes = builder.finish();
  if (!bytes) {
    tcp_.remove(connection.value());
    return std::nullopt;
  }
  return ConnectionAttempt{connection.value(), ToClient{allocation->five_tuple, bytes.value()}};
}

std::vector<TurnServer::ExpiredTcp> TurnServer::expire_tcp(TimePoint now) {
  std::vector<ExpiredTcp> expired;
  for (TcpConnection& connection : tcp_.expire(now)) {
    ExpiredTcp entry{connection, {}, {}};
    const Allocation* allocation = table_.find_by_id(connection.allocation);
    if (allocation != nullptr) {
      entry.client = allocation->five_tuple;
      if (connection.state == TcpState::connecting && connection.connect_transaction) {
        std::array<std::byte, kMinResponseBuffer> buffer{};
        counters_.count_request(allocation->five_tuple.transport, CountedMethod::connect, RequestResult::error);
        if (auto bytes = connect_answer(*allocation, *connection.connect_transaction, std::nullopt, *shared_.settings,
                                        buffer)) {
          entry.answer.assign(bytes->begin(), bytes->end());
        }
      }
    }
    expired.push_back(std::move(entry));
  }
  return expired;
}

Duration TurnServer::on_tcp_piped(AllocationId id, std::size_t to_peer, std::size_t to_client, TimePoint now) {
  Allocation* allocation = table_.find_by_id(id);
  if (allocation == nullptr) return Duration::zero();
  RelayCounters& counters = allocation->counters;
  // A stream has no packets: each read that moved bytes counts as one.
  counters.bytes_to_peer += to_peer;
  counters.bytes_to_client += to_client;
  if (to_peer > 0) {
    ++counters.packets_to_peer;
    counters_.count_relay(Direction::client_to_peer, to_peer);
  }
  if (to_client > 0) {
    ++counters.packets_to_client;
    counters_.count_relay(Direction::peer_to_client, to_client);
  }
  return allocation->bandwidth.charge(static_cast<double>(to_peer + to_client), now);
}

std::optional<EndedAllocation> TurnServer::on_connection_closed(const FiveTuple& five_tuple) {
  Allocation* allocation = table_.find(five_tuple);
  if (allocation == nullptr) return std::nullopt;
  if (allocation->ticket) {  // RFC 8016: it waits for its client's Refresh from elsewhere
    table_.detach(*allocation);
    return std::nullopt;
  }
  return table_.remove(allocation->id, EndReason::closed);
}

}  // namespace iceway::turn
