#pragma once
// The TURN part's slice of the configuration (SPEC §3 [server], [turn], [auth], [peers]).
// app/config.cpp fills it from TOML and flags and validates it; the TURN core only reads it.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/endpoint.hpp"
#include "common/source_prefix.hpp"
#include "stun/nat_behavior.hpp"

namespace iceway::turn {

struct StaticUser {
  std::string name;
  std::string password;
};

// An IPv4 or IPv6 prefix such as 10.0.0.0/8 or fc00::/7.
struct CidrText {
  std::string text;  // as written, for messages
};

struct Settings {
  std::string realm = "iceway";
  std::string software = "iceway";         // SOFTWARE attribute value (version appended by app/)
  // external_ip = "PUBLIC" or "PUBLIC/PRIVATE" (coturn's external-ip): the advertised relay
  // address is `public_ip` wherever the relay socket is bound to `private_ip` (or always when
  // private is unset).
  std::optional<IpAddress> external_public_ip;
  std::optional<IpAddress> external_private_ip;
  // server.alternate: where a draining node sends new Allocates (300 Try Alternate with
  // ALTERNATE-SERVER, RFC 8489 §10), at most one per family; a client is sent to the one of
  // its own family (§14.15), and without one it gets 508 as before.
  std::vector<Endpoint> alternate_servers;
  // turn.alternate_address: RFC 5780 NAT behaviour discovery on the primary listen address and
  // this second address (stun/nat_behavior.hpp); none = CHANGE-REQUEST, RESPONSE-PORT and
  // PADDING are unknown attributes (420), as RFC 5780 §7.2 wants of a server without them.
  std::optional<stun::NatAddresses> nat_behavior;

  std::vector<Endpoint> listen;             // STUN/TURN on UDP and TCP
  std::vector<Endpoint> tls_listen;         // used when a certificate is configured
  bool dtls = true;                         // DTLS on the UDP side of each tls_listen address
  std::optional<IpAddress> relay_ipv4;      // resolved by app/: never empty when IPv4 relays exist
  std::optional<IpAddress> relay_ipv6;      // empty = no IPv6 relays (440)
  std::uint16_t relay_port_min = 49152;
  std::uint16_t relay_port_max = 65535;
  std::chrono::seconds default_lifetime{600};  // RFC 8656 §7.2
  std::chrono::seconds max_lifetime{3600};
  std::chrono::seconds permission_lifetime{300};  // RFC 8656 §9
  std::chrono::seconds channel_lifetime{600};     // RFC 8656 §12
  std::size_t max_allocations = 10000;
  std::size_t max_allocations_per_user = 10;
  std::size_t max_allocations_per_ip = 20;
  std::uint64_t bandwidth_per_allocation = 0;  // bytes/s, 0 = unlimited
  // RFC 8016 mobility (turn/mobility.hpp): an allocation asked for with MOBILITY-TICKET
  // survives its client's move to a new address. Off by default, as in coturn.
  bool mobility = false;
  // TURN clients' TCP and TLS connections (issue 11): caps (0 = unlimited; per IP keys IPv6
  // by ipv6_prefix) and deadlines (turn/stream_deadlines.hpp says what each one bounds).
  std::size_t max_stream_clients = 10000;
  std::size_t max_stream_clients_per_ip = 64;
  std::size_t max_tls_handshakes = 256;
  std::chrono::milliseconds tls_handshake_timeout{10'000};
  std::chrono::milliseconds stream_frame_timeout{10'000};
  std::chrono::milliseconds stream_auth_timeout{20'000};
  // Per-source limits key IPv6 clients by this prefix length (server.ipv6_prefix).
  unsigned ipv6_prefix = kDefaultIpv6SourcePrefix;
  // Per allocation; more is 508 (RFC 8656 §10.2, §12.2 allow it). A browser uses a handful.
  std::size_t max_permissions_per_allocation = 256;
  std::size_t max_channels_per_allocation = 256;
  // Bytes of answers to unauthenticated senders (Binding, 420, and the auth step's 401, 438,
  // 400) per source (IPv6 by ipv6_prefix), per second and as a burst, over all workers; 0
  // disables the limit. A spoofed victim receives at most this from us. 8 KiB/s is about 85
  // challenges or 200 Binding answers a second: far above what ICE sends from one address
  // (a few Binding requests per candidate), and an allocation benchmark from one host still
  // gets its challenges.
  std::uint64_t unauthenticated_bytes_per_second = 8192;
  std::uint64_t unauthenticated_burst_bytes = 16384;
  // Retransmission cache entries per worker (RFC 8656 §7.2: same answer for 40 s).
  std::size_t retransmit_cache_entries = 4096;

  // [auth]
  std::vector<std::string> secrets;         // REST-API shared secrets; first signs, all verify
  std::chrono::seconds credential_ttl{24 * 3600};
  std::vector<StaticUser> users;
  std::chrono::seconds nonce_lifetime{600};

  // [peers]
  bool allow_loopback_peers = false;
  std::vector<std::string> peer_allow;      // CIDRs allowed even if in the default deny list
  std::vector<std::string> peer_deny;       // CIDRs denied in addition
  // Peers the policy refuses per allocation and minute (CreatePermission, ChannelBind), after
  // a burst of kRefusedPeerBurst; 0 = unlimited. Past it, requests for one of the server's
  // own ports are refused whether a relay lives there or not (see handlers/peer_check.hpp).
  std::uint32_t refused_peers_per_minute = 20;
};

}  // namespace iceway::turn
