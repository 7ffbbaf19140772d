#include "app/server.hpp"

#include "common/log_escape.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>

#include <unistd.h>

#include <cctype>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <boost/asio/post.hpp>
#include <iostream>
#include <optional>

#include "app/banner.hpp"
#include "app/build_info.hpp"
#include "app/config_values.hpp"
#include "app/ice_servers.hpp"
#include "app/logging.hpp"
#include "app/reload_plan.hpp"
#include "app/systemd_notify.hpp"
#include "app/turn_state.hpp"
#include "net/address.hpp"
#include "net/port_pair.hpp"
#include "net/port_probe.hpp"
#include "turn/handlers/handlers.hpp"

namespace iceway::app {

std::string software_name() { return std::string("iceway/") + kVersion; }
std::string version_text() { return std::string("iceway ") + kVersion + " (git " + kGitRevision + ")"; }

namespace {

std::string join(const std::vector<Endpoint>& endpoints) {
  std::string text;
  for (auto& endpoint : endpoints) text += (text.empty() ? "" : ", ") + endpoint.to_string();
  return text;
}

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


// Wall-clock time for the reload gauge, which an alert compares with Prometheus' time().
double unix_seconds_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
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

std::optional<double> certificate_expiry(const boost::asio::ssl::context& context) {
  auto not_after = net::certificate_not_after(context);
  if (!not_after) return std::nullopt;
  return static_cast<double>(*not_after);
}
}  // namespace

Server::Server(Config config, LoadOptions reload_options)
    : config_(std::move(config)),
      started_config_(config_),
      reload_options_(std::move(reload_options)),
      signals_(control_, SIGINT, SIGTERM, SIGHUP),
      watchdog_timer_(control_),
      drain_timer_(control_),
      host_address_timer_(control_) {}

Server::~Server() {
  for (auto& worker : workers_) worker->stop();
  for (auto& worker : workers_) worker->join();
}

Result<bool, std::string> Server::start() {
  config_.turn.software = software_name();
  if (config_.tls.enabled()) {
    auto tls = net::make_server_tls_context(config_.tls.cert, config_.tls.key);
    if (!tls) return failure(tls.error());
    tls_ = tls.value();
    collector_.set_tls_certificate_expiry(certificate_expiry(*tls_));
  }
  collector_.set_last_reload(true, unix_seconds_now());  // the start is the first load
  if (auto turn = start_turn(); !turn) return turn;
  if (auto http = start_http(); !http) return http;

  for (auto& worker : turn_workers_) worker->start();
  for (auto& worker : workers_) worker->start();
  signals_.async_wait([this](const boost::system::error_code& error, int number) {
    if (!error) on_signal(number);
  });
  schedule_watchdog();
  watch_host_addresses();
  health_.set_listening(true);
  open_control_socket();
  print_banner();
  log_started();
  notify_ready("serving STUN/TURN on " + join(bound_.stun_udp) + ", signaling on " + bound_.signal.to_string());
  return true;
}

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
                                                                   *stream_limits_));
  }

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
  for (auto& worker : turn_workers_) collector_.add_source(worker->counters());
  return true;
}

IceUrls Server::ice_urls() const {
  IceUrls urls{config_.server.public_host, bound_.stun_udp.front().port, std::nullopt};
  if (!bound_.stun_tls.empty()) urls.tls_port = bound_.stun_tls.front().port;
  return urls;
}

void Server::publish_api_state() {
  auto state = std::make_shared<IceServersApiState>();
  state->urls = ice_urls();
  state->credentials = turn_state_.credentials;
  state->api_keys = config_.signal.api_keys;
  state->allowed_origins = config_.signal.allowed_origins;
  state->max_ttl = config_.turn.credential_ttl;
  state->development_mode = config_.development_mode;
  std::lock_guard lock(api_mutex_);
  api_state_ = std::move(state);
}

std::shared_ptr<const IceServersApiState> Server::api_state() const {
  std::lock_guard lock(api_mutex_);
  return api_state_;
}

nlohmann::json Server::WelcomeIceServers::ice_servers(std::string_view peer_id, UnixSeconds unix_now) {
  auto servers = app::ice_servers(server_.ice_urls(), *server_.turn_state_.credentials, peer_id,
                                  server_.config_.turn.credential_ttl, unix_now);
  // Without a signing secret (static users only) the welcome still carries the STUN URL.
  if (!servers) return public_ice_servers();
  return std::move(servers).value();
}

nlohmann::json Server::WelcomeIceServers::public_ice_servers() {
  return nlohmann::json::array(
      {{{"urls", {"stun:" + url_host(server_.ice_urls().host) + ":" + std::to_string(server_.ice_urls().port)}}}});
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

int Server::run() {
  control_.run();
  return exit_code_;
}

void Server::on_signal(int signal_number) {
  if (signal_number == SIGHUP) {
    reload();
  } else if (draining_) {
    spdlog::info("second stop signal: stopping now");
    finish();
    return;
  } else {
    begin_drain(signal_number == SIGINT);
  }
  signals_.async_wait([this](const boost::system::error_code& error, int number) {
    if (!error) on_signal(number);
  });
}

Server::ReloadReport Server::reload() {
  ReloadReport report;
  notify_reloading();
  auto result = load_config(reload_options_);
  if (!result.config) {
    for (auto& problem : result.problems) {
      spdlog::error("reload: {}", problem.to_string());
      report.problems.push_back(problem.to_string());
    }
    spdlog::error("reload: the new configuration has {} problem(s); still running with the old one",
                  result.problems.size());
    collector_.set_last_reload(false, unix_seconds_now());
    notify_ready("reload failed; running with the previous configuration");
    return report;
  }
  Config next = std::move(*result.config);
  if (config_.development_mode) next.turn.secrets = config_.turn.secrets;  // keep the printed dev secret
  next.turn.software = config_.turn.software;

  ReloadPlan plan = plan_reload(started_config_, config_, next);
  std::vector<std::string>& changed = plan.applied;
  std::vector<std::string>& need_restart = plan.need_restart;
  bool certificate_refused = false;  // the rest applies, but the reload did not fully succeed
  if (next.tls.enabled()) {
    auto tls = net::make_server_tls_context(next.tls.cert, next.tls.key);
    if (!tls) {
      certificate_refused = true;
      spdlog::error("reload: {}; keeping the previous certificate", tls.error());
    } else if (tls_) {
      // Always swapped (the chain's intermediates may have changed), but only a new leaf
      // certificate, e.g. a certbot renewal, is reported as a change.
      if (!net::same_certificate(*tls_, *tls.value())) changed.push_back("TLS certificate");
      tls_ = tls.value();
      collector_.set_tls_certificate_expiry(certificate_expiry(*tls_));
      signal_server_->set_tls(tls_);
      for (std::size_t i = 0; i < workers_.size(); ++i)
        boost::asio::post(workers_[i]->context(), [worker = turn_workers_[i].get(), tls = tls_] { worker->set_tls_context(tls); });
    }  // else: no TLS listener to give it to; the plan says it needs a restart
  }

  // Listen addresses are fixed at start; keep them so the peer policy's list of server
  // addresses matches the sockets actually open.
  next.turn.listen = config_.turn.listen;
  next.turn.tls_listen = config_.turn.tls_listen;
  // The same nonce key (issued nonces stay valid) and the same limiter (what sources spent
  // stays spent; the new budget applies from the next answer).
  auto state = make_turn_state(next, turn_state_.nonces, host_addresses_, turn_state_.unauthenticated,
                               turn_state_.reservations);
  if (!state) {
    for (auto& message : state.error()) {
      spdlog::error("reload: {}", message);
      report.problems.push_back(message);
    }
    collector_.set_last_reload(false, unix_seconds_now());
    notify_ready("reload failed; running with the previous configuration");
    return report;
  }
  setup_logging(next.log.level, next.log.format);
  turn_state_ = state.value();
  quota_->set_limits(quota_limits(next));
  stream_limits_->set_limits(stream_limits(next));
  collector_.set_allocation_limit(next.turn.max_allocations);
  signal_server_->update_settings(next.signal);
  for (std::size_t i = 0; i < workers_.size(); ++i)
    boost::asio::post(workers_[i]->context(), [worker = turn_workers_[i].get(), shared = turn_state_] { worker->reconfigure(shared); });
  next.server.threads = config_.server.threads;
  next.signal.listen = config_.signal.listen;
  next.admin.listen = config_.admin.listen;
  config_ = std::move(next);
  publish_api_state();
  spdlog::info("reload: configuration applied from {}; changed: {}", config_.source,
               changed.empty() ? std::string("nothing") : [&] {
                 std::string text;
                 for (auto& item : changed) text += (text.empty() ? "" : ", ") + item;
                 return text;
               }());
  for (auto& item : need_restart) spdlog::warn("reload: {} changed but needs a restart to take effect", item);
  collector_.set_last_reload(!certificate_refused, unix_seconds_now());
  notify_ready("configuration reloaded");
  report.applied = !certificate_refused;
  if (certificate_refused) report.problems.push_back("tls: the new certificate was refused; the previous one serves");
  report.changed = std::move(changed);
  report.need_restart = std::move(need_restart);
  return report;
}

void Server::open_control_socket() {
  const std::string& path = config_.admin.control_socket;
  if (path.empty()) return;
  const auto directory = std::filesystem::path(path).parent_path();
  std::error_code error;
  if (!std::filesystem::is_directory(directory, error)) {
    spdlog::warn("control socket off: {} does not exist (systemd's RuntimeDirectory=iceway makes it; or set "
                 "admin.control_socket); iceway ctl cannot reach this server",
                 directory.string());
    return;
  }
  auto opened = control::ControlServer::open(control_, path,
                                             [this](const control::CtlRequest& request, control::ControlServer::Respond respond) {
                                               on_control(request, std::move(respond));
                                             });
  if (!opened) {
    spdlog::warn("control socket off: {}", opened.error());
    return;
  }
  control_server_ = std::move(opened).value();
}

void Server::on_control(const control::CtlRequest& request, control::ControlServer::Respond respond) {
  if (request.command == "sessions" || request.command == "disconnect") return control_sessions(request, std::move(respond));
  respond(control_answer(request));
}

void Server::control_sessions(const control::CtlRequest& request, control::ControlServer::Respond respond) {
  using Json = nlohmann::json;
  struct Gathered {
    std::size_t waiting = 0;
    Json sessions = Json::array();
    std::size_t ended = 0;
  };
  auto gathered = std::make_shared<Gathered>();
  gathered->waiting = workers_.size();
  const bool disconnect = request.command == "disconnect";
  std::optional<std::uint64_t> session;
  if (!request.session.empty()) session = std::stoull(request.session);
  const std::string user = request.user;
  auto finish = [this, gathered, disconnect, user, session, respond]() {
    if (!disconnect) return respond(Json{{"ok", true}, {"sessions", gathered->sessions}});
    // Signaling connections are ended by the user's id, here on the control thread.
    const std::size_t connections = user.empty() ? 0 : signal_server_->disconnect_peer(user);
    spdlog::info("disconnect: {} allocation(s) and {} signaling connection(s) of {} ended over the control socket",
                 gathered->ended, connections,
                 session ? "session " + std::to_string(*session) : "user " + log_escape(user));
    respond(Json{{"ok", true}, {"allocations", gathered->ended}, {"signaling_connections", connections}});
  };
  if (workers_.empty()) return finish();
  for (std::size_t i = 0; i < workers_.size(); ++i) {
    boost::asio::post(workers_[i]->context(), [this, i, gathered, disconnect, user, session, finish] {
      Json found = Json::array();
      std::size_t ended = 0;
      if (disconnect) {
        ended = turn_workers_[i]->disconnect(user, session);
      } else {
        for (const auto& s : turn_workers_[i]->sessions(user)) {
          found.push_back(Json{{"id", s.id}, {"user", s.user}, {"transport", s.transport}, {"client", s.client},
                               {"relayed", s.relayed}, {"age_seconds", s.age_seconds},
                               {"expires_in_seconds", s.expires_in_seconds}, {"bytes_to_peer", s.bytes_to_peer},
                               {"bytes_to_client", s.bytes_to_client}, {"permissions", s.permissions},
                               {"channels", s.channels}});
        }
      }
      boost::asio::post(control_, [gathered, found = std::move(found), ended, finish] {
        for (auto& one : found) gathered->sessions.push_back(std::move(one));
        gathered->ended += ended;
        if (--gathered->waiting == 0) finish();
      });
    });
  }
}

nlohmann::json Server::control_answer(const control::CtlRequest& request) {
  using Json = nlohmann::json;
  if (request.command == "peers") {
    Json peers = Json::array();
    signal_server_->registry().for_each([&](const signaling::Registry::Connection& connection) {
      if (!request.room.empty() &&
          std::find(connection.rooms.begin(), connection.rooms.end(), request.room) == connection.rooms.end())
        return;
      peers.push_back(Json{{"protocol", signaling::to_string(connection.protocol)},
                           {"id", connection.peer_id.empty() ? Json(nullptr) : Json(connection.peer_id)},
                           {"remote", connection.remote.to_string()},
                           {"rooms", connection.rooms}});
    });
    return Json{{"ok", true}, {"peers", std::move(peers)}};
  }
  if (request.command == "status") {
    std::int64_t connections = 0;
    for (const auto& gauge : signal_server_->counters().connections_active) connections += gauge.value();
    return Json{{"ok", true},
                {"version", version_text()},
                {"state", draining_ ? "draining" : "ready"},
                {"uptime_seconds", std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - started_at_).count()},
                {"allocations", active_allocations()},
                {"signaling_connections", connections},
                {"config", config_.source}};
  }
  if (request.command == "reload") {
    spdlog::info("reload: asked over the control socket");
    const ReloadReport report = reload();
    Json answer{{"ok", report.applied}, {"config", config_.source}, {"changed", report.changed},
                {"need_restart", report.need_restart}, {"problems", report.problems}};
    if (!report.applied) answer["error"] = "the configuration was refused; still running with the previous one";
    return answer;
  }
  if (request.command == "loglevel") {
    spdlog::set_level(spdlog::level::from_str(request.level));
    spdlog::info("log level set to {} over the control socket (a reload restores log.level)", request.level);
    return Json{{"ok", true}, {"level", request.level}};
  }
  // credentials, from the running config, as /api/v1/ice-servers hands them out.
  auto ttl = config_.turn.credential_ttl;
  if (!request.ttl.empty()) {
    auto parsed = parse_duration(request.ttl);
    if (!parsed || parsed.value() < std::chrono::seconds(1))
      return Json{{"ok", false}, {"error", "--ttl: " + (parsed ? std::string("must be at least 1s") : parsed.error())}};
    ttl = std::min(ttl, std::chrono::duration_cast<std::chrono::seconds>(parsed.value()));
  }
  auto servers = ice_servers(ice_urls(), *turn_state_.credentials, request.user, ttl,
                             static_cast<UnixSeconds>(unix_seconds_now()));
  if (!servers)
    return Json{{"ok", false}, {"error", std::string("cannot sign: ") + std::string(turn::label(servers.error())) +
                                             " (auth.secrets must hold a secret; static users cannot be handed out)"}};
  return Json{{"ok", true}, {"iceServers", servers.value()}};
}

void Server::begin_drain(bool immediate) {
  draining_ = true;
  health_.set_draining(true);
  notify_stopping(immediate ? "stopping" : "draining");
  // SPEC §3: signaling clients are told (close 1001) and no new connections are taken.
  signal_server_->stop_accepting();
  signal_server_->close_all(1001, "server shutting down");
  for (std::size_t i = 0; i < workers_.size(); ++i)
    boost::asio::post(workers_[i]->context(), [worker = turn_workers_[i].get()] { worker->begin_drain(); });
  if (immediate) {
    spdlog::info("interrupted: stopping now");
    finish();
    return;
  }
  // SPEC §3: no new allocations or connections; live allocations relay until they end or
  // drain_timeout passes, then exit 0.
  drain_deadline_ = Clock::now() + config_.server.drain_timeout;
  signal_close_deadline_ = Clock::now() + std::chrono::seconds(3);
  spdlog::info("SIGTERM: draining: no new allocations or connections; {} allocation(s) relay for up to {}",
               active_allocations(), format_duration(config_.server.drain_timeout));
  wait_for_drain();
}

void Server::wait_for_drain() {
  auto active = active_allocations();
  // The 1001 close frames are written by the session threads: give them a moment (bounded,
  // a client that never answers the close cannot hold the exit) before stopping the workers.
  std::int64_t connections = 0;
  for (auto& gauge : signal_server_->counters().connections_active) connections += gauge.value();
  bool signaling_closed = connections == 0 || Clock::now() >= signal_close_deadline_;
  if ((active == 0 && signaling_closed) || Clock::now() >= drain_deadline_) {
    spdlog::info("drain done: {} allocation(s) still active are closed now", active);
    finish();
    return;
  }
  drain_timer_.expires_after(std::chrono::milliseconds(200));
  drain_timer_.async_wait([this](const boost::system::error_code& error) {
    if (!error) wait_for_drain();
  });
}

std::int64_t Server::active_allocations() const {
  std::int64_t total = 0;
  for (auto& worker : turn_workers_)
    for (auto& by_transport : worker->counters().allocations_active)
      for (auto& gauge : by_transport) total += gauge.value();
  return total;
}

void Server::finish() {
  drain_timer_.cancel();
  if (signal_server_) {
    signal_server_->stop_accepting();
    signal_server_->stop();
  }
  if (admin_server_) admin_server_->stop_accepting();
  control_server_.reset();  // the socket goes: `iceway ctl` now says no server answers
  watchdog_timer_.cancel();
  host_address_timer_.cancel();
  signals_.cancel();
  // Stop the worker threads first; then this thread is the only one touching their state,
  // and close_all() can end (and log) every remaining allocation.
  for (auto& worker : workers_) worker->stop();
  for (auto& worker : workers_) worker->join();
  for (auto& worker : turn_workers_) worker->close_all();
  turn_workers_.clear();
  control_.stop();
  spdlog::info("stopped");
}

void Server::schedule_watchdog() {
  auto interval = watchdog_ping_interval();
  if (!interval) return;
  watchdog_timer_.expires_after(*interval);
  watchdog_timer_.async_wait([this](const boost::system::error_code& error) {
    if (error) return;
    notify_watchdog();
    schedule_watchdog();
  });
}

void Server::watch_host_addresses() {
  // Polled rather than subscribed to (netlink): an address the host gains is a peer the
  // relay may reach until the next read, so a second bounds that window at the cost of one
  // getifaddrs a second on this otherwise idle thread.
  constexpr std::chrono::seconds kInterval{1};
  host_address_timer_.expires_after(kInterval);
  host_address_timer_.async_wait([this](const boost::system::error_code& error) {
    if (error) return;
    if (auto addresses = net::host_addresses(); addresses != host_addresses_) {
      auto policy = make_peer_policy(config_, addresses);
      if (policy) {
        host_addresses_ = std::move(addresses);
        turn_state_.policy = std::move(policy).value();
        spdlog::info("host addresses changed ({} now): peer policy updated", host_addresses_.size());
        for (std::size_t i = 0; i < workers_.size(); ++i)
          boost::asio::post(workers_[i]->context(),
                            [worker = turn_workers_[i].get(), policy = turn_state_.policy] { worker->set_policy(policy); });
      }
    }
    watch_host_addresses();
  });
}

// The banner's facts as one log event, so a log shipper (log.format = "json") sees the start
// with its addresses as fields; values without spaces, lists joined by commas.
void Server::log_started() const {
  auto listed = [](const std::vector<Endpoint>& endpoints) {
    std::string text;
    for (const auto& endpoint : endpoints) text += (text.empty() ? "" : ",") + endpoint.to_string();
    return text.empty() ? std::string("-") : text;
  };
  spdlog::info("started: version={} config={} stun_udp={} stun_tcp={} turn_tls={} signal={} admin={} relay={}-{} "
               "public_host={} development_mode={}",
               log_escape(version_text()), log_escape(config_.source), listed(bound_.stun_udp), listed(bound_.stun_tcp),
               listed(bound_.stun_tls), bound_.signal.to_string(), bound_.admin.to_string(), config_.turn.relay_port_min,
               config_.turn.relay_port_max, log_escape(config_.server.public_host.empty() ? "-" : config_.server.public_host),
               config_.development_mode ? "true" : "false");
}

void Server::print_banner() const {
  BannerFacts facts{version_text(), bound_.stun_udp, bound_.stun_tcp, bound_.stun_tls, bound_.signal, bound_.admin,
                    tls_ != nullptr};
  std::cout << banner_text(config_, facts) << std::flush;
}

}  // namespace iceway::app
