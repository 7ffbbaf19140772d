// The relay path (RFC 8656 §11.3, §12.6, §12.7): ChannelData from clients to peers, and
// datagrams from peers to clients as ChannelData or Data indications. Called per packet: one
// hash lookup (the allocation) and searches of its small sorted permissions and channels, no
// allocation, and the payload is never copied (the header is written in front of it, in the
// room the I/O layer left).
#include <cassert>
#include <cstring>

#include "stun/attributes/address.hpp"
#include "stun/channel_data.hpp"
#include "stun/message_builder.hpp"
#include "turn/handlers/handlers.hpp"

namespace iceway::turn {
stun::TransactionId indication_id(Allocation& allocation) {
  stun::TransactionId id;
  const std::uint64_t sequence = ++allocation.indications_sent;
  for (int i = 0; i < 4; ++i) id.bytes[i] = std::byte(allocation.id >> (24 - 8 * i));
  for (int i = 0; i < 8; ++i) id.bytes[4 + i] = std::byte(sequence >> (56 - 8 * i));
  return id;
}

HandleResult relay_channel_data(ByteSpan bytes, Context& ctx) {
  HandleResult result;
  result.method = stun::Method::data;  // not a STUN method: ChannelData carries data
  const auto frame = stun::parse_channel_data(bytes);
  // §12.6: reserved or malformed numbers and truncated frames are discarded.
  if (!frame) {
    ctx.counters.relay_dropped_malformed.add();
    return result;
  }
  // §5: ChannelData on a 5-tuple without an allocation is ignored (a client's last frames
  // can arrive after its Refresh with lifetime 0).
  Allocation* allocation = ctx.table.find(ctx.five_tuple);
  if (allocation == nullptr) {
    ctx.counters.relay_dropped_no_allocation.add();
    return result;
  }
  // §12.6: a channel that is not bound discards; receiving data refreshes nothing. The peer
  // must still hold a permission (it lasts 300 s, the channel 600 s; ChannelBind refreshes
  // both, so a client that keeps its channel keeps its permission).
  const ChannelBinding* binding = allocation->channels.find(frame.value().channel_number, ctx.now);
  auto drop = [&] {
    ++allocation->counters.dropped;
    ctx.counters.relay_dropped_no_permission.add();
    return result;
  };
  if (binding == nullptr || !allocation->permissions.allows(binding->peer.address, ctx.now)) return drop();
  // A channel to another allocation's relayed address relays only while that allocation
  // lives (SPEC §9): once it ends, its port is just a port on our own address, which the
  // policy refuses. The same check as a Send indication's, and only for such channels, so
  // a channel to any other peer pays one flag test.
  if (binding->own_relay) {
    const PeerDecision decision = ctx.policy.check(binding->peer, ctx.live_relays);
    if (!decision.allowed) {
      result.peer_denied = decision.reason;
      return drop();
    }
  }
  const Endpoint* peer = &binding->peer;
  // The relay of the peer's family: a dual allocation's IPv6 relay may have been released
  // (Refresh with REQUESTED-ADDRESS-FAMILY) while the channel is still bound.
  const Endpoint* relay = allocation->relayed_for(peer->address.family());
  if (relay == nullptr) return drop();
  const ByteSpan payload = frame.value().data;
  if (!allocation->bandwidth.try_consume(static_cast<double>(payload.size()), ctx.now)) {
    ++allocation->counters.dropped;
    ctx.counters.relay_dropped_bandwidth.add();
    return result;
  }
  allocation->counters.bytes_to_peer += payload.size();
  ++allocation->counters.packets_to_peer;
  ctx.counters.count_relay(Direction::client_to_peer, payload.size());
  // §12.6: from the relayed address to the channel's peer, the data field as the payload
  // (also when it is empty).
  result.to_peer = ToPeer{allocation->id, *relay, *peer, payload};
  return result;
}

std::optional<ToClient> relay_to_client(Allocation& allocation, const Endpoint& peer, MutableByteSpan buffer,
                                        std::size_t size, TimePoint now, TurnCounters& counters) {
  // The I/O layer's side of the contract (handlers.hpp): room around the payload.
  assert(buffer.size() >= kPeerHeadroom + size + kPeerTailroom);
  if (buffer.size() < kPeerHeadroom + size + kPeerTailroom || size > 0xFFFF) return std::nullopt;

  // §11.3 / §9: only peers with a permission for their IP are relayed (ports ignored).
  if (!allocation.permissions.allows(peer.address, now)) {
    ++allocation.counters.dropped;
    counters.relay_dropped_no_permission.add();
    return std::nullopt;
  }
  if (!allocation.bandwidth.try_consume(static_cast<double>(size), now)) {
    ++allocation.counters.dropped;
    counters.relay_dropped_bandwidth.add();
    return std::nullopt;
  }
  const stun::Framing framing = framing_of(allocation.five_tuple.transport);
  ToClient out{allocation.five_tuple, {}};

  if (const std::uint16_t channel = allocation.channels.number_of(peer, now); channel != 0) {
    // §12.7 -> §12.5: a bound channel means ChannelData (the server MUST use it), padded to
    // 4 bytes on TCP/TLS.
    std::byte* header = buffer.data() + kPeerHeadroom - stun::kChannelDataHeaderSize;
    stun::write_channel_data_header(std::span<std::byte, stun::kChannelDataHeaderSize>(header, 4), channel,
                                    static_cast<std::uint16_t>(size));
    const std::size_t total = stun::channel_data_size(size, framing);
    std::memset(header + stun::kChannelDataHeaderSize + size, 0, total - stun::kChannelDataHeaderSize - size);
    out.bytes = ByteSpan(header, total);
  } else {
    // §11.3: no channel, a Data indication with XOR-PEER-ADDRESS and DATA, built so that the
    // DATA value lands exactly on the payload already in the buffer.
    const std::size_t header_size =
        stun::kHeaderSize + stun::kAttributeHeaderSize + stun::encoded_address_size(peer) + stun::kAttributeHeaderSize;
    const std::size_t start = kPeerHeadroom - header_size;
    stun::MessageBuilder builder(buffer.subspan(start));
    builder.start({stun::Method::data, stun::Class::indication}, indication_id(allocation));
    builder.add(stun::XorPeerAddress{peer});
    [[maybe_unused]] const auto value = builder.append_attribute(stun::AttributeType::data, size);
    const auto bytes = builder.finish();
    // The layout above is exact, so the DATA value is where the payload is.
    assert(value && value->data() == buffer.data() + kPeerHeadroom);
    if (!bytes) return std::nullopt;
    out.bytes = bytes.value();
  }
  allocation.counters.bytes_to_client += size;
  ++allocation.counters.packets_to_client;
  counters.count_relay(Direction::peer_to_client, size);
  return out;
}

}  // namespace iceway::turn
