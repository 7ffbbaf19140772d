#pragma once
// The TURN methods, one file each (turn/handlers/*.cpp), and the relay path. dispatch.cpp
// routes to them: it has already classified the message (400/420 answered), answered
// retransmissions from the cache, authenticated requests (401/438), found the 5-tuple's
// allocation (437) and checked its owner (441). Each handler follows its RFC 8656 section's
// steps in order, with the section number on each step.
#include <cstddef>
#include <optional>

#include "common/bytes.hpp"
#include "stun/channel_data.hpp"
#include "stun/message.hpp"
#include "turn/auth.hpp"
#include "turn/handlers/context.hpp"

namespace iceway::turn {

struct Request {
  const stun::MessageView& message;
  const Authenticated* auth = nullptr;  // requests; null for indications
  Allocation* allocation = nullptr;     // the 5-tuple's allocation; null only for Allocate
};

using Handler = HandleResult (*)(const Request& request, Context& ctx);

// How a client's transport frames messages. Over DTLS each record is one frame, as each
// datagram is over UDP (RFC 8656 §12.5); TCP and TLS are byte streams.
inline stun::Framing framing_of(Transport transport) {
  return transport == Transport::udp || transport == Transport::dtls ? stun::Framing::datagram : stun::Framing::stream;
}

HandleResult handle_allocate(const Request& request, Context& ctx);           // RFC 8656 §7.2
HandleResult handle_refresh(const Request& request, Context& ctx);            // RFC 8656 §8.2
HandleResult handle_create_permission(const Request& request, Context& ctx);  // RFC 8656 §10.2
HandleResult handle_channel_bind(const Request& request, Context& ctx);       // RFC 8656 §12.2
HandleResult handle_send(const Request& request, Context& ctx);               // RFC 8656 §11.2
HandleResult handle_connect(const Request& request, Context& ctx);            // RFC 6062 §5.2
HandleResult handle_connection_bind(const Request& request, Context& ctx);    // RFC 6062 §5.4

// RFC 8656 §12.6: a ChannelData message from the client on ctx.five_tuple. Returns the
// datagram to send to the peer (to_peer, a view into `bytes`) or nothing (dropped).
HandleResult relay_channel_data(ByteSpan bytes, Context& ctx);

// The transaction id of the next indication the server sends to `allocation`'s client (Data,
// ConnectionAttempt): its id and a counter, so no random bytes are drawn per relayed packet
// (indications expect no answer, RFC 8489 §6.3.2).
stun::TransactionId indication_id(Allocation& allocation);

// Room the I/O layer leaves in front of a peer datagram so that the header of a Data
// indication (20 + XOR-PEER-ADDRESS up to 24 + DATA header 4) or of a ChannelData message
// (4) is written in place, and behind it for padding (up to 3 bytes).
inline constexpr std::size_t kPeerHeadroom = 48;
inline constexpr std::size_t kPeerTailroom = 3;

// RFC 8656 §11.3, §12.7: a datagram from `peer` arrived on `allocation`'s relay socket. Its
// payload is buffer[kPeerHeadroom, kPeerHeadroom + size) and buffer has kPeerTailroom more
// bytes. Returns the ChannelData message (when a channel is bound to the peer) or Data
// indication to send to the client, built in place in `buffer`; nothing when there is no
// permission or the bandwidth cap is reached. No allocation, no copy of the payload.
std::optional<ToClient> relay_to_client(Allocation& allocation, const Endpoint& peer, MutableByteSpan buffer,
                                        std::size_t size, TimePoint now, TurnCounters& counters);

// The peer policy for a CreatePermission or ChannelBind peer, with a budget against
// scanning: a 403 on our own address means "no live relay on that port" and a success means
// "a live relay", so a client could map every live relay port (1,000 ports in 0.2 s) and then
// aim at other clients' relays. Each refused peer takes one token of the allocation's
// refused_peers bucket (and counts in its RelayCounters); with the bucket empty, a peer on
// one of our own addresses is refused as server_address even when it is a live relay, so a
// scan learns nothing more than a port per refused_per_minute.
PeerDecision check_peer(Allocation& allocation, const Endpoint& peer, Context& ctx);

// RFC 8656 §7.2, §8.2: the lifetime a request for `requested` seconds gets: the default when
// absent or smaller, else min(requested, max). (LIFETIME 0 in a Refresh is handled apart.)
Seconds desired_lifetime(std::optional<std::uint32_t> requested, const Settings& settings);

// The address clients see for a relay socket bound to `relayed`: external_ip's PUBLIC
// address when the relay is on its PRIVATE address (or no PRIVATE is given), same family.
Endpoint advertised_address(const Endpoint& relayed, const Settings& settings);

}  // namespace iceway::turn
