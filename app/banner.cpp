#include "app/banner.hpp"

#include <sstream>

#include "app/address_warnings.hpp"
#include "app/ice_servers.hpp"

namespace iceway::app {
namespace {

std::string join(const std::vector<Endpoint>& endpoints) {
  std::string text;
  for (const auto& endpoint : endpoints) text += (text.empty() ? "" : ", ") + endpoint.to_string();
  return text;
}

}  // namespace

std::string banner_text(const Config& config, const BannerFacts& facts) {
  const std::string host = url_host(config.server.public_host);
  std::ostringstream out;
  out << facts.version << " is running with " << config.source << "\n";
  auto port_of = [](const std::vector<Endpoint>& endpoints) { return endpoints.empty() ? 0 : endpoints.front().port; };
  out << "  STUN/TURN    udp " << join(facts.stun_udp) << "; tcp " << join(facts.stun_tcp) << "\n";
  out << "               stun:" << host << ":" << port_of(facts.stun_udp) << "  turn:" << host << ":"
      << port_of(facts.stun_udp) << "\n";
  if (!facts.stun_tls.empty()) {
    out << "  TURN/TLS     tls " << join(facts.stun_tls) << "  turns:" << host << ":" << port_of(facts.stun_tls) << "\n";
    if (!facts.stun_dtls.empty())
      out << "  TURN/DTLS    udp " << join(facts.stun_dtls) << "  (for DTLS clients such as turnutils_uclient -S)\n";
  } else {
    out << "  TURN/TLS     off (set [tls] cert and key to serve turns: on " << join(config.turn.tls_listen) << ")\n";
  }
  out << "  Relays       udp " << (config.turn.relay_ipv4 ? config.turn.relay_ipv4->to_string() : "-") << " "
      << config.turn.relay_port_min << "-" << config.turn.relay_port_max << "\n";
  const std::string web = (facts.tls ? "https://" : "http://") + host + ":" + std::to_string(facts.signal.port);
  const std::string ws = (facts.tls ? "wss://" : "ws://") + host + ":" + std::to_string(facts.signal.port);
  out << "  Signaling    " << ws << "/ws  (PeerJS " << config.signal.peerjs_path << ", named relay /relay, y-webrtc /yjs"
      << (config.signal.socketio.enabled ? ", Socket.IO " + config.signal.socketio.path : std::string()) << ")\n";
  out << "  JS client    " << web << "/sdk/iceway.js\n";
  out << "  ICE servers  " << web << "/api/v1/ice-servers"
      << (config.development_mode ? "  (anyone may fetch: development mode)" : "  (Authorization: Bearer <auth.api_keys>)")
      << "\n";
  out << "  Metrics      http://" << facts.admin.to_string() << "/metrics  (/healthz, /readyz)\n";
  for (const std::string& warning : address_warnings(config)) out << "  Warning      " << warning << "\n";
  if (config.development_mode) {
    out << "  Dev secret   " << config.turn.secrets.front()
        << "\n               development mode: this secret is random and new at every start; use --config for real use\n";
  }
  // Browsers allow the camera only on https:// or on this machine (http://127.0.0.1 is a
  // secure context), so without a certificate the demo link is the loopback one when the
  // listener takes loopback connections.
  std::string demo = web;
  const IpAddress& listen_address = facts.signal.address;
  if (!facts.tls && (listen_address.is_unspecified() || listen_address.is_loopback())) {
    demo = std::string("http://") + (listen_address.is_v6() ? "[::1]" : "127.0.0.1") + ":" + std::to_string(facts.signal.port);
  }
  out << "  Try it       " << demo << "/  in two browser tabs: a video call (tick \"relay only\" to go through TURN)\n";
  if (!facts.tls && demo != web) {
    out << "               from other devices it needs https (set [tls] cert and key): browsers allow the camera only there\n";
  }
  out << "               " << demo << "/ice-test  checks every STUN and TURN URL from a browser\n";
  out << "               turnutils_stunclient -p " << port_of(facts.stun_udp) << " "
      << (config.server.public_host.empty() ? "127.0.0.1" : config.server.public_host) << "\n";
  return out.str();
}

}  // namespace iceway::app
