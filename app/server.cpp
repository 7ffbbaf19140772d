// The composition root: wires the parts, runs the control loop (signals, reload, drain,
// watchdog). Start-up is server_listeners.cpp, `iceway ctl`'s answers server_control.cpp.
#include "app/server.hpp"

#include <boost/asio/post.hpp>
#include <csignal>
#include <iostream>
#include <optional>
#include <spdlog/spdlog.h>

#include "app/banner.hpp"
#include "app/build_info.hpp"
#include "app/config_values.hpp"
#include "app/ice_servers.hpp"
#include "app/logging.hpp"
#include "app/reload_plan.hpp"
#include "app/systemd_notify.hpp"
#include "app/turn_state.hpp"
#include "common/log_escape.hpp"
#include "net/address.hpp"

namespace iceway::app {

std::string software_name() { return std::string("iceway/") + kVersion; }
std::string version_text() { return std::string("iceway ") + kVersion + " (git " + kGitRevision + ")"; }

double unix_seconds_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

namespace {

std::string join(const std::vector<Endpoint>& endpoints) {
  std::string text;
  for (auto& endpoint : endpoints) text += (text.empty() ? "" : ", ") + endpoint.to_string();
  return text;
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
  spdlog::info("started: version={} config={} stun_udp={} stun_tcp={} turn_tls={} turn_dtls={} signal={} admin={} "
               "relay={}-{} public_host={} development_mode={}",
               log_escape(version_text()), log_escape(config_.source), listed(bound_.stun_udp), listed(bound_.stun_tcp),
               listed(bound_.stun_tls), listed(bound_.stun_dtls), bound_.signal.to_string(), bound_.admin.to_string(), config_.turn.relay_port_min,
               config_.turn.relay_port_max, log_escape(config_.server.public_host.empty() ? "-" : config_.server.public_host),
               config_.development_mode ? "true" : "false");
}

void Server::print_banner() const {
  BannerFacts facts{version_text(), bound_.stun_udp, bound_.stun_tcp, bound_.stun_tls, bound_.signal, bound_.admin,
                    tls_ != nullptr, bound_.stun_dtls};
  std::cout << banner_text(config_, facts) << std::flush;
}

}  // namespace iceway::app
