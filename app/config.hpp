#pragma once
// The whole configuration as one immutable value (STYLE.md "Configuration is a value").
// load_config() reads the TOML file, applies environment secrets and command-line overrides,
// validates everything and returns either a Config or the full list of problems, each with
// its key and where it came from. Nothing starts from a config with problems, so a bad file
// never half-starts a server. Each part gets its slice (turn::Settings, signaling::Settings)
// by const reference.
#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "app/config_keys.hpp"
#include "common/endpoint.hpp"
#include "signal/cluster/cluster_settings.hpp"
#include "signal/settings.hpp"
#include "turn/settings.hpp"

namespace iceway::app {

struct ConfigProblem {
  std::string key;    // "turn.relay_ports"
  std::string where;  // "/etc/iceway/iceway.toml:12", "--set", "environment ICEWAY_SECRETS"
  std::string message;
  std::string to_string() const;
};

struct ServerSettings {
  unsigned threads = 0;  // resolved: never 0 after load_config
  std::string external_ip;  // as written
  std::string public_host;  // resolved: never empty after load_config
  std::chrono::milliseconds drain_timeout{30'000};
};

struct TlsSettings {
  std::string cert;
  std::string key;
  bool enabled() const { return !cert.empty(); }
};

struct AdminSettings {
  Endpoint listen = *Endpoint::parse("127.0.0.1:9641");
  // `iceway ctl`'s Unix socket (app/control/); "" = none. Restart to change.
  std::string control_socket = "/run/iceway/control.sock";
};

struct LogSettings {
  std::string level = "info";  // trace, debug, info, warn, error, off
  std::string format = "text"; // text or json
};

struct Config {
  ServerSettings server;
  turn::Settings turn;
  signaling::Settings signal;
  AdminSettings admin;
  TlsSettings tls;
  LogSettings log;
  // [cluster]: signaling across nodes over Redis; nullopt (no [cluster] table) = single node.
  std::optional<signaling::cluster::ClusterSettings> cluster;

  std::string source = "built-in defaults";  // the file path, or built-in defaults
  // No config file and no secret given: a development secret was generated and anonymous
  // credential hand-out is allowed (SPEC §2). Never true when a file is used.
  bool development_mode = false;
};

// Where the loader looks up environment variables (a test passes a map).
using EnvironmentLookup = std::function<std::optional<std::string>(const std::string&)>;
EnvironmentLookup process_environment();

// Where the loader looks up the machine's addresses for defaults (first non-loopback address
// of a family); a test passes fixed answers.
using AddressLookup = std::function<std::optional<IpAddress>(AddressFamily)>;

struct LoadOptions {
  std::optional<std::string> path;        // --config
  std::vector<std::string> overrides;     // "section.key=value", from --set and the named flags
  EnvironmentLookup environment;
  AddressLookup local_address;
  // Fills a development secret; injected so tests are deterministic.
  std::function<std::string()> random_secret;
};

struct LoadResult {
  std::optional<Config> config;           // set only when problems is empty
  std::vector<ConfigProblem> problems;
  std::vector<std::string> warnings;      // things that work but an operator should know
};

LoadResult load_config(const LoadOptions& options);

// Every key the file accepts, "section.key" (the names of config_keys()).
const std::vector<std::string>& known_config_keys();

// Every key the loader reads, with the kind it reads it as: the key table's test compares
// this with config_keys(), so the table cannot drift from what is really read.
std::map<std::string, KeyKind> keys_read_by_loader();

}  // namespace iceway::app
