#include "app/cli.hpp"

#include <CLI/CLI.hpp>

namespace iceway::app {
namespace {

// `iceway [--config FILE] ctl [--socket PATH] COMMAND ARGS...`: everything after `ctl` (and
// its --socket) is the command's; nullopt when argv is not a ctl command line.
std::optional<CommandLine> parse_ctl(int argc, char** argv) {
  CommandLine line;
  int i = 1;
  for (; i < argc; ++i) {
    const std::string_view argument = argv[i];
    if ((argument == "--config" || argument == "-c") && i + 1 < argc) line.config_path = argv[++i];
    else if (argument.starts_with("--config=")) line.config_path = std::string(argument.substr(9));
    else break;
  }
  if (i >= argc || std::string_view(argv[i]) != "ctl") return std::nullopt;
  ++i;
  if (i + 1 < argc && std::string_view(argv[i]) == "--socket") {
    line.ctl_socket = argv[i + 1];
    i += 2;
  }
  line.command = CommandLine::Command::ctl;
  line.ctl_arguments.assign(argv + i, argv + argc);
  return line;
}

}  // namespace

std::optional<CommandLine> parse_command_line(int argc, char** argv, int& exit_code) {
  CommandLine line;
  CLI::App app{"iceway: STUN, TURN, WebSocket signaling and Prometheus metrics for WebRTC, in one process.\n"
               "With no --config it runs with built-in defaults and a generated development secret."};
  app.fallthrough();

  bool version = false;
  bool check = false;
  app.add_flag("--version", version, "Print the version and git revision, then exit");
  app.add_option("--config,-c", line.config_path, "TOML configuration file (e.g. /etc/iceway/iceway.toml)")
      ->check(CLI::ExistingFile);
  app.add_flag("--check-config", check, "Validate the configuration, print every problem with its key and line, exit");
  app.add_option("--set", line.overrides, "Override any config key: --set turn.max_allocations=500 (repeatable)")
      ->type_name("SECTION.KEY=VALUE");

  // Shorthands for the keys people change most on the command line.
  struct Shorthand {
    const char* flag;
    const char* key;
    const char* help;
    bool list;
  };
  static const Shorthand kShorthands[] = {
      {"--listen", "turn.listen", "STUN/TURN UDP+TCP listen address, repeatable (default 0.0.0.0:3478 and [::]:3478)", true},
      {"--tls-listen", "turn.tls_listen", "STUN/TURN over TLS listen address, repeatable (default 0.0.0.0:5349)", true},
      {"--signal-listen", "signal.listen", "Public HTTP/WebSocket address (default 0.0.0.0:8080)", false},
      {"--admin-listen", "admin.listen", "Admin address for /metrics, /healthz, /readyz (default 127.0.0.1:9641)", false},
      {"--realm", "server.realm", "TURN realm (default iceway)", false},
      {"--external-ip", "server.external_ip", "PUBLIC or PUBLIC/PRIVATE, as coturn's external-ip", false},
      {"--public-host", "server.public_host", "Host name put in stun:/turn: URLs", false},
      {"--relay-ip", "turn.relay_ipv4", "IPv4 address relays are opened on", false},
      {"--relay-ipv6", "turn.relay_ipv6", "IPv6 address relays are opened on", false},
      {"--relay-ports", "turn.relay_ports", "Relay port range (default 49152-65535)", false},
      {"--secret-file", "auth.secret_file", "File with TURN REST-API secrets, one per line (first signs)", false},
      {"--log-level", "log.level", "trace, debug, info, warn, error or off", false},
      {"--log-format", "log.format", "text or json", false},
  };
  std::vector<std::pair<const Shorthand*, std::vector<std::string>>> values;
  values.reserve(std::size(kShorthands));
  for (const auto& shorthand : kShorthands) {
    values.emplace_back(&shorthand, std::vector<std::string>{});
    auto* option = app.add_option(shorthand.flag, values.back().second, shorthand.help);
    if (!shorthand.list) option->expected(1);
  }
  unsigned threads = 0;
  auto* threads_option = app.add_option("--threads", threads, "Worker threads (default: one per core)");
  bool allow_loopback = false;
  app.add_flag("--allow-loopback-peers", allow_loopback, "Allow relaying to 127.0.0.0/8 and ::1 (tests only)");


  auto* credentials = app.add_subcommand(
      "credentials", "Print a ready RTCConfiguration {\"iceServers\":[...]} with TURN REST-API credentials");
  credentials->add_option("--user,-u", line.credentials_user, "User id put in the username (<expiry>:<user>)")->required();
  credentials->add_option("--ttl,-t", line.credentials_ttl, "Lifetime such as 1h or 3600 (default: auth.credential_ttl)");

  // Listed for --help (and the man page); its arguments are read by parse_ctl() below, since
  // they are the command's own (its `credentials` is not the subcommand above).
  app.add_subcommand("ctl",
                     "Talk to the running server over admin.control_socket: [--socket PATH] status [--json], "
                     "reload, loglevel LEVEL, credentials --user USER [--ttl TTL]");

  if (auto ctl = parse_ctl(argc, argv)) {
    exit_code = 0;
    return ctl;
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    exit_code = app.exit(error);
    return std::nullopt;
  }

  for (auto& [shorthand, given] : values) {
    if (given.empty()) continue;
    if (shorthand->list) {
      std::string list = "[";
      for (std::size_t i = 0; i < given.size(); ++i) list += (i ? ",\"" : "\"") + given[i] + "\"";
      line.overrides.insert(line.overrides.begin(), std::string(shorthand->key) + "=" + list + "]");
    } else {
      line.overrides.insert(line.overrides.begin(), std::string(shorthand->key) + "=\"" + given.back() + "\"");
    }
  }
  if (*threads_option) line.overrides.insert(line.overrides.begin(), "server.threads=" + std::to_string(threads));
  if (allow_loopback) line.overrides.insert(line.overrides.begin(), "peers.allow_loopback=true");

  if (version) line.command = CommandLine::Command::version;
  else if (check) line.command = CommandLine::Command::check_config;
  else if (*credentials) line.command = CommandLine::Command::credentials;

  exit_code = 0;
  return line;
}

}  // namespace iceway::app
