#pragma once
// The signaling part's slice of the configuration (SPEC §3 [signal], §6 limits).
// app/config.cpp fills it from TOML and flags and validates it; signal/ only reads it.
#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "common/endpoint.hpp"
#include "common/source_prefix.hpp"
#include "signal/profiles/json_profile.hpp"
#include "signal/profiles/socketio_profile.hpp"

namespace iceway::signaling {

// The Socket.IO front door ([socketio], issue 12; signal/http/socketio_mount.hpp).
struct SocketIoSettings {
  bool enabled = true;
  std::string path = "/socket.io/";
  // Engine.IO's heartbeat and frame bound, sent in the open packet (the reference's defaults).
  std::chrono::milliseconds ping_interval{25000};
  std::chrono::milliseconds ping_timeout{20000};
  std::size_t max_payload = 1'000'000;
  bool relay_binary = true;          // binary = "relay" (true) or "refuse"
  std::string app = "tutorial";      // "tutorial" (the common tutorial server) or "conformance"
  std::string engineio_echo_path;    // a bare Engine.IO echo endpoint (the protocol suite's); empty = none
};

struct Settings {
  Endpoint listen = *Endpoint::parse("0.0.0.0:8080");
  bool require_token = false;
  std::string token_secret;                 // HS256 secret for signaling JWTs
  std::vector<std::string> allowed_origins; // empty = any
  std::vector<std::string> api_keys;        // for GET /api/v1/ice-servers
  bool development_mode = false;            // no config file: anonymous ice-servers allowed
  // Outside development mode the /ws welcome carries TURN credentials only for a token's
  // identity; true hands them to anonymous clients too (SPEC §2; --check-config warns).
  bool anonymous_credentials = false;

  // Limits (SPEC §6), each configurable.
  std::size_t max_frame_bytes = 64 * 1024;
  std::size_t max_json_depth = 32;
  double messages_per_second = 50;          // token bucket rate per connection
  double message_burst = 100;
  std::size_t max_connections_per_ip = 100;
  // Per-source limits key IPv6 clients by this prefix length (server.ipv6_prefix).
  unsigned ipv6_prefix = kDefaultIpv6SourcePrefix;
  std::size_t max_rooms_per_connection = 16;
  std::size_t max_peers_per_room = 64;
  std::size_t max_send_queue_bytes = 1024 * 1024;  // slow reader bound, then close 1008
  std::chrono::seconds ping_interval{20};
  std::chrono::seconds idle_timeout{60};
  bool permessage_deflate = false;

  // PeerJS-compatible endpoint (the `peer` npm server's options).
  std::string peerjs_path = "/peerjs";
  std::string peerjs_key = "peerjs";
  bool peerjs_discovery = false;
  std::chrono::milliseconds peerjs_expire_timeout{5000};
  std::chrono::milliseconds peerjs_alive_timeout{90000};
  std::size_t peerjs_concurrent_limit = 5000;
  std::size_t peerjs_queue_per_peer = 64;
  // All PeerJS offline queues together: a client sending to many absent ids cannot grow memory
  // past this; what does not fit is answered with EXPIRE at once.
  std::size_t peerjs_queue_total_bytes = 16 * 1024 * 1024;

  // [[profile]] tables with protocol = "json": one WebSocket route each (signal/profiles/).
  std::vector<JsonProfile> json_profiles;
  // [[profile]] tables with protocol = "socketio": one Socket.IO mount each (needs [socketio]
  // enabled for its Engine.IO settings; its path may replace the default one).
  std::vector<SocketIoProfile> socketio_profiles;

  // I/O layer (signal/http/).
  std::string static_dir;                          // files served under / when set; empty = none
  std::chrono::seconds handshake_timeout{30};      // HTTP request / WebSocket upgrade / TLS handshake
  std::size_t max_http_body_bytes = 64 * 1024;

  SocketIoSettings socketio;
};

}  // namespace iceway::signaling
