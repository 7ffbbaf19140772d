// Server's start-up: the TURN workers and their listeners, then the public HTTP listener
// (signaling, ice-servers API, SDK, demo) and the admin listener. Each refuses to start with a
// message that names the address and the reason; nothing is left half-started.
#include <unistd.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <cctype>
#include <spdlog/spdlog.h>

#include "app/ice_servers.hpp"
#include "app/server.hpp"
#include "app/turn_state.hpp"
#include "net/address.hpp"
#include "net/port_pair.hpp"
#include "net/port_probe.hpp"
#include "turn/handlers/handlers.hpp"

namespace iceway::app {
namespace {

// A configured port that another process already holds (net/port_probe.hpp): refused, since
// SO_REUSEPORT would let both processes bind it and the kernel would split the clients.
std::optional<std::string> held_elsewhere(const Endpoint& local, net::ProbeProtocol protocol) {
  if (local.port == 0) return std::nullopt;  // the kernel picks a free one
  if (net::probe_exclusive(local, protocol) != std::errc::address_in_use) return std::nullopt;
  const char* name = protocol == net::ProbeProtocol::udp ? "udp" : "tcp";
  return std::string("cannot listen on ") + name + " " + local.to_string() +
         ": another process already holds this port (a second iceway, or another STUN/TURN server such as coturn); "
         "stop it, or give this server another port in turn.listen / turn.tls_listen. iceway does not share it, "
         "because the kernel would split the clients between both servers";
}

// Whether a failed bind of this address may be skipped: the default listens on [::] too, and
// a host without IPv6 must still start.
bool ipv6_unavailable(const Endpoint& endpoint, const std::error_code& error) {
  return endpoint.address.is_v6() &&
         (error == std::errc::address_family_not_supported || error == std::errc::address_not_available);
}

// cluster.node_id's default: the host name and the signaling port, e.g. "web-1:8080" (several
// nodes on one host differ by port), with anything a channel name should not hold replaced.
std::string default_node_id(std::uint16_t signal_port) {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') std::strcpy(host, "iceway");
  std::string id(host);
  for (char& c : id) {
    const bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
    if (!ok) c = '-';
  }
  id = id.substr(0, 50) + ":" + std::to_string(signal_port);
  return id;
}

}  // namespace

Result<bool, std::string> Server::start_turn() {
  host_addresses_ = net::host_addresses();
  auto state = make_turn_state(config_, nullptr, host_addresses_);
  if (!state) {
    std::string text;
    for (auto& message : state.error()) text += (text.empty() ? "" : "; ") + message;
    return failure(text);
  }
  turn_state_ = state.value();
  quota_ = std::make_unique<turn::Quota>(quota_limits(config_));
  stream_limits_ = std::make_unique<turn::StreamLimits>(stream_limits(config_));
  collector_.set_allocation_limit(config_.turn.max_allocations);
  auto advertised = [&](const std::optional<IpAddress>& relay) -> std::optional<IpAddress> {
    if (!relay) return std::nullopt;
    return turn::advertised_address(Endpoint{*relay, 0}, config_.turn).address;
  };
  live_relays_ = std::make_unique<turn::io::LiveRelaySet>(advertised(config_.turn.relay_ipv4), advertised(config_.turn.relay_ipv6));
  for (unsigned i = 0; i < config_.server.threads; ++i) {
    workers_.push_back(std::make_unique<net::Worker>(i));
    turn_workers_.push_back(std::make_unique<turn::io::TurnWorker>(*workers_.back(), turn_state_, *quota_, *live_relays_,
                                                                   *stream_limits_, config_.server.threads));
  }
  std::vector<turn::io::TurnWorker*> siblings;
  for (auto& turn_worker : turn_workers_) siblings.push_back(turn_worker.get());
  for (auto& turn_worker : turn_workers_) turn_worker->set_siblings(siblings);

  // Every worker opens its own socket on each address (SO_REUSEPORT). With port 0 one port
  // free for both UDP and TCP is reserved first (net/port_pair.hpp), so one address serves
  // UDP and TCP on one port as the URLs say; a second port-0 address tries the first one's
  // port so both families share it, as a client expects of one stun: URL's port.
  std::optional<std::uint16_t> chosen_port;  // the port of the first port-0 listener
  for (auto listen : config_.turn.listen) {
    Endpoint udp = listen;
    bool skipped = false;
    std::optional<net::PortPairReservation> reservation;  // held until UDP and TCP are bound
    if (listen.port == 0) {
      auto reserved = net::PortPairReservation::reserve(listen.address, chosen_port.value_or(0));
      if (!reserved && chosen_port) reserved = net::PortPairReservation::reserve(listen.address, 0);
      // Not reserved (e.g. no IPv6 here): the listeners below report it or skip the address.
      if (reserved) {
        udp.port = reserved.value().port();
        reservation.emplace(std::move(reserved).value());
      }
    }
    for (auto protocol : {net::ProbeProtocol::udp, net::ProbeProtocol::tcp}) {
      if (auto held = held_elsewhere(listen, protocol)) return failure(*held);
    }
    for (auto& worker : turn_workers_) {
      auto error = worker->listen_udp(udp);
      if (error && ipv6_unavailable(udp, error)) {
        skipped = true;
        break;
      }
      if (error)
        return failure("cannot listen on udp " + udp.to_string() + ": " + error.message() +
                       (error == std::errc::address_in_use ? " (is another STUN/TURN server, e.g. coturn, running?)" : ""));
      if (udp.port == 0) udp.port = worker->udp_endpoints().back().port;
    }
    if (listen.port == 0 && !chosen_port && !skipped) chosen_port = udp.port;
    if (skipped) {
      spdlog::warn("IPv6 is not available here: not listening on {}", listen.to_string());
      continue;
    }
    bound_.stun_udp.push_back(udp);
    Endpoint tcp = udp;  // same port as UDP, also when it was chosen by the kernel
    for (auto& worker : turn_workers_) {
      if (auto error = worker->listen_tcp(tcp, nullptr))
        return failure("cannot listen on tcp " + tcp.to_string() + ": " + error.message());
    }
    bound_.stun_tcp.push_back(tcp);
  }
  if (tls_) {
    for (auto listen : config_.turn.tls_listen) {
      Endpoint tls = listen;
      if (auto held = held_elsewhere(tls, net::ProbeProtocol::tcp)) return failure(*held);
      for (auto& worker : turn_workers_) {
        auto error = worker->listen_tcp(tls, tls_);
        if (error && ipv6_unavailable(tls, error)) break;
        if (error) return failure("cannot listen on tls " + tls.to_string() + ": " + error.message());
        if (tls.port == 0) tls.port = worker->tcp_endpoints().back().port;
      }
      bound_.stun_tls.push_back(tls);
      if (!config_.turn.dtls) continue;
      // DTLS on the same port over UDP (with port 0, the one the kernel gave TLS).
      if (listen.port != 0) {
        if (auto held = held_elsewhere(tls, net::ProbeProtocol::udp)) return failure(*held);
      }
      for (auto& worker : turn_workers_) {
        auto error = worker->listen_dtls(tls);
        if (error && ipv6_unavailable(tls, error)) break;
        if (error)
          return failure("cannot listen on udp " + tls.to_string() + " for TURN over DTLS: " + error.message() +
                         " (set turn.dtls = false to serve TLS alone)");
      }
      bound_.stun_dtls.push_back(tls);
    }
  }
  if (config_.turn.nat_behavior) {
    // RFC 5780: the other three of the four address and port combinations, UDP only (a change
    // of address or port is about datagrams; TCP clients get RESPONSE-ORIGIN and OTHER-ADDRESS).
    for (const auto& address : stun::nat_listen_addresses(*config_.turn.nat_behavior)) {
      if (std::find(bound_.stun_udp.begin(), bound_.stun_udp.end(), address) != bound_.stun_udp.end()) continue;
      for (auto& worker : turn_workers_) {
        if (auto error = worker->listen_udp(address))
          return failure("cannot listen on udp " + address.to_string() + " for turn.alternate_address: " +
                         error.message() + " (is the address on one of this host's interfaces?)");
      }
      bound_.stun_udp.push_back(address);
    }
  }
  if (bound_.stun_udp.empty()) return failure("no STUN/TURN listener could be opened (turn.listen)");
  for (auto& worker : turn_workers_) {
    collector_.add_source(worker->counters());
    collector_.add_source(worker->udp_sends());
    collector_.add_source(worker->udp_receives());
  }
  return true;
}

Result<bool, std::string> Server::start_http() {
  publish_api_state();
  // The signaling registry lives on the control thread (which alone runs control_): it is idle
  // apart from signals and timers, and reloads happen there too, so the welcome's credentials
  // need no lock. The WebSocket sessions run there as well (no session contexts): a frame then
  // goes from the sender's read to the registry to the receiver's write in one call chain on one
  // thread, instead of three wake-ups of other threads (docs/BENCHMARKS.md, PeerJS section). The
  // registry's single thread was signaling's ceiling anyway, and TURN workers no longer share
  // their CPU with WebSocket framing.
  signal_server_ = std::make_unique<signaling::SignalServer>(control_, config_.signal, welcome_ice_servers_);
  signal_server_->add_route("/api/v1/ice-servers", [this](const signaling::HttpRequest& request) {
    auto now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    return handle_ice_servers_request(request, *api_state(), now);
  });
  collector_.add_source(signal_server_->counters());

  admin_server_ = std::make_unique<signaling::HttpServer>(control_, config_.signal);
  admin_server_->add_route("/", [this](const signaling::HttpRequest& request) {
    auto answer = metrics::handle_admin_request(request.method, request.target, collector_, health_);
    signaling::HttpResponse response;
    response.status = answer.status;
    response.content_type = std::string(answer.content_type);
    response.body = std::move(answer.body);
    if (!answer.allow.empty()) response.headers.emplace_back("Allow", std::string(answer.allow));
    return response;
  });
  try {
    bound_.signal = signal_server_->start(config_.signal.listen, tls_);
  } catch (const boost::system::system_error& error) {
    return failure("cannot listen on " + config_.signal.listen.to_string() + " for signaling (signal.listen): " +
                   error.code().message());
  }
  if (config_.cluster) {
    auto cluster = *config_.cluster;
    if (cluster.node_id.empty()) cluster.node_id = default_node_id(bound_.signal.port);
    signal_server_->start_cluster(cluster);
  }
  try {
    bound_.admin = admin_server_->listen(config_.admin.listen);
  } catch (const boost::system::system_error& error) {
    return failure("cannot listen on " + config_.admin.listen.to_string() + " for /metrics (admin.listen): " +
                   error.code().message());
  }
  return true;
}

}  // namespace iceway::app
