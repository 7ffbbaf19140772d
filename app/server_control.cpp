// Server's side of `iceway ctl` (app/control/): the Unix socket and each command's answer.
// Commands run on the control thread; `sessions` asks each TURN worker on its own thread.
#include <boost/asio/post.hpp>
#include <filesystem>
#include <spdlog/spdlog.h>

#include "app/config_values.hpp"
#include "app/ice_servers.hpp"
#include "app/logging.hpp"
#include "app/server.hpp"
#include "common/log_escape.hpp"

namespace iceway::app {

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

}  // namespace iceway::app
