#pragma once
// The running server: wires the parts together (STYLE.md: app/ is the only place that knows
// them all). Owns the worker threads and each worker's TURN side, the control thread's
// signal handling (SIGHUP reload, SIGTERM/SIGINT drain and stop) and sd_notify.
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "app/config.hpp"
#include "app/control/control_server.hpp"
#include "app/ice_servers_api.hpp"
#include "metrics/admin.hpp"
#include "metrics/collector.hpp"
#include "signal/http/http_server.hpp"
#include "signal/http/signal_server.hpp"
#include "common/result.hpp"
#include "net/tls_context.hpp"
#include "net/worker.hpp"
#include "turn/io/live_relay_set.hpp"
#include "turn/io/turn_worker.hpp"
#include "turn/quota.hpp"
#include "turn/stream_limits.hpp"

namespace iceway::app {

class Server {
 public:
  Server(Config config, LoadOptions reload_options);
  ~Server();

  // Opens every listener; an error names the address and the reason, and nothing is left
  // half-started (the caller exits non-zero).
  Result<bool, std::string> start();
  // Runs the control loop on the calling thread until a stop signal has been handled.
  // Returns the process exit code.
  int run();

  // The addresses actually bound (port 0 resolved), for the banner and tests.
  struct Bound {
    std::vector<Endpoint> stun_udp;
    std::vector<Endpoint> stun_tcp;
    std::vector<Endpoint> stun_tls;
    std::vector<Endpoint> stun_dtls;
    Endpoint signal;
    Endpoint admin;
  };
  const Bound& bound() const { return bound_; }

 private:
  // What a reload did, for `iceway ctl reload` (SIGHUP only logs it).
  struct ReloadReport {
    bool applied = false;
    std::vector<std::string> problems;      // why it was refused (applied = false)
    std::vector<std::string> changed;
    std::vector<std::string> need_restart;
  };

  void on_signal(int signal_number);
  ReloadReport reload();
  void open_control_socket();
  void on_control(const control::CtlRequest& request, control::ControlServer::Respond respond);
  nlohmann::json control_answer(const control::CtlRequest& request);
  // Asks every TURN worker on its own thread, then answers on the control thread.
  void control_sessions(const control::CtlRequest& request, control::ControlServer::Respond respond);
  void begin_drain(bool immediate);
  void wait_for_drain();
  void finish();
  std::int64_t active_allocations() const;
  void schedule_watchdog();
  void watch_host_addresses();
  void print_banner() const;
  void log_started() const;
  Result<bool, std::string> start_turn();
  Result<bool, std::string> start_http();
  IceUrls ice_urls() const;
  void publish_api_state();
  std::shared_ptr<const IceServersApiState> api_state() const;

  // The signaling welcome's iceServers: fresh REST credentials bound to the peer id. Called
  // on the registry's strand, which runs on the control thread, where reloads happen too.
  class WelcomeIceServers final : public signaling::IceServersProvider {
   public:
    explicit WelcomeIceServers(Server& server) : server_(server) {}
    nlohmann::json ice_servers(std::string_view peer_id, UnixSeconds unix_now) override;
    std::chrono::seconds ttl() const override { return server_.config_.turn.credential_ttl; }
    nlohmann::json public_ice_servers() override;

   private:
    Server& server_;
  };

  Config config_;
  // As loaded at start: what the keys read at start only still hold (app/reload_plan.hpp).
  const Config started_config_;
  LoadOptions reload_options_;
  boost::asio::io_context control_;
  boost::asio::signal_set signals_;
  boost::asio::steady_timer watchdog_timer_;
  boost::asio::steady_timer drain_timer_;
  boost::asio::steady_timer host_address_timer_;
  std::vector<IpAddress> host_addresses_;  // as last read; the peer policy denies them
  // Before turn_state_: its port reservations hold quota leases, released into quota_ when
  // the last reference to them goes.
  std::unique_ptr<turn::Quota> quota_;                  // process-wide: shared by every worker
  turn::SharedTurnState turn_state_;
  std::unique_ptr<turn::StreamLimits> stream_limits_;   // process-wide: every worker's TCP/TLS clients
  std::unique_ptr<turn::io::LiveRelaySet> live_relays_;  // every worker's live relayed addresses
  std::vector<std::unique_ptr<net::Worker>> workers_;
  std::vector<std::unique_ptr<turn::io::TurnWorker>> turn_workers_;
  Clock::time_point drain_deadline_{};
  Clock::time_point signal_close_deadline_{};
  WelcomeIceServers welcome_ice_servers_{*this};
  metrics::Collector collector_{metrics::this_build()};
  metrics::Health health_;
  std::unique_ptr<signaling::SignalServer> signal_server_;
  std::unique_ptr<signaling::HttpServer> admin_server_;
  mutable std::mutex api_mutex_;  // guards api_state_: swapped on reload, read by HTTP sessions
  std::shared_ptr<const IceServersApiState> api_state_;
  net::TlsContextPtr tls_;
  Bound bound_;
  Clock::time_point started_at_ = Clock::now();
  std::unique_ptr<control::ControlServer> control_server_;
  bool draining_ = false;
  int exit_code_ = 0;
};

// The SOFTWARE attribute and Server header value: "iceway/0.1.0".
std::string software_name();
std::string version_text();  // "iceway 0.1.0 (git abc123)"
// Wall-clock seconds, for the reload gauge (an alert compares it with Prometheus' time()) and
// credentials signed over the control socket.
double unix_seconds_now();

}  // namespace iceway::app
