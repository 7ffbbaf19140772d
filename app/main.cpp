// iceway's entry point: parse the command line, load and validate the configuration, then
// run the server or a one-shot command (--check-config, --version, credentials).
#include <spdlog/spdlog.h>

#include <iostream>

#include "app/cli.hpp"
#include "app/control/control_client.hpp"
#include "app/config.hpp"
#include "app/config_values.hpp"
#include "app/ice_servers.hpp"
#include "app/logging.hpp"
#include "app/server.hpp"
#include "net/address.hpp"

namespace {

iceway::app::LoadOptions load_options_of(const iceway::app::CommandLine& line) {
  iceway::app::LoadOptions options;
  options.path = line.config_path;
  options.overrides = line.overrides;
  options.environment = iceway::app::process_environment();
  options.local_address = [](iceway::AddressFamily family) { return iceway::net::first_local_address(family); };
  return options;
}

// `iceway credentials --user alice --ttl 1h`: what an app backend would compute itself from
// the shared secret, printed as a ready RTCConfiguration.
int print_credentials(const iceway::app::Config& config, const iceway::app::CommandLine& line) {
  auto ttl = config.turn.credential_ttl;
  if (!line.credentials_ttl.empty()) {
    auto parsed = iceway::app::parse_duration(line.credentials_ttl);
    if (!parsed || parsed.value() < std::chrono::seconds(1)) {
      std::cerr << "iceway credentials: --ttl " << (parsed ? "must be at least 1s" : parsed.error()) << "\n";
      return 2;
    }
    ttl = std::chrono::duration_cast<std::chrono::seconds>(parsed.value());
  }
  if (config.development_mode)
    std::cerr << "iceway credentials: no --config and no ICEWAY_SECRETS: these credentials use a random secret that "
                 "no running server knows\n";
  iceway::app::IceUrls urls{config.server.public_host, config.turn.listen.empty() ? std::uint16_t{3478} : config.turn.listen.front().port,
                            std::nullopt};
  if (config.tls.enabled() && !config.turn.tls_listen.empty()) urls.tls_port = config.turn.tls_listen.front().port;
  auto credentials = iceway::turn::Credentials::from(config.turn);
  auto now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  auto servers = iceway::app::ice_servers(urls, credentials, line.credentials_user, ttl, now);
  if (!servers) {
    std::cerr << "iceway credentials: cannot sign: " << iceway::turn::label(servers.error())
              << " (auth.secrets must hold a secret; static users cannot be handed out)\n";
    return 1;
  }
  std::cout << nlohmann::json{{"iceServers", servers.value()}}.dump(2) << "\n";
  return 0;
}

// `iceway ctl COMMAND`: to the socket named by --socket, else by --config's admin.control_socket,
// else the default one.
int run_ctl(const iceway::app::CommandLine& line, const iceway::app::LoadOptions& options) {
  namespace control = iceway::app::control;
  if (line.ctl_arguments.size() == 1 && (line.ctl_arguments[0] == "--help" || line.ctl_arguments[0] == "-h")) {
    std::cout << control::kCtlHelp;
    return control::kExitDone;
  }
  if (line.ctl_arguments.size() == 1 && line.ctl_arguments[0] == "--version") {
    std::cout << iceway::app::version_text() << "\n";
    return control::kExitDone;
  }
  auto request = control::parse_ctl_arguments(line.ctl_arguments);
  if (!request) {
    std::cerr << request.error() << "\n";
    return control::kExitUsage;
  }
  std::string socket = line.ctl_socket;
  if (socket.empty()) {
    socket = iceway::app::AdminSettings{}.control_socket;
    if (line.config_path) {
      auto loaded = iceway::app::load_config(options);
      if (!loaded.config) {
        for (auto& problem : loaded.problems) std::cerr << "iceway ctl: " << problem.to_string() << "\n";
        return control::kExitUsage;
      }
      socket = loaded.config->admin.control_socket;
    }
  }
  if (socket.empty()) {
    std::cerr << "iceway ctl: admin.control_socket is \"\" in this config: the server has no control socket\n";
    return control::kExitUnreachable;
  }
  const auto output = control::run_ctl(socket, request.value());
  std::cout << output.out;
  std::cerr << output.err;
  return output.exit_code;
}

}  // namespace

int main(int argc, char** argv) {
  using iceway::app::CommandLine;
  int exit_code = 0;
  auto line = iceway::app::parse_command_line(argc, argv, exit_code);
  if (!line) return exit_code;
  if (line->command == CommandLine::Command::version) {
    std::cout << iceway::app::version_text() << "\n";
    return 0;
  }

  auto options = load_options_of(*line);
  if (line->command == CommandLine::Command::ctl) return run_ctl(*line, options);
  auto loaded = iceway::app::load_config(options);
  if (line->command == CommandLine::Command::check_config) {
    for (auto& problem : loaded.problems) std::cerr << problem.to_string() << "\n";
    if (!loaded.config) {
      std::cerr << loaded.problems.size() << " problem(s) in " << (line->config_path ? *line->config_path : "the defaults")
                << "\n";
      return 1;
    }
    for (auto& warning : loaded.warnings) std::cerr << "warning: " << warning << "\n";
    std::cout << "configuration OK: " << loaded.config->source << "\n";
    return 0;
  }
  if (!loaded.config) {
    for (auto& problem : loaded.problems) std::cerr << "iceway: " << problem.to_string() << "\n";
    std::cerr << "iceway: not started: fix the configuration (iceway --check-config lists the problems)\n";
    return 1;
  }
  if (line->command == CommandLine::Command::credentials) return print_credentials(*loaded.config, *line);
  iceway::app::setup_logging(loaded.config->log.level, loaded.config->log.format);
  for (auto& warning : loaded.warnings) spdlog::warn("{}", warning);

  iceway::app::Server server(std::move(*loaded.config), options);
  auto started = server.start();
  if (!started) {
    spdlog::error("not started: {}", started.error());
    return 1;
  }
  return server.run();
}
