// The table of configuration keys (config_keys.hpp says what follows from it).
#include "app/config_keys.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <optional>
#include <vector>

#include "app/config.hpp"

namespace iceway::app {
namespace {

using Kind = KeyKind;
using Reload = OnReload;

// Comparable text for each type a key's value is held in.
std::string show(const std::string& value) { return value; }
std::string show(bool value) { return value ? "true" : "false"; }
template <class Number>
  requires std::is_arithmetic_v<Number>
std::string show(Number value) { return std::to_string(value); }
template <class Rep, class Period>
std::string show(std::chrono::duration<Rep, Period> value) {
  return std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(value).count()) + "ms";
}
std::string show(const Endpoint& value) { return value.to_string(); }
std::string show(const std::optional<IpAddress>& value) { return value ? value->to_string() : std::string(); }
std::string show(const turn::StaticUser& user) { return user.name + ":" + user.password; }
template <class Item>
std::string show(const std::vector<Item>& items) {
  std::string text = "[";
  for (const auto& item : items) text += show(item) + "\n";  // no value holds a newline
  return text + "]";
}

constexpr auto kKeys = std::to_array<ConfigKey>({
    {"server.realm", Kind::string, "\"iceway\"", Reload::applies,
     "TURN realm",
     "The TURN realm (RFC 8656 §9.2), sent in every 401 challenge; clients hash it into their long-term key.",
     [](const Config& c) { return show(c.turn.realm); }},
    {"server.threads", Kind::integer, "0", Reload::restart,
     "0 = one worker per core",
     "Worker threads, at most 256; `0` = one per CPU core. Each worker owns its sockets and allocations.",
     [](const Config& c) { return show(c.server.threads); }},
    {"server.external_ip", Kind::string, "\"\"", Reload::applies,
     "\"PUBLIC\" or \"PUBLIC/PRIVATE\" when behind 1:1 NAT",
     "The public address when the server sits behind a 1:1 NAT (cloud VMs): `\"PUBLIC\"` or "
     "`\"PUBLIC/PRIVATE\"`, as coturn's `external-ip`. Relayed addresses bound to PRIVATE are advertised "
     "as PUBLIC in XOR-RELAYED-ADDRESS. Neither part may be unspecified, multicast or broadcast; a "
     "loopback PUBLIC warns unless every `turn.listen` address is loopback.",
     [](const Config& c) { return show(c.server.external_ip); }},
    {"server.public_host", Kind::string, "\"\"", Reload::applies,
     "the host in stun:/turn:/turns: URLs and the demo; default: external_ip, else a listen or local address",
     "The host name or address put in `stun:`/`turn:`/`turns:` URLs (ice-servers API, welcome message, "
     "demo page). Empty: `external_ip`'s public part, else the first specific listen address, else the "
     "first non-loopback address. Set it to the name in your TLS certificate.",
     [](const Config& c) { return show(c.server.public_host); }},
    {"server.drain_timeout", Kind::duration, "\"30s\"", Reload::applies,
     "on SIGTERM, how long allocations keep relaying while nothing new is accepted",
     "On SIGTERM: how long allocations keep relaying while no new allocations or connections are "
     "accepted, before the process exits 0. Keep the unit's `TimeoutStopSec` above it.",
     [](const Config& c) { return show(c.server.drain_timeout); }},
    {"server.alternate", Kind::addresses, "[]", Reload::applies,
     "while draining, new Allocates get 300 Try Alternate to these (\"IP:port\", one per family)",
     "Where a draining node (after SIGTERM, for `drain_timeout`) sends clients that ask for a new "
     "allocation: `\"IP:port\"`, at most one IPv4 and one IPv6 address (another node of the same "
     "deployment). The Allocate gets 300 Try Alternate with ALTERNATE-SERVER (RFC 8489 §10), signed with "
     "the client's key so it can trust the redirect; clients that follow it (WebRTC's TURN client in "
     "browsers does) then allocate there. A client is sent to the address of its own family; with none of "
     "its family, and with the list empty, it gets 508 as before. Reloadable.",
     [](const Config& c) { return show(c.turn.alternate_servers); }},
    {"server.ipv6_prefix", Kind::integer, "64", Reload::applies,
     "per-source limits count IPv6 clients by this prefix, not by address",
     "Every per-source limit (signaling connections, TURN allocations and stream connections, the limiter "
     "of unauthenticated answers) counts IPv6 clients by this prefix length, not by address: one "
     "subscriber usually holds a whole /64. `128` counts each address.",
     [](const Config& c) { return show(c.turn.ipv6_prefix); }},
    {"turn.listen", Kind::addresses, "[\"0.0.0.0:3478\", \"[::]:3478\"]", Reload::restart,
     "STUN/TURN on UDP and TCP",
     "STUN/TURN listeners, each on both UDP and TCP. iceway's worker threads share each port "
     "(SO_REUSEPORT), so it refuses to start when another process already holds one of these ports (or a "
     "`tls_listen` port): the kernel would otherwise split the clients between both servers.",
     [](const Config& c) { return show(c.turn.listen); }},
    {"turn.tls_listen", Kind::addresses, "[\"0.0.0.0:5349\"]", Reload::restart,
     "used when [tls] has a certificate",
     "STUN/TURN over TLS (`turns:`) listeners; used only when `[tls]` has a certificate. Use "
     "`\"0.0.0.0:443\"` to get through firewalls that only allow HTTPS (see docs/deploy.md).",
     [](const Config& c) { return show(c.turn.tls_listen); }},
    {"turn.dtls", Kind::boolean, "true", Reload::restart,
     "also serve TURN over DTLS on the UDP side of each tls_listen address",
     "With a certificate in `[tls]`, each `turn.tls_listen` address also serves STUN/TURN over DTLS 1.2 "
     "on UDP (as coturn does on its TLS port; `turnutils_uclient -S` without `-t`). A new client's "
     "ClientHello is answered with a stateless cookie (RFC 6347 HelloVerifyRequest), so spoofed sources "
     "cost no memory; the same certificate serves, and a reload replaces it. A DTLS session counts "
     "against the stream caps (`max_stream_clients`, per IP, `max_tls_handshakes`) and has a TLS "
     "connection's deadlines; its allocation ends with it. Browsers do not use DTLS for TURN. Restart "
     "to change.",
     [](const Config& c) { return show(c.turn.dtls); }},
    {"turn.relay_ipv4", Kind::ip_address, "\"\"", Reload::applies,
     "default: the IPv4 listen address, or the first non-loopback IPv4 address",
     "The IPv4 address relay sockets bind to. Empty: the IPv4 listen address if it is specific, else the "
     "first non-loopback IPv4 address. `0.0.0.0`, multicast (224.0.0.0/4) and 255.255.255.255 are refused "
     "(clients would be told to send there); a loopback address warns unless every `turn.listen` address "
     "is loopback.",
     [](const Config& c) { return show(c.turn.relay_ipv4); }},
    {"turn.relay_ipv6", Kind::ip_address, "\"\"", Reload::applies,
     "likewise for IPv6; empty and none found = no IPv6 relays (440)",
     "Likewise for IPv6. Empty and none found: no IPv6 relays, and an Allocate asking for IPv6 gets 440. "
     "With both families, an Allocate with ADDITIONAL-ADDRESS-FAMILY (RFC 8656 dual allocation; coturn's "
     "`turnutils_uclient -Z`) gets an IPv4 and an IPv6 relayed address in one allocation: one lifetime, "
     "one quota slot, one set of permissions, each peer reached from the relay of its family; a Refresh "
     "with REQUESTED-ADDRESS-FAMILY and LIFETIME 0 drops one family. Without an IPv6 relay (or port) the "
     "IPv4 part succeeds alone and ADDRESS-ERROR-CODE says why. `::` and multicast (ff00::/8) are "
     "refused; `::1` warns as above.",
     [](const Config& c) { return show(c.turn.relay_ipv6); }},
    {"turn.alternate_address", Kind::string, "\"\"", Reload::restart,
     "a second address of this host: RFC 5780 NAT behaviour discovery on it and the first listen address",
     "A second address of this host for RFC 5780 NAT behaviour discovery (what `turnutils_natdiscovery` "
     "and STUN libraries use to classify a NAT's mapping and filtering). It pairs with the first specific "
     "`turn.listen` address of its family (the primary; a wildcard listen address cannot say which "
     "address that is, so one must be listed) and the ports P and P+1 of that listener: iceway then also "
     "receives UDP on primary:P+1, alternate:P and alternate:P+1, and Binding answers carry "
     "RESPONSE-ORIGIN and OTHER-ADDRESS, follow CHANGE-REQUEST (change IP, change port), RESPONSE-PORT "
     "and PADDING (never padded beyond the request's size). Empty: those three request attributes get "
     "420, as RFC 5780 §7.2 asks of a server without the feature. Restart to change.",
     [](const Config& c) { return c.turn.nat_behavior ? c.turn.nat_behavior->alternate.to_string() : std::string(); }},
    {"turn.relay_ports", Kind::string, "\"49152-65535\"", Reload::applies,
     "UDP ports for relayed addresses, \"MIN-MAX\"",
     "The UDP port range for relayed addresses, `\"MIN-MAX\"`. Each allocation holds one port, so the "
     "range bounds the number of allocations per relay address. An Allocate with EVEN-PORT R=1 (an "
     "RTP/RTCP pair, as coturn's `turnutils_uclient` asks by default) gets an even port and the next one "
     "held for 30 s under a RESERVATION-TOKEN; a held port counts against the allocation quotas until it "
     "is taken or released.",
     [](const Config& c) { return show(c.turn.relay_port_min) + "-" + show(c.turn.relay_port_max); }},
    {"turn.max_lifetime", Kind::duration, "\"1h\"", Reload::applies,
     "the longest allocation lifetime a client may ask for",
     "The longest lifetime an Allocate or Refresh may request; longer requests are cut to it (RFC 8656 "
     "§7.2, default lifetime 600 s).",
     [](const Config& c) { return show(c.turn.max_lifetime); }},
    {"turn.max_allocations", Kind::integer, "10000", Reload::applies,
     "allocations on the whole server; 0 = unlimited",
     "Allocations on the whole server. Beyond it: 508 Insufficient Capacity. Exported as "
     "`iceway_turn_allocations_limit`.",
     [](const Config& c) { return show(c.turn.max_allocations); }},
    {"turn.max_allocations_per_user", Kind::integer, "10", Reload::applies,
     "per TURN user name; 0 = unlimited",
     "Allocations per TURN user name (the user-id part of REST-API names). Beyond it: 486 Allocation "
     "Quota Reached.",
     [](const Config& c) { return show(c.turn.max_allocations_per_user); }},
    {"turn.max_allocations_per_ip", Kind::integer, "20", Reload::applies,
     "per client IP (IPv6: per server.ipv6_prefix); 0 = unlimited",
     "Allocations per client IP address (an IPv6 client by its `server.ipv6_prefix`, a /64 by default). "
     "Beyond it: 486.",
     [](const Config& c) { return show(c.turn.max_allocations_per_ip); }},
    {"turn.default_lifetime", Kind::duration, "\"10m\"", Reload::applies,
     "lifetime of an allocation that asks for none or less",
     "The lifetime of an allocation that asks for none or less (RFC 8656 §7.2); capped by `max_lifetime`.",
     [](const Config& c) { return show(c.turn.default_lifetime); }},
    {"turn.permission_lifetime", Kind::duration, "\"5m\"", Reload::applies,
     "a permission lasts this long unless refreshed",
     "How long a permission lasts unless refreshed (RFC 8656 §9: 300 s).",
     [](const Config& c) { return show(c.turn.permission_lifetime); }},
    {"turn.channel_lifetime", Kind::duration, "\"10m\"", Reload::applies,
     "a channel binding lasts this long unless refreshed",
     "How long a channel binding lasts unless refreshed (RFC 8656 §12: 600 s).",
     [](const Config& c) { return show(c.turn.channel_lifetime); }},
    {"turn.bandwidth_per_allocation", Kind::bytes, "\"0\"", Reload::applies,
     "bytes/s, 0 = unlimited",
     "Relay bandwidth per allocation in bytes per second; `\"0\"` = unlimited. Packets over it are "
     "dropped and counted as `iceway_turn_relay_dropped_packets_total{reason=\"bandwidth\"}`.",
     [](const Config& c) { return show(c.turn.bandwidth_per_allocation); }},
    {"turn.mobility", Kind::boolean, "false", Reload::applies,
     "RFC 8016: an allocation survives its client's move to a new address",
     "Mobility (RFC 8016, `turnutils_uclient -M`): an Allocate with an empty MOBILITY-TICKET gets a "
     "ticket, and a Refresh from a new client address or connection that carries it (with the same "
     "user's credentials) takes the allocation over, relay address, permissions and channels included. "
     "An allocation made over TCP, TLS or DTLS with a ticket outlives its connection for the rest of "
     "its lifetime, waiting for its client. Off (as in coturn): MOBILITY-TICKET is answered 405 Mobility "
     "Forbidden. TCP relays (RFC 6062) never get a ticket. Browsers do not ask for mobility.",
     [](const Config& c) { return show(c.turn.mobility); }},
    {"turn.max_stream_clients", Kind::integer, "10000", Reload::applies,
     "TCP+TLS client connections at once; 0 = unlimited",
     "TURN clients' TCP and TLS connections open at once on the whole server; `0` = unlimited. A "
     "connection beyond it is closed at accept, without an answer, and counted as "
     "`iceway_turn_stream_closed_total{reason=\"total_limit\"}`. Each one costs a file descriptor and a "
     "few KiB: keep it below the process's `LimitNOFILE`.",
     [](const Config& c) { return show(c.turn.max_stream_clients); }},
    {"turn.max_stream_clients_per_ip", Kind::integer, "64", Reload::applies,
     "per client IP (IPv6: per server.ipv6_prefix)",
     "The same per client address (IPv6: per `server.ipv6_prefix`, a /64 by default); `0` = unlimited. "
     "Counted as `reason=\"per_ip_limit\"`. Room for `max_allocations_per_ip` TCP allocations (one "
     "connection each) plus STUN-only connections from the same NAT.",
     [](const Config& c) { return show(c.turn.max_stream_clients_per_ip); }},
    {"turn.max_tls_handshakes", Kind::integer, "256", Reload::applies,
     "TLS handshakes in progress at once",
     "TLS handshakes in progress at once on the whole server (a half-sent ClientHello holds one until "
     "`tls_handshake_timeout`); `0` = unlimited. Beyond it a new TLS connection is closed at accept and "
     "counted as `reason=\"tls_handshake_limit\"`.",
     [](const Config& c) { return show(c.turn.max_tls_handshakes); }},
    {"turn.tls_handshake_timeout", Kind::duration, "\"10s\"", Reload::applies,
     "a TLS handshake must finish this long after accept",
     "A TLS handshake must finish this long after accept, or the connection is closed "
     "(`reason=\"handshake_timeout\"`). At least `\"100ms\"`.",
     [](const Config& c) { return show(c.turn.tls_handshake_timeout); }},
    {"turn.stream_frame_timeout", Kind::duration, "\"10s\"", Reload::applies,
     "a frame must complete this long after its first byte",
     "A STUN message or ChannelData frame on TCP/TLS must be complete this long after the read that "
     "brought its first byte (`reason=\"frame_timeout\"`). Absolute: more bytes of the same frame do not "
     "extend it, so a client trickling a byte at a time is closed all the same. The read buffer grows "
     "only with bytes received, never to the length a header announces. At least `\"100ms\"`.",
     [](const Config& c) { return show(c.turn.stream_frame_timeout); }},
    {"turn.stream_auth_timeout", Kind::duration, "\"20s\"", Reload::applies,
     "first success or authenticated answer on a new connection",
     "Within this long of accept (TLS handshake included), a TCP/TLS connection must have been answered "
     "with a success (a Binding success, or any success to an authenticated TURN request) or with an "
     "answer carrying MESSAGE-INTEGRITY (its credentials verified). A 401 challenge or another error to "
     "an unauthenticated request does not count. Otherwise it is closed (`reason=\"auth_timeout\"`). "
     "Afterwards a connection without an allocation is closed after 60 s without a complete frame "
     "(`reason=\"idle_timeout\"`); one with an allocation lives as long as the allocation. At least "
     "`\"100ms\"`.",
     [](const Config& c) { return show(c.turn.stream_auth_timeout); }},
    {"turn.unauthenticated_bytes_per_second", Kind::bytes, "\"8KiB\"", Reload::applies,
     "answers to unauthenticated senders, per source: what a spoofed victim can get",
     "Bytes per second iceway answers to one source (an IPv4 address, an IPv6 client by its "
     "`server.ipv6_prefix`) with anything not signed with a user's key: Binding successes, 420, and the "
     "401, 438 and 400 of the credential check. Over UDP the source address can be forged, so this is the "
     "most a spoofed victim receives from one iceway process, whatever `server.threads` says. Requests "
     "over it go unanswered and are counted as `iceway_stun_requests_total{result=\"rate_limited\"}`. 8 "
     "KiB/s is about 200 Binding answers or 80 challenges a second, far above what ICE sends from one "
     "address. `\"0\"` = unlimited (not for a public server).",
     [](const Config& c) { return show(c.turn.unauthenticated_bytes_per_second); }},
    {"turn.unauthenticated_burst_bytes", Kind::bytes, "\"16KiB\"", Reload::applies,
     "the burst of those answers at once (at least 512)",
     "How many such bytes one source may receive at once before `unauthenticated_bytes_per_second` "
     "applies. At least 512 (an answer larger than the burst could never be sent).",
     [](const Config& c) { return show(c.turn.unauthenticated_burst_bytes); }},
    {"auth.secrets", Kind::strings, "[]", Reload::applies,
     "TURN REST API shared secrets; first signs, all verify",
     "TURN REST API shared secrets (coturn's `static-auth-secret`). Credentials are `username = "
     "\"<unix-expiry>:<user-id>\"`, `password = base64(HMAC-SHA1(secret, username))`. The first secret "
     "signs new credentials; all of them verify, so to rotate, put the new secret first, reload, and "
     "remove the old one once the credentials it signed have expired (`credential_ttl`).",
     [](const Config& c) { return show(c.turn.secrets); }},
    {"auth.secret_file", Kind::string, "\"\"", Reload::applies,
     "alternative: one secret per line",
     "Alternative to `secrets`: a file with one secret per line, in the same order (first signs). Keeps "
     "secrets out of the main file.",
     nullptr},
    {"auth.credential_ttl", Kind::duration, "\"24h\"", Reload::applies,
     "the longest lifetime of credentials iceway hands out",
     "The longest lifetime of credentials iceway hands out (ice-servers API, signaling welcome); a "
     "requested `ttl` above it is capped.",
     [](const Config& c) { return show(c.turn.credential_ttl); }},
    {"auth.api_keys", Kind::strings, "[]", Reload::applies,
     "for GET /api/v1/ice-servers",
     "Keys for `GET /api/v1/ice-servers` (`Authorization: Bearer <key>`). Empty: the endpoint answers "
     "401, except in development mode.",
     [](const Config& c) { return show(c.signal.api_keys); }},
    {"auth.api_key_file", Kind::string, "\"\"", Reload::applies,
     "alternative to api_keys: one key per line",
     "Alternative to `api_keys`: a file with one key per line.",
     nullptr},
    {"auth.nonce_lifetime", Kind::duration, "\"10m\"", Reload::applies,
     "a NONCE is valid this long, then 438 Stale Nonce",
     "How long a NONCE stays valid before a client gets 438 Stale Nonce and retries with a fresh one. "
     "With `secrets`, the NONCE key is derived from the first secret, so every node sharing it accepts "
     "the others' nonces (several nodes behind one name); without, it is random at start.",
     [](const Config& c) { return show(c.turn.nonce_lifetime); }},
    {"auth.users", Kind::tables, "[]", Reload::applies,
     "static long-term users: [{ name = \"...\", password = \"...\" }]; also by USERHASH (RFC 8489)",
     "Static long-term users, `[{ name = \"alice\", password = \"...\" }]`, for clients that cannot use "
     "time-limited credentials.",
     [](const Config& c) { return show(c.turn.users); }},
    {"peers.allow_loopback", Kind::boolean, "false", Reload::applies,
     "allow peers on 127.0.0.0/8 and ::1",
     "Allow peers on 127.0.0.0/8 and ::1. Only for tests on one machine.",
     [](const Config& c) { return show(c.turn.allow_loopback_peers); }},
    {"peers.allow", Kind::strings, "[]", Reload::applies,
     "CIDRs allowed even if in the default deny list",
     "CIDRs allowed even though the default list denies them, e.g. `[\"10.20.0.0/16\"]` for a private "
     "network the relay should reach.",
     [](const Config& c) { return show(c.turn.peer_allow); }},
    {"peers.deny", Kind::strings, "[]", Reload::applies,
     "CIDRs denied in addition",
     "CIDRs denied in addition to the default list.",
     [](const Config& c) { return show(c.turn.peer_deny); }},
    {"peers.refused_per_minute", Kind::integer, "20", Reload::applies,
     "refused peers per allocation before its probes of our own ports are all refused",
     "Peers the policy may refuse per allocation and minute (after a burst of 10) before every "
     "CreatePermission and ChannelBind for one of the server's own addresses is refused too, live relay "
     "or not. Without it, a client could tell live relay ports from dead ones (1,000 ports in 0.2 s) and "
     "then target other clients' relays. Refusals per allocation are logged as `refused_peers=` when it "
     "ends. `0` = unlimited.",
     [](const Config& c) { return show(c.turn.refused_peers_per_minute); }},
    {"signal.listen", Kind::address, "\"0.0.0.0:8080\"", Reload::restart,
     "the public HTTP/WebSocket listener (signaling, ice-servers API, demo)",
     "The public HTTP listener: signaling (`/ws`, `/peerjs`, `/relay`, `/yjs`), `/api/v1/ice-servers`, "
     "the demo page and `/sdk/iceway.js`. HTTPS when `[tls]` has a certificate. `\"0.0.0.0:443\"` needs "
     "the unit's `CAP_NET_BIND_SERVICE` (it has it).",
     [](const Config& c) { return show(c.signal.listen); }},
    {"signal.require_token", Kind::boolean, "false", Reload::applies,
     "require a JWT (?token=) on signaling connections",
     "Require a JWT (`?token=`) on signaling connections. Without it, clients may pick an id with `?id=` "
     "or get a random one.",
     [](const Config& c) { return show(c.signal.require_token); }},
    {"signal.anonymous_credentials", Kind::boolean, "false", Reload::applies,
     "true: /ws hands TURN credentials to clients without a token",
     "Whether the `/ws` welcome carries TURN credentials for a client without a token. Off: only a "
     "token's identity gets them (anonymous clients get the STUN URL and `ttl` 0); in development mode "
     "(no config file) everyone does. On: anyone who can open `/ws` gets credentials valid for "
     "`auth.credential_ttl` under any id they name, and can use up that user's "
     "`turn.max_allocations_per_user`, which is what an open relay costs; `--check-config` warns. Prefer "
     "tokens or `GET /api/v1/ice-servers` from your backend.",
     [](const Config& c) { return show(c.signal.anonymous_credentials); }},
    {"signal.token_secret", Kind::string, "\"\"", Reload::applies,
     "HS256 secret for signaling JWTs",
     "The HS256 secret your backend signs signaling JWTs with (claims: `sub` = peer id, optional `rooms`, "
     "`exp`).",
     [](const Config& c) { return show(c.signal.token_secret); }},
    {"signal.allowed_origins", Kind::strings, "[]", Reload::applies,
     "origins allowed to connect and to import /sdk/iceway.js (CORS); empty = any",
     "Origins allowed to open signaling WebSockets, call the ice-servers API and import `/sdk/iceway.js` "
     "(CORS); empty = any. Example: `[\"https://app.example.com\"]`.",
     [](const Config& c) { return show(c.signal.allowed_origins); }},
    {"signal.token_secret_file", Kind::string, "\"\"", Reload::applies,
     "alternative to token_secret: a file holding it",
     "Alternative to `token_secret`: a file holding it.",
     nullptr},
    {"signal.max_frame_bytes", Kind::bytes, "\"64KiB\"", Reload::applies,
     "the largest WebSocket message a client may send",
     "The largest WebSocket message a client may send; larger ones get `too-large` (or the protocol's "
     "equivalent).",
     [](const Config& c) { return show(c.signal.max_frame_bytes); }},
    {"signal.max_json_depth", Kind::integer, "32", Reload::applies,
     "how deeply a client's JSON may nest",
     "How deeply a client's JSON may nest.",
     [](const Config& c) { return show(c.signal.max_json_depth); }},
    {"signal.messages_per_second", Kind::number, "50", Reload::applies,
     "messages per second per connection (token bucket)",
     "Token-bucket rate of messages per connection; over it: `rate-limited`.",
     [](const Config& c) { return show(c.signal.messages_per_second); }},
    {"signal.message_burst", Kind::number, "100", Reload::applies,
     "messages that may arrive at once",
     "The bucket's size: how many messages may arrive at once.",
     [](const Config& c) { return show(c.signal.message_burst); }},
    {"signal.max_connections_per_ip", Kind::integer, "100", Reload::applies,
     "signaling connections per IP (IPv6: per server.ipv6_prefix)",
     "Signaling connections from one IP address (an IPv6 client by its `server.ipv6_prefix`, a /64 by "
     "default).",
     [](const Config& c) { return show(c.signal.max_connections_per_ip); }},
    {"signal.max_rooms_per_connection", Kind::integer, "16", Reload::applies,
     "rooms (or y-webrtc topics) one connection may join",
     "Rooms (or y-webrtc topics) one connection may join.",
     [](const Config& c) { return show(c.signal.max_rooms_per_connection); }},
    {"signal.max_peers_per_room", Kind::integer, "64", Reload::applies,
     "members per room",
     "Members per room; one more gets `room-full`.",
     [](const Config& c) { return show(c.signal.max_peers_per_room); }},
    {"signal.max_send_queue_bytes", Kind::bytes, "\"1MiB\"", Reload::applies,
     "bytes queued for a client that does not read, then 1008",
     "Bytes queued for a client that does not read; past it the connection is closed with 1008.",
     [](const Config& c) { return show(c.signal.max_send_queue_bytes); }},
    {"signal.ping_interval", Kind::duration, "\"20s\"", Reload::applies,
     "WebSocket ping interval",
     "WebSocket ping interval.",
     [](const Config& c) { return show(c.signal.ping_interval); }},
    {"signal.idle_timeout", Kind::duration, "\"60s\"", Reload::applies,
     "a connection silent this long (no frame or pong) is closed",
     "A connection with no frame (or pong) for this long is closed.",
     [](const Config& c) { return show(c.signal.idle_timeout); }},
    {"signal.permessage_deflate", Kind::boolean, "false", Reload::applies,
     "negotiate WebSocket compression",
     "Negotiate WebSocket compression.",
     [](const Config& c) { return show(c.signal.permessage_deflate); }},
    {"signal.static_dir", Kind::string, "\"\"", Reload::restart,
     "a directory served under / on the public listener; \"\" = none",
     "A directory whose files are served under `/` on the public listener (for your own app's pages); "
     "empty = none. Must exist. Request paths that try to leave it (`..`, encoded slashes, backslashes) "
     "get 404; `/` and paths ending in `/` serve `index.html`. The built-in routes (`/ws`, "
     "`/sdk/iceway.js`, the demo, ...) take precedence.",
     [](const Config& c) { return show(c.signal.static_dir); }},
    {"signal.handshake_timeout", Kind::duration, "\"30s\"", Reload::applies,
     "time for the HTTP request, WebSocket upgrade or TLS handshake",
     "How long a client may take to send its HTTP request, finish the WebSocket upgrade or the TLS "
     "handshake; at least `\"1s\"`.",
     [](const Config& c) { return show(c.signal.handshake_timeout); }},
    {"signal.max_http_body_bytes", Kind::bytes, "\"64KiB\"", Reload::applies,
     "the largest HTTP request body read; larger gets 413",
     "The largest HTTP request body the public listener reads (at most `\"64MiB\"`); larger requests get 413.",
     [](const Config& c) { return show(c.signal.max_http_body_bytes); }},
    {"signal.peerjs.path", Kind::string, "\"/peerjs\"", Reload::restart,
     "where new Peer({host, port, path}) connects",
     "Where `new Peer({host, port, path})` connects.",
     [](const Config& c) { return show(c.signal.peerjs_path); }},
    {"signal.peerjs.key", Kind::string, "\"peerjs\"", Reload::applies,
     "the API key PeerJS clients send",
     "The API key PeerJS clients send (`key` option).",
     [](const Config& c) { return show(c.signal.peerjs_key); }},
    {"signal.peerjs.discovery", Kind::boolean, "false", Reload::applies,
     "answer GET {path}/{key}/peers with the connected ids",
     "Answer `GET {path}/{key}/peers` with the connected ids (`allow_discovery`).",
     [](const Config& c) { return show(c.signal.peerjs_discovery); }},
    {"signal.peerjs.expire_timeout", Kind::duration, "\"5s\"", Reload::applies,
     "a message for an absent peer waits this long, then EXPIRE",
     "How long a message for an absent peer waits before its sender gets `EXPIRE`.",
     [](const Config& c) { return show(c.signal.peerjs_expire_timeout); }},
    {"signal.peerjs.alive_timeout", Kind::duration, "\"90s\"", Reload::applies,
     "a client silent this long is dropped",
     "A client silent this long (no HEARTBEAT or other frame) is dropped.",
     [](const Config& c) { return show(c.signal.peerjs_alive_timeout); }},
    {"signal.peerjs.concurrent_limit", Kind::integer, "5000", Reload::applies,
     "connected PeerJS clients at most",
     "Connected PeerJS clients at most.",
     [](const Config& c) { return show(c.signal.peerjs_concurrent_limit); }},
    {"signal.peerjs.queue_per_peer", Kind::integer, "64", Reload::applies,
     "messages queued for one absent peer",
     "Messages queued for one absent peer.",
     [](const Config& c) { return show(c.signal.peerjs_queue_per_peer); }},
    {"signal.peerjs.queue_total_bytes", Kind::bytes, "\"16MiB\"", Reload::applies,
     "bytes queued for all absent peers together",
     "Bytes queued for all absent peers together; a message that does not fit gets its sender `EXPIRE` at "
     "once.",
     [](const Config& c) { return show(c.signal.peerjs_queue_total_bytes); }},
    {"socketio.enabled", Kind::boolean, "true", Reload::restart,
     "serve Socket.IO at path",
     "Serve Socket.IO at `path`.",
     [](const Config& c) { return show(c.signal.socketio.enabled); }},
    {"socketio.path", Kind::string, "\"/socket.io/\"", Reload::restart,
     "where io(url, {path}) connects",
     "Where `io(url, {path})` connects; the reference server's default.",
     [](const Config& c) { return show(c.signal.socketio.path); }},
    {"socketio.ping_interval", Kind::duration, "\"25s\"", Reload::restart,
     "Engine.IO heartbeat interval (\"300ms\" allowed)",
     "Engine.IO heartbeat: a ping this often (milliseconds allowed: `\"300ms\"`).",
     [](const Config& c) { return show(c.signal.socketio.ping_interval); }},
    {"socketio.ping_timeout", Kind::duration, "\"20s\"", Reload::restart,
     "a client that does not answer a ping within this is closed",
     "A client that does not answer a ping within this is closed.",
     [](const Config& c) { return show(c.signal.socketio.ping_timeout); }},
    {"socketio.max_payload", Kind::bytes, "1000000", Reload::restart,
     "bytes: the largest POST body or WebSocket frame",
     "Bytes: the largest POST body or WebSocket frame (`\"64KiB\"` style also accepted); larger ends the "
     "session.",
     [](const Config& c) { return show(c.signal.socketio.max_payload); }},
    {"socketio.binary", Kind::string, "\"relay\"", Reload::restart,
     "binary attachments: \"relay\" or \"refuse\"",
     "Binary attachments: `\"relay\"` them, or `\"refuse\"` with a CONNECT_ERROR.",
     [](const Config& c) { return show(c.signal.socketio.relay_binary); }},
    {"socketio.app", Kind::string, "\"tutorial\"", Reload::restart,
     "\"tutorial\" (the common tutorial server) or \"conformance\"",
     "What answers events: `\"tutorial\"` (the common tutorial server: `join`/`joinRoom`, "
     "`login`/`register`, `to`/`target`/`toUser`, `room`/`roomId`) or `\"conformance\"` (the protocol "
     "test suite's fixture, for tests).",
     [](const Config& c) { return show(c.signal.socketio.app); }},
    {"socketio.engineio_echo_path", Kind::string, "\"\"", Reload::restart,
     "a bare Engine.IO echo endpoint (test suites); \"\" = none",
     "A bare Engine.IO endpoint that echoes every message (the Engine.IO test suite's fixture, e.g. "
     "`\"/engine.io/\"`); empty = none.",
     [](const Config& c) { return show(c.signal.socketio.engineio_echo_path); }},
    {"cluster.redis", Kind::string, "(required)", Reload::restart,
     "required: \"redis://ADDRESS:PORT\" on a private network (hiredis 0.14 has no TLS), or \"unix:///PATH\"",
     "`\"redis://ADDRESS:PORT\"` (port 6379 if left out; `localhost` allowed) or `\"unix:///PATH\"`. An "
     "address, not a host name: hiredis resolves names with a blocking lookup, which would stall the "
     "signaling thread. No `rediss://`: Debian 12's hiredis has no TLS, so keep Redis on a private "
     "network (docs/deploy.md).",
     [](const Config& c) { return c.cluster ? show(c.cluster->redis) : std::string(); }},
    {"cluster.password_file", Kind::string, "\"\"", Reload::restart,
     "Redis' requirepass, first line; or ICEWAY_REDIS_PASSWORD",
     "A file whose first line is Redis' `requirepass` (sent with `AUTH`); or set `ICEWAY_REDIS_PASSWORD`. "
     "Never in the URL.",
     [](const Config& c) { return c.cluster ? c.cluster->password : std::string(); }},
    {"cluster.node_id", Kind::string, "(host name and signaling port)", Reload::restart,
     "this node's unique name on the bus; \"\" = host name and signaling port, e.g. \"web-1:8080\"",
     "This node's name on the bus, e.g. `\"web-1:8080\"`; 1-64 of `A-Z a-z 0-9 . _ - :`. Unique per node.",
     [](const Config& c) { return c.cluster ? show(c.cluster->node_id) : std::string(); }},
    {"cluster.heartbeat", Kind::duration, "\"2s\"", Reload::restart,
     "a node silent for 3 heartbeats is gone",
     "How often this node republishes its presence; a node silent for 3 heartbeats is gone (milliseconds "
     "allowed: `\"500ms\"`; from `\"100ms\"` to `\"60s\"`).",
     [](const Config& c) { return c.cluster ? show(c.cluster->heartbeat) : std::string(); }},
    {"cluster.publish_buffer", Kind::bytes, "\"1MiB\"", Reload::restart,
     "bounded while Redis is down; the rest is dropped and counted",
     "Bytes of messages waiting for Redis (down or slow); what does not fit is dropped and counted "
     "(`iceway_cluster_publish_dropped_total`).",
     [](const Config& c) { return c.cluster ? show(c.cluster->publish_buffer_bytes) : std::string(); }},
    {"admin.listen", Kind::address, "\"127.0.0.1:9641\"", Reload::restart,
     "/metrics, /healthz, /readyz; keep it off public interfaces",
     "The admin listener: `/metrics` (Prometheus text format), `/healthz` (200 while the process runs), "
     "`/readyz` (200 when listening and not draining). Keep it on loopback or a private network.",
     [](const Config& c) { return show(c.admin.listen); }},
    {"admin.control_socket", Kind::string, "\"/run/iceway/control.sock\"", Reload::restart,
     "`iceway ctl`: root and the service user only; \"\" = none",
     "The Unix socket `iceway ctl` talks to (docs/deploy.md, \"Day-to-day operations\"), created mode "
     "0660 and owned by the service user, so only root and that user can use it; systemd's "
     "`RuntimeDirectory=iceway` makes its directory. A missing directory is a warning, not an error (the "
     "server runs without it); `\"\"` = none. Restart to change.",
     [](const Config& c) { return show(c.admin.control_socket); }},
    {"tls.cert", Kind::string, "\"\"", Reload::applies,
     "PEM certificate chain; enables turns: on tls_listen and HTTPS on signal.listen",
     "PEM certificate chain (e.g. certbot's `fullchain.pem`, copied to `/etc/iceway/tls/` so the `iceway` "
     "user can read it: see docs/deploy.md). Enables `turns:` on `turn.tls_listen` and HTTPS on "
     "`signal.listen`. Reloaded on SIGHUP.",
     [](const Config& c) { return show(c.tls.cert); }},
    {"tls.key", Kind::string, "\"\"", Reload::applies,
     "PEM private key",
     "The PEM private key for `cert`.",
     [](const Config& c) { return show(c.tls.key); }},
    {"log.level", Kind::string, "\"info\"", Reload::applies,
     "trace, debug, info, warn, error or off",
     "`trace`, `debug`, `info`, `warn` or `error`. `info` logs one line per event an operator cares "
     "about: allocation created and ended, auth failure with reason, signaling connect and disconnect, "
     "config reload.",
     [](const Config& c) { return show(c.log.level); }},
    {"log.format", Kind::string, "\"text\"", Reload::applies,
     "\"text\" or \"json\" (one object per line, with fields)",
     "`\"text\"` or `\"json\"`: one JSON object per line, for log shippers, with `time`, `level`, `event` "
     "(e.g. `\"allocation ended\"`, `\"signaling connect\"`, `\"started\"`), the line's `key=value` facts "
     "as fields (`user`, `client`, `relayed`, `reason`, `bytes_to_peer`…; integers as numbers, `12s` as "
     "`duration_s: 12`) and the whole text line as `msg`. Logs go to stderr, which systemd sends to the "
     "journal: `journalctl -u iceway`. Under systemd (stderr is the stream `JOURNAL_STREAM` names) each "
     "line, text or JSON, starts with its syslog priority (`<3>` error, `<4>` warning, `<6>` info, `<7>` "
     "debug), which journald strips and stores, so `journalctl -p warning -u iceway` shows warnings and "
     "errors.",
     [](const Config& c) { return show(c.log.format); }},
});

}  // namespace

std::string_view kind_name(KeyKind kind) {
  switch (kind) {
    case Kind::string: return "string";
    case Kind::boolean: return "boolean";
    case Kind::integer: return "integer";
    case Kind::number: return "number";
    case Kind::duration: return "duration";
    case Kind::bytes: return "bytes";
    case Kind::address: return "address";
    case Kind::addresses: return "list of addresses";
    case Kind::ip_address: return "IP address";
    case Kind::strings: return "list of strings";
    case Kind::tables: return "list of tables";
  }
  return "?";
}

std::span<const ConfigKey> config_keys() { return kKeys; }

const ConfigKey* find_config_key(std::string_view name) {
  const auto found = std::find_if(kKeys.begin(), kKeys.end(), [&](const ConfigKey& key) { return key.name == name; });
  return found == kKeys.end() ? nullptr : &*found;
}

}  // namespace iceway::app
