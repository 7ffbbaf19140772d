// TOML file + environment + overrides -> validated Config (see config.hpp for the contract).
#include <openssl/rand.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>
#include <tuple>
#include <toml.hpp>

#include "app/address_warnings.hpp"
#include "app/config_where.hpp"
#include "app/profile_config.hpp"
#include "app/config.hpp"
#include "app/config_keys.hpp"
#include "app/config_values.hpp"
#include "app/toml_text.hpp"
#include "common/hex.hpp"
#include "signal/cluster/bus_message.hpp"
#include "signal/cluster/redis_url.hpp"
#include "turn/peer_policy.hpp"

namespace iceway::app {

std::string ConfigProblem::to_string() const {
  std::string text;
  for (const std::string* part : {&where, &key}) {
    if (!part->empty()) text += *part + ": ";
  }
  return text + message;
}

EnvironmentLookup process_environment() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (!value) return std::nullopt;
    return std::string(value);
  };
}

namespace {

// The schema: every section and key the file accepts, from the key table. Unknown keys are
// problems, so a typo ("max_alocations") is reported instead of silently ignored. A nested
// section ("signal.peerjs") is also a key of its parent, holding a table.
const std::map<std::string, std::set<std::string>>& schema() {
  static const std::map<std::string, std::set<std::string>> kSchema = [] {
    std::map<std::string, std::set<std::string>> sections;
    for (const ConfigKey& key : config_keys()) {
      std::string section(key.section());
      sections[section].insert(std::string(key.leaf()));
      for (auto dot = section.rfind('.'); dot != std::string::npos; dot = section.rfind('.')) {
        sections[section.substr(0, dot)].insert(section.substr(dot + 1));
        section.resize(dot);
      }
    }
    return sections;
  }();
  return kSchema;
}

std::string known_sections() {
  std::string text;
  for (const auto& [section, keys] : schema())
    if (section.find('.') == std::string::npos) text += (text.empty() ? "[" : ", [") + section + "]";
  return text + ", [[profile]]";
}

// Reads typed values out of the TOML tree, recording a problem (with key and line) for every
// value of the wrong type or outside its range instead of stopping at the first.
class Reader {
 public:
  Reader(const toml::value& root, std::vector<ConfigProblem>& problems) : root_(root), problems_(problems) {}

  // Records every key read and the kind it is read as, for the key table's test. The
  // outermost reader of a key says its kind (read_endpoint reads a string inside).
  void record_kinds(std::map<std::string, KeyKind>* kinds) { kinds_ = kinds; }
  void note(const std::string& key, KeyKind kind) {
    if (kinds_ != nullptr) kinds_->try_emplace(key, kind);
  }

  const toml::value* find(const std::string& dotted) const {
    const toml::value* node = &root_;
    std::string_view rest = dotted;
    while (!rest.empty()) {
      auto dot = rest.find('.');
      std::string part(rest.substr(0, dot));
      if (!node->is_table()) return nullptr;
      auto& table = node->as_table();
      auto it = table.find(part);
      if (it == table.end()) return nullptr;
      node = &it->second;
      rest = dot == std::string_view::npos ? std::string_view() : rest.substr(dot + 1);
    }
    return node;
  }

  void problem(const std::string& key, const toml::value* value, std::string message) {
    problems_.push_back({key, value ? where_of(*value) : std::string(), std::move(message)});
  }

  bool read(const std::string& key, std::string& out) {
    note(key, KeyKind::string);
    auto* value = find(key);
    if (!value) return false;
    if (!value->is_string()) return type_error(key, *value, "a string");
    out = value->as_string().str;
    return true;
  }
  bool read(const std::string& key, bool& out) {
    note(key, KeyKind::boolean);
    auto* value = find(key);
    if (!value) return false;
    if (!value->is_boolean()) return type_error(key, *value, "true or false");
    out = value->as_boolean();
    return true;
  }
  template <class Integer>
  bool read_integer(const std::string& key, Integer& out, std::int64_t min, std::int64_t max) {
    note(key, KeyKind::integer);
    auto* value = find(key);
    if (!value) return false;
    if (!value->is_integer()) return type_error(key, *value, "a whole number");
    auto number = value->as_integer();
    if (number < min || number > max) {
      problem(key, value, "must be between " + std::to_string(min) + " and " + std::to_string(max) + ", not " +
                              std::to_string(number));
      return false;
    }
    out = static_cast<Integer>(number);
    return true;
  }
  bool read_number(const std::string& key, double& out, double min) {
    note(key, KeyKind::number);
    auto* value = find(key);
    if (!value) return false;
    double number = 0;
    if (value->is_integer()) number = static_cast<double>(value->as_integer());
    else if (value->is_floating()) number = value->as_floating();
    else return type_error(key, *value, "a number");
    if (number < min) {
      problem(key, value, "must be at least " + std::to_string(min));
      return false;
    }
    out = number;
    return true;
  }
  bool read(const std::string& key, std::vector<std::string>& out) {
    note(key, KeyKind::strings);
    auto* value = find(key);
    if (!value) return false;
    if (!value->is_array()) return type_error(key, *value, "a list of strings");
    std::vector<std::string> items;
    for (auto& item : value->as_array()) {
      if (!item.is_string()) return type_error(key, item, "a list of strings");
      items.push_back(item.as_string().str);
    }
    out = std::move(items);
    return true;
  }
  template <class Rep, class Period>
  bool read_duration(const std::string& key, std::chrono::duration<Rep, Period>& out, std::chrono::milliseconds min) {
    note(key, KeyKind::duration);
    auto* value = find(key);
    if (!value) return false;
    std::chrono::milliseconds parsed{0};
    if (value->is_integer() && value->as_integer() >= 0) {
      parsed = std::chrono::seconds(value->as_integer());
    } else if (value->is_string()) {
      auto result = parse_duration(value->as_string().str);
      if (!result) {
        problem(key, value, result.error());
        return false;
      }
      parsed = result.value();
    } else {
      return type_error(key, *value, "a duration such as \"30s\" or \"1h\"");
    }
    if (parsed < min) {
      problem(key, value, "must be at least " + format_duration(min));
      return false;
    }
    out = std::chrono::duration_cast<std::chrono::duration<Rep, Period>>(parsed);
    return true;
  }
  template <class Integer>
  bool read_bytes(const std::string& key, Integer& out, std::uint64_t min, std::uint64_t max) {
    note(key, KeyKind::bytes);
    auto* value = find(key);
    if (!value) return false;
    std::uint64_t parsed = 0;
    if (value->is_integer() && value->as_integer() >= 0) {
      parsed = static_cast<std::uint64_t>(value->as_integer());
    } else if (value->is_string()) {
      auto result = parse_bytes(value->as_string().str);
      if (!result) {
        problem(key, value, result.error());
        return false;
      }
      parsed = result.value();
    } else {
      return type_error(key, *value, "a byte count such as 65536 or \"64KiB\"");
    }
    if (parsed < min || parsed > max) {
      problem(key, value, "must be between " + std::to_string(min) + " and " + std::to_string(max) + " bytes");
      return false;
    }
    out = static_cast<Integer>(parsed);
    return true;
  }
  bool read_endpoint(const std::string& key, Endpoint& out, std::uint16_t default_port) {
    note(key, KeyKind::address);
    std::string text;
    if (!read(key, text)) return false;
    auto endpoint = Endpoint::parse(text, default_port);
    if (!endpoint) {
      problem(key, find(key), "\"" + text + "\" is not an address such as \"0.0.0.0:3478\" or \"[::]:3478\"");
      return false;
    }
    out = *endpoint;
    return true;
  }
  bool read_endpoints(const std::string& key, std::vector<Endpoint>& out, std::uint16_t default_port) {
    note(key, KeyKind::addresses);
    std::vector<std::string> texts;
    if (!read(key, texts)) return false;
    std::vector<Endpoint> endpoints;
    for (auto& text : texts) {
      auto endpoint = Endpoint::parse(text, default_port);
      if (!endpoint) {
        problem(key, find(key), "\"" + text + "\" is not an address such as \"0.0.0.0:3478\" or \"[::]:3478\"");
        return false;
      }
      endpoints.push_back(*endpoint);
    }
    out = std::move(endpoints);
    return true;
  }
  bool read_address(const std::string& key, std::optional<IpAddress>& out, AddressFamily family) {
    note(key, KeyKind::ip_address);
    std::string text;
    if (!read(key, text) || text.empty()) return false;
    auto address = IpAddress::parse(text);
    if (!address || address->family() != family) {
      problem(key, find(key),
              "\"" + text + "\" is not an " + (family == AddressFamily::ipv4 ? "IPv4" : "IPv6") + " address");
      return false;
    }
    out = *address;
    return true;
  }

  // Reports keys the schema does not know, with the closest section name in the message.
  void check_unknown_keys() {
    if (!root_.is_table()) return;
    for (auto& [section, value] : root_.as_table()) {
      if (section == "profile") continue;  // [[profile]] tables: app/profile_config.cpp checks them
      auto known = schema().find(section);
      if (known == schema().end()) {
        problem(section, &value, "unknown section; known sections: " + known_sections());
        continue;
      }
      if (!value.is_table()) {
        problem(section, &value, "must be a table ([" + section + "])");
        continue;
      }
      check_table(section, value, known->second);
    }
  }

 private:
  void check_table(const std::string& section, const toml::value& table, const std::set<std::string>& known) {
    for (auto& [key, value] : table.as_table()) {
      std::string dotted = section + "." + key;
      if (!known.contains(key)) {
        problem(dotted, &value, "unknown key (see docs/configuration.md for the keys of [" + section + "])");
        continue;
      }
      if (auto sub = schema().find(dotted); sub != schema().end()) {
        if (!value.is_table()) problem(dotted, &value, "must be a table ([" + dotted + "])");
        else check_table(dotted, value, sub->second);
      }
    }
  }
  bool type_error(const std::string& key, const toml::value& value, const std::string& expected) {
    problem(key, &value, "must be " + expected);
    return false;
  }

  const toml::value& root_;
  std::vector<ConfigProblem>& problems_;
  std::map<std::string, KeyKind>* kinds_ = nullptr;
};

// Splits secrets given in one string (environment variable or file): one per line or comma;
// blank lines and '#' comments are ignored.
std::vector<std::string> split_secrets(const std::string& text) {
  std::vector<std::string> out;
  std::string current;
  auto flush = [&] {
    auto begin = current.find_first_not_of(" \t\r");
    auto end = current.find_last_not_of(" \t\r");
    if (begin != std::string::npos && current[begin] != '#') out.push_back(current.substr(begin, end - begin + 1));
    current.clear();
  };
  for (char c : text) {
    if (c == '\n' || c == ',') flush();
    else current.push_back(c);
  }
  flush();
  return out;
}

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return std::nullopt;
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

// "section.key=value": the value is parsed as a TOML value (so lists and numbers work), and
// taken as a plain string when it is not valid TOML ("--set turn.relay_ports=49152-50000").
bool apply_override(toml::value& root, const std::string& assignment, std::vector<ConfigProblem>& problems) {
  auto equals = assignment.find('=');
  const std::string dotted = assignment.substr(0, equals == std::string::npos ? 0 : equals);
  // toml11 must only ever see text the TOML spec allows (app/toml_text.hpp says why).
  if (auto bad = check_toml_text(assignment)) {
    // The key itself may be the bad part; never echo bytes that are not text.
    problems.push_back({check_toml_text(dotted) ? "" : dotted, "--set", bad->message});
    return false;
  }
  if (equals == std::string::npos || equals == 0) {
    problems.push_back({assignment, "--set", "expected section.key=value"});
    return false;
  }
  std::string value_text = assignment.substr(equals + 1);
  toml::value parsed;
  try {
    std::istringstream stream("v = " + value_text + "\n");
    parsed = toml::parse(stream, "--set").as_table().at("v");
  } catch (const std::exception&) {
    std::istringstream stream("v = \"\"\"" + value_text + "\"\"\"\n");
    try {
      parsed = toml::parse(stream, "--set").as_table().at("v");
    } catch (const std::exception&) {
      problems.push_back({dotted, "--set", "cannot read the value \"" + value_text + "\""});
      return false;
    }
  }
  toml::value* node = &root;
  std::string_view rest = dotted;
  while (true) {
    auto dot = rest.find('.');
    std::string part(rest.substr(0, dot));
    if (dot == std::string_view::npos) {
      node->as_table()[part] = parsed;
      return true;
    }
    auto& table = node->as_table();
    auto it = table.find(part);
    if (it == table.end()) it = table.emplace(part, toml::table{}).first;
    if (!it->second.is_table()) {
      problems.push_back({dotted, "--set", "\"" + part + "\" is not a table"});
      return false;
    }
    node = &it->second;
    rest = rest.substr(dot + 1);
  }
}

std::string default_random_secret() {
  unsigned char bytes[24];
  if (RAND_bytes(bytes, sizeof bytes) != 1) throw std::runtime_error("RAND_bytes failed");
  return to_hex(ByteSpan(reinterpret_cast<const std::byte*>(bytes), sizeof bytes));
}

// The first specific (not 0.0.0.0 or ::) address of a family among the listeners.
std::optional<IpAddress> first_specific(const std::vector<Endpoint>& listeners, AddressFamily family) {
  for (auto& endpoint : listeners)
    if (endpoint.address.family() == family && !endpoint.address.is_unspecified()) return endpoint.address;
  return std::nullopt;
}

// turn.alternate_address: RFC 5780 needs two addresses and two ports. The primary is the first
// specific turn.listen address of the alternate's family (a wildcard cannot say which of the
// host's addresses it is), the alternate port the primary's plus one, as coturn's
// alt-listening-port defaults to.
void read_nat_behavior(Reader& in, turn::Settings& turn) {
  const std::string key = "turn.alternate_address";
  std::string text;
  if (!in.read(key, text) || text.empty()) return;
  const auto alternate = IpAddress::parse(text);
  if (!alternate) {
    in.problem(key, in.find(key), "\"" + text + "\" is not an address of this host such as \"198.51.100.2\"");
    return;
  }
  if (auto problem = relay_address_problem(*alternate)) {
    in.problem(key, in.find(key), *problem);
    return;
  }
  const Endpoint* primary = nullptr;
  for (const auto& listen : turn.listen) {
    if (listen.address.family() == alternate->family() && !listen.address.is_unspecified()) {
      primary = &listen;
      break;
    }
  }
  if (primary == nullptr || primary->port == 0 || primary->port == 65535) {
    in.problem(key, in.find(key),
               "needs the primary address in turn.listen: a specific address of the same family with a fixed port "
               "below 65535, e.g. listen = [\"203.0.113.5:3478\"] (answers to change-IP requests leave from the "
               "other one)");
    return;
  }
  if (primary->address == *alternate) {
    in.problem(key, in.find(key), "must differ from the primary address " + primary->address.to_string());
    return;
  }
  turn.nat_behavior = stun::NatAddresses{*primary, Endpoint{*alternate, static_cast<std::uint16_t>(primary->port + 1)}};
}

// [cluster] (signal/cluster/cluster_settings.hpp). The table's presence is what turns it on.
void read_cluster(Reader& in, Config& config) {
  const toml::value* table = in.find("cluster");
  if (table == nullptr) return;
  if (!table->is_table()) {
    in.problem("cluster", table, "must be a table: [cluster] with redis = \"redis://ADDRESS:PORT\"");
    return;
  }
  signaling::cluster::ClusterSettings cluster;
  if (!in.read("cluster.redis", cluster.redis) || cluster.redis.empty()) {
    in.problem("cluster.redis", in.find("cluster.redis") ? in.find("cluster.redis") : table,
               "[cluster] needs redis = \"redis://ADDRESS:PORT\" (or \"unix:///PATH\"): the Redis all nodes share");
  } else if (auto address = signaling::cluster::parse_redis_url(cluster.redis); !address) {
    in.problem("cluster.redis", in.find("cluster.redis"), address.error());
  } else {
    cluster.redis_tcp = address.value().tcp;
    cluster.redis_unix_path = address.value().unix_path;
  }
  std::string password_file;
  if (in.read("cluster.password_file", password_file) && !password_file.empty()) {
    if (auto text = read_file(password_file); text && !split_secrets(*text).empty()) {
      cluster.password = split_secrets(*text).front();
    } else {
      in.problem("cluster.password_file", in.find("cluster.password_file"), "cannot read a password from " + password_file);
    }
  }
  if (in.read("cluster.node_id", cluster.node_id) && !signaling::cluster::valid_node_id(cluster.node_id))
    in.problem("cluster.node_id", in.find("cluster.node_id"), "must be 1-64 characters of A-Z a-z 0-9 . _ - :");
  if (in.read_duration("cluster.heartbeat", cluster.heartbeat, std::chrono::milliseconds(100)) &&
      cluster.heartbeat > signaling::cluster::kMaxHeartbeat)
    in.problem("cluster.heartbeat", in.find("cluster.heartbeat"), "must be at most \"60s\" (a silent node is dropped after three)");
  in.read_bytes("cluster.publish_buffer", cluster.publish_buffer_bytes, 64 * 1024, std::uint64_t{1} << 30);
  config.cluster = std::move(cluster);
}

void read_all(Reader& in, Config& config, std::vector<ConfigProblem>& problems) {
  auto& server = config.server;
  auto& turn = config.turn;
  auto& signal = config.signal;

  in.read("server.realm", turn.realm);
  if (turn.realm.empty()) in.problem("server.realm", in.find("server.realm"), "must not be empty");
  // At most 256: a worker's index is the top byte of its RFC 6062 CONNECTION-IDs.
  in.read_integer("server.threads", server.threads, 0, 256);
  in.read("server.external_ip", server.external_ip);
  in.read("server.public_host", server.public_host);
  in.read_duration("server.drain_timeout", server.drain_timeout, std::chrono::milliseconds(0));
  // One budget per IPv6 prefix for every per-source limit (common/source_prefix.hpp).
  in.read_integer("server.ipv6_prefix", turn.ipv6_prefix, 1, 128);
  signal.ipv6_prefix = turn.ipv6_prefix;
  if (!server.external_ip.empty()) {
    auto external = parse_external_ip(server.external_ip);
    if (!external) {
      in.problem("server.external_ip", in.find("server.external_ip"), external.error());
    } else {
      turn.external_public_ip = external.value().public_ip;
      turn.external_private_ip = external.value().private_ip;
    }
  }

  // A draining node's 300 Try Alternate names one address of the client's family.
  if (in.read_endpoints("server.alternate", turn.alternate_servers, 3478)) {
    bool seen[2] = {false, false};
    for (const auto& alternate : turn.alternate_servers) {
      auto& family_seen = seen[alternate.address.family() == AddressFamily::ipv4 ? 0 : 1];
      if (alternate.address.is_unspecified() || alternate.port == 0) {
        in.problem("server.alternate", in.find("server.alternate"),
                   "\"" + alternate.to_string() + "\" is not an address a client can reach: give the other node's IP and port");
      } else if (family_seen) {
        in.problem("server.alternate", in.find("server.alternate"),
                   "more than one address of the same family: a client is sent to the one of its own family");
      }
      family_seen = true;
    }
  }
  in.read_endpoints("turn.listen", turn.listen, 3478);
  in.read_endpoints("turn.tls_listen", turn.tls_listen, 5349);
  in.read("turn.dtls", turn.dtls);
  read_nat_behavior(in, turn);
  for (const auto& [key, address, family] :
       {std::tuple{"turn.relay_ipv4", &turn.relay_ipv4, AddressFamily::ipv4},
        std::tuple{"turn.relay_ipv6", &turn.relay_ipv6, AddressFamily::ipv6}}) {
    if (!in.read_address(key, *address, family)) continue;
    if (auto problem = relay_address_problem(**address)) {
      in.problem(key, in.find(key), *problem);
      address->reset();
    }
  }
  std::string ports;
  if (in.read("turn.relay_ports", ports)) {
    auto range = parse_port_range(ports);
    if (!range) in.problem("turn.relay_ports", in.find("turn.relay_ports"), range.error());
    else std::tie(turn.relay_port_min, turn.relay_port_max) = range.value();
  }
  in.read_duration("turn.max_lifetime", turn.max_lifetime, std::chrono::seconds(1));
  in.read_duration("turn.default_lifetime", turn.default_lifetime, std::chrono::seconds(1));
  in.read_duration("turn.permission_lifetime", turn.permission_lifetime, std::chrono::seconds(1));
  in.read_duration("turn.channel_lifetime", turn.channel_lifetime, std::chrono::seconds(1));
  // RFC 8656 §7.2: the default lifetime is capped by the maximum, never the other way round.
  turn.default_lifetime = std::min(turn.default_lifetime, turn.max_lifetime);
  in.read_integer("turn.max_allocations", turn.max_allocations, 0, 10'000'000);
  in.read_integer("turn.max_allocations_per_user", turn.max_allocations_per_user, 0, 10'000'000);
  in.read_integer("turn.max_allocations_per_ip", turn.max_allocations_per_ip, 0, 10'000'000);
  in.read_bytes("turn.bandwidth_per_allocation", turn.bandwidth_per_allocation, 0, std::uint64_t{1} << 40);
  in.read("turn.mobility", turn.mobility);
  in.read_integer("turn.max_stream_clients", turn.max_stream_clients, 0, 10'000'000);
  in.read_integer("turn.max_stream_clients_per_ip", turn.max_stream_clients_per_ip, 0, 10'000'000);
  in.read_integer("turn.max_tls_handshakes", turn.max_tls_handshakes, 0, 10'000'000);
  // At least 100 ms: below that a client on a slow path could not finish even an honest exchange.
  in.read_duration("turn.tls_handshake_timeout", turn.tls_handshake_timeout, std::chrono::milliseconds(100));
  in.read_duration("turn.stream_frame_timeout", turn.stream_frame_timeout, std::chrono::milliseconds(100));
  in.read_duration("turn.stream_auth_timeout", turn.stream_auth_timeout, std::chrono::milliseconds(100));
  // The burst must hold the largest unauthenticated answer (a 401 is about 100 bytes), or
  // that answer could never be sent.
  in.read_bytes("turn.unauthenticated_bytes_per_second", turn.unauthenticated_bytes_per_second, 0, std::uint64_t{1} << 30);
  in.read_bytes("turn.unauthenticated_burst_bytes", turn.unauthenticated_burst_bytes, 512, std::uint64_t{1} << 30);

  in.read("auth.secrets", turn.secrets);
  std::string secret_file;
  if (in.read("auth.secret_file", secret_file) && !secret_file.empty()) {
    if (!turn.secrets.empty()) {
      in.problem("auth.secret_file", in.find("auth.secret_file"), "set auth.secrets or auth.secret_file, not both");
    } else if (auto text = read_file(secret_file)) {
      turn.secrets = split_secrets(*text);
      if (turn.secrets.empty())
        in.problem("auth.secret_file", in.find("auth.secret_file"), secret_file + " holds no secret (one per line)");
    } else {
      in.problem("auth.secret_file", in.find("auth.secret_file"), "cannot read " + secret_file);
    }
  }
  in.read_duration("auth.credential_ttl", turn.credential_ttl, std::chrono::seconds(60));
  in.read_duration("auth.nonce_lifetime", turn.nonce_lifetime, std::chrono::seconds(10));
  in.read("auth.api_keys", signal.api_keys);
  std::string api_key_file;
  if (in.read("auth.api_key_file", api_key_file) && !api_key_file.empty()) {
    if (auto text = read_file(api_key_file)) {
      for (auto& key : split_secrets(*text)) signal.api_keys.push_back(key);
    } else {
      in.problem("auth.api_key_file", in.find("auth.api_key_file"), "cannot read " + api_key_file);
    }
  }
  in.note("auth.users", KeyKind::tables);
  if (auto* users = in.find("auth.users")) {
    if (!users->is_array()) {
      in.problem("auth.users", users, "must be a list such as [{ name = \"alice\", password = \"...\" }]");
    } else {
      for (auto& user : users->as_array()) {
        if (!user.is_table() || !user.contains("name") || !user.contains("password") ||
            !user.as_table().at("name").is_string() || !user.as_table().at("password").is_string() ||
            user.as_table().size() != 2) {
          in.problem("auth.users", &user, "each user is { name = \"...\", password = \"...\" }");
          continue;
        }
        turn.users.push_back({user.as_table().at("name").as_string().str, user.as_table().at("password").as_string().str});
        if (turn.users.back().name.empty() || turn.users.back().name.find(':') != std::string::npos)
          in.problem("auth.users", &user, "a user name must be non-empty and contain no ':' (':' marks REST-API usernames)");
      }
    }
  }

  in.read("peers.allow_loopback", turn.allow_loopback_peers);
  in.read("peers.allow", turn.peer_allow);
  in.read("peers.deny", turn.peer_deny);
  in.read_integer("peers.refused_per_minute", turn.refused_peers_per_minute, 0, 60'000);

  in.read_endpoint("signal.listen", signal.listen, 8080);
  in.read("signal.require_token", signal.require_token);
  in.read("signal.anonymous_credentials", signal.anonymous_credentials);
  in.read("signal.token_secret", signal.token_secret);
  std::string token_secret_file;
  if (in.read("signal.token_secret_file", token_secret_file) && !token_secret_file.empty()) {
    if (auto text = read_file(token_secret_file); text && !split_secrets(*text).empty()) {
      signal.token_secret = split_secrets(*text).front();
    } else {
      in.problem("signal.token_secret_file", in.find("signal.token_secret_file"), "cannot read a secret from " + token_secret_file);
    }
  }
  in.read("signal.allowed_origins", signal.allowed_origins);
  in.read_bytes("signal.max_frame_bytes", signal.max_frame_bytes, 256, 16 * 1024 * 1024);
  in.read_integer("signal.max_json_depth", signal.max_json_depth, 2, 1000);
  in.read_number("signal.messages_per_second", signal.messages_per_second, 0.1);
  in.read_number("signal.message_burst", signal.message_burst, 1);
  in.read_integer("signal.max_connections_per_ip", signal.max_connections_per_ip, 1, 10'000'000);
  in.read_integer("signal.max_rooms_per_connection", signal.max_rooms_per_connection, 1, 100'000);
  in.read_integer("signal.max_peers_per_room", signal.max_peers_per_room, 2, 1'000'000);
  in.read_bytes("signal.max_send_queue_bytes", signal.max_send_queue_bytes, 4096, std::uint64_t{1} << 32);
  in.read_duration("signal.ping_interval", signal.ping_interval, std::chrono::seconds(1));
  in.read_duration("signal.idle_timeout", signal.idle_timeout, std::chrono::seconds(1));
  in.read("signal.permessage_deflate", signal.permessage_deflate);
  if (in.read("signal.static_dir", signal.static_dir) && !signal.static_dir.empty()) {
    std::error_code error;
    if (!std::filesystem::is_directory(signal.static_dir, error))
      in.problem("signal.static_dir", in.find("signal.static_dir"), signal.static_dir + " is not a directory");
  }
  in.read_duration("signal.handshake_timeout", signal.handshake_timeout, std::chrono::seconds(1));
  in.read_bytes("signal.max_http_body_bytes", signal.max_http_body_bytes, 0, 64 * 1024 * 1024);
  in.read("signal.peerjs.path", signal.peerjs_path);
  if (signal.peerjs_path.empty() || signal.peerjs_path.front() != '/')
    in.problem("signal.peerjs.path", in.find("signal.peerjs.path"), "must start with '/'");
  in.read("signal.peerjs.key", signal.peerjs_key);
  in.read("signal.peerjs.discovery", signal.peerjs_discovery);
  in.read_duration("signal.peerjs.expire_timeout", signal.peerjs_expire_timeout, std::chrono::milliseconds(100));
  in.read_duration("signal.peerjs.alive_timeout", signal.peerjs_alive_timeout, std::chrono::milliseconds(1000));
  in.read_integer("signal.peerjs.concurrent_limit", signal.peerjs_concurrent_limit, 1, 10'000'000);
  in.read_integer("signal.peerjs.queue_per_peer", signal.peerjs_queue_per_peer, 0, 100'000);
  in.read_bytes("signal.peerjs.queue_total_bytes", signal.peerjs_queue_total_bytes, 0, std::uint64_t{1} << 32);

  // [socketio]: the Socket.IO front door (signal/http/socketio_mount.hpp).
  auto& socketio = signal.socketio;
  in.read("socketio.enabled", socketio.enabled);
  in.read("socketio.path", socketio.path);
  if (socketio.path.empty() || socketio.path.front() != '/')
    in.problem("socketio.path", in.find("socketio.path"), "must start with '/'");
  in.read_duration("socketio.ping_interval", socketio.ping_interval, std::chrono::milliseconds(100));
  in.read_duration("socketio.ping_timeout", socketio.ping_timeout, std::chrono::milliseconds(100));
  in.read_bytes("socketio.max_payload", socketio.max_payload, 1024, 64 * 1024 * 1024);
  std::string binary = socketio.relay_binary ? "relay" : "refuse";
  in.read("socketio.binary", binary);
  if (binary != "relay" && binary != "refuse")
    in.problem("socketio.binary", in.find("socketio.binary"), "must be \"relay\" or \"refuse\"");
  socketio.relay_binary = binary == "relay";
  in.read("socketio.app", socketio.app);
  if (socketio.app != "tutorial" && socketio.app != "conformance")
    in.problem("socketio.app", in.find("socketio.app"), "must be \"tutorial\" or \"conformance\"");
  in.read("socketio.engineio_echo_path", socketio.engineio_echo_path);
  {
    std::string peerjs_socket = signal.peerjs_path;
    if (!peerjs_socket.ends_with('/')) peerjs_socket += '/';
    read_profiles(in.find("profile"),
                  {"/ws", "/relay", "/yjs", peerjs_socket + "peerjs", socketio.path, socketio.engineio_echo_path},
                  socketio.enabled ? socketio.path : std::string(), signal, problems);
  }
  if (!socketio.engineio_echo_path.empty() && socketio.engineio_echo_path.front() != '/')
    in.problem("socketio.engineio_echo_path", in.find("socketio.engineio_echo_path"), "must start with '/' (or be empty)");
  if (!socketio.engineio_echo_path.empty() && socketio.engineio_echo_path == socketio.path)
    in.problem("socketio.engineio_echo_path", in.find("socketio.engineio_echo_path"), "must differ from socketio.path");

  read_cluster(in, config);
  in.read_endpoint("admin.listen", config.admin.listen, 9641);
  if (in.read("admin.control_socket", config.admin.control_socket) && !config.admin.control_socket.empty() &&
      (config.admin.control_socket.front() != '/' || config.admin.control_socket.size() > 100))
    in.problem("admin.control_socket", in.find("admin.control_socket"),
               "must be an absolute path of at most 100 bytes (a Unix socket's limit), or \"\" for none");
  in.read("tls.cert", config.tls.cert);
  in.read("tls.key", config.tls.key);
  if (config.tls.cert.empty() != config.tls.key.empty()) {
    in.problem(config.tls.cert.empty() ? "tls.cert" : "tls.key", in.find("tls"), "set both tls.cert and tls.key, or neither");
  } else if (config.tls.enabled()) {
    for (auto key : {"tls.cert", "tls.key"}) {
      auto& path = std::string(key) == "tls.cert" ? config.tls.cert : config.tls.key;
      if (!read_file(path)) in.problem(key, in.find(key), "cannot read " + path);
    }
  }
  in.read("log.level", config.log.level);
  static const std::set<std::string> kLevels = {"trace", "debug", "info", "warn", "error", "off"};
  if (!kLevels.contains(config.log.level))
    in.problem("log.level", in.find("log.level"), "must be one of trace, debug, info, warn, error, off");
  in.read("log.format", config.log.format);
  if (config.log.format != "text" && config.log.format != "json")
    in.problem("log.format", in.find("log.format"), "must be \"text\" or \"json\"");
  (void)problems;
}

}  // namespace

std::map<std::string, KeyKind> keys_read_by_loader() {
  // [cluster] is read only when present; everything else is read from an empty file too.
  toml::value root = toml::table{{"cluster", toml::table{{"redis", "redis://127.0.0.1:6379"}}}};
  std::vector<ConfigProblem> problems;
  std::map<std::string, KeyKind> kinds;
  Reader in(root, problems);
  in.record_kinds(&kinds);
  Config config;
  read_all(in, config, problems);
  return kinds;
}

const std::vector<std::string>& known_config_keys() {
  static const std::vector<std::string> kKeys = [] {
    std::vector<std::string> keys;
    for (const ConfigKey& key : config_keys()) keys.emplace_back(key.name);
    return keys;
  }();
  return kKeys;
}

LoadResult load_config(const LoadOptions& options) {
  LoadResult result;
  Config config;
  config.turn.listen = {*Endpoint::parse("0.0.0.0:3478"), *Endpoint::parse("[::]:3478")};
  config.turn.tls_listen = {*Endpoint::parse("0.0.0.0:5349")};

  toml::value root = toml::table{};
  if (options.path) {
    config.source = *options.path;
    const auto text = read_file(*options.path);
    if (!text) {
      result.problems.push_back({"", *options.path, "cannot read the file: " + std::string(std::strerror(errno))});
      return result;
    }
    // toml11 must only ever see text the TOML spec allows (app/toml_text.hpp says why).
    if (auto bad = check_toml_text(*text)) {
      result.problems.push_back({"", *options.path + ":" + std::to_string(bad->line), bad->message});
      return result;
    }
    try {
      std::istringstream stream(*text);
      root = toml::parse(stream, *options.path);
    } catch (const toml::exception& error) {
      // toml11's message already shows the offending line; `where` names it for scripts too.
      const auto line = error.location().line();
      result.problems.push_back({"", *options.path + (line > 0 ? ":" + std::to_string(line) : ""), error.what()});
      return result;
    } catch (const std::exception& error) {  // unreadable file
      result.problems.push_back({"", *options.path, error.what()});
      return result;
    }
  }
  for (auto& assignment : options.overrides) apply_override(root, assignment, result.problems);

  Reader in(root, result.problems);
  in.check_unknown_keys();
  read_all(in, config, result.problems);
  // A loopback relay address is right for a test on one machine (every listener on
  // loopback) and wrong anywhere else: clients on other hosts are told to send there.
  const bool loopback_only = std::all_of(config.turn.listen.begin(), config.turn.listen.end(),
                                         [](const Endpoint& endpoint) { return endpoint.address.is_loopback(); });
  for (const auto& [key, address] : {std::pair{"turn.relay_ipv4", config.turn.relay_ipv4},
                                     std::pair{"turn.relay_ipv6", config.turn.relay_ipv6},
                                     std::pair{"server.external_ip", config.turn.external_public_ip}}) {
    if (address && address->is_loopback() && !loopback_only)
      result.warnings.push_back(std::string(key) + " = \"" + address->to_string() +
                                "\" is a loopback address but turn.listen accepts clients from other hosts, which "
                                "cannot reach relays there; set the address clients reach");
  }

  auto env = options.environment ? options.environment : process_environment();
  if (auto secrets = env("ICEWAY_SECRETS"); secrets && !secrets->empty()) {
    config.turn.secrets = split_secrets(*secrets);
    if (config.turn.secrets.empty()) result.problems.push_back({"auth.secrets", "environment ICEWAY_SECRETS", "holds no secret"});
  }
  if (auto keys = env("ICEWAY_API_KEYS"); keys && !keys->empty()) config.signal.api_keys = split_secrets(*keys);
  if (auto token = env("ICEWAY_TOKEN_SECRET"); token && !token->empty()) config.signal.token_secret = *token;
  if (auto password = env("ICEWAY_REDIS_PASSWORD"); password && !password->empty() && config.cluster)
    config.cluster->password = *password;

  if (config.signal.require_token && config.signal.token_secret.empty()) {
    // Point at the require_token line: that is what asks for the secret.
    const toml::value* asked = in.find("signal.require_token");
    result.problems.push_back({"signal.token_secret", asked ? where_of(*asked) : config.source,
                               "signal.require_token is on but no token secret is set: set signal.token_secret "
                               "(or signal.token_secret_file, or the ICEWAY_TOKEN_SECRET environment variable)"});
  }

  if (config.turn.secrets.empty() && config.turn.users.empty()) {
    if (options.path) {
      result.problems.push_back({"auth.secrets", config.source,
                                 "no TURN secret and no user: set auth.secrets (or auth.secret_file, or the "
                                 "ICEWAY_SECRETS environment variable) so clients can authenticate"});
    } else {
      // SPEC §2: with no config file iceway runs on one machine with a generated secret.
      config.development_mode = true;
      config.signal.development_mode = true;
      config.turn.secrets = {options.random_secret ? options.random_secret() : default_random_secret()};
      result.warnings.push_back("development mode: no config file, so a random TURN secret was generated and "
                                "anything may fetch credentials; use --config for a real deployment");
    }
  }

  if (config.signal.anonymous_credentials && !config.development_mode && !config.signal.require_token) {
    result.warnings.push_back(
        "signal.anonymous_credentials is on: anyone who can open /ws gets TURN credentials valid for "
        "auth.credential_ttl under any id they name, and can use up that user's allocations "
        "(turn.max_allocations_per_user); prefer tokens (signal.token_secret) or GET /api/v1/ice-servers");
  }

  // Resolve what "empty" means for addresses (SPEC §3 comments).
  if (config.server.threads == 0) config.server.threads = std::clamp(std::thread::hardware_concurrency(), 1u, 256u);
  auto local = options.local_address ? options.local_address : AddressLookup([](AddressFamily) { return std::optional<IpAddress>(); });
  if (!config.turn.relay_ipv4) {
    config.turn.relay_ipv4 = first_specific(config.turn.listen, AddressFamily::ipv4);
    if (!config.turn.relay_ipv4) config.turn.relay_ipv4 = local(AddressFamily::ipv4);
    if (!config.turn.relay_ipv4) {
      config.turn.relay_ipv4 = IpAddress::v4(0x7f000001);
      result.warnings.push_back("no non-loopback IPv4 address found: relaying on 127.0.0.1 only (set turn.relay_ipv4)");
    }
  }
  if (!config.turn.relay_ipv6) {
    config.turn.relay_ipv6 = first_specific(config.turn.listen, AddressFamily::ipv6);
    if (!config.turn.relay_ipv6) config.turn.relay_ipv6 = local(AddressFamily::ipv6);
  }
  if (config.server.public_host.empty()) {
    if (config.turn.external_public_ip) config.server.public_host = config.turn.external_public_ip->to_string();
    else if (auto specific = first_specific(config.turn.listen, AddressFamily::ipv4)) config.server.public_host = specific->to_string();
    else if (auto address = local(AddressFamily::ipv4)) config.server.public_host = address->to_string();
    else config.server.public_host = "127.0.0.1";
  }

  // The peer policy's CIDR lists are validated by the code that will use them, so
  // --check-config and the running server agree on what is valid.
  if (auto policy = turn::PeerPolicy::create(turn::PeerPolicyConfig::from(config.turn)); !policy) {
    for (auto& message : policy.error()) {
      std::string key = message.starts_with("peers.deny") ? "peers.deny" : "peers.allow";
      result.problems.push_back({key, config.source, message});
    }
  }

  for (auto& warning : address_warnings(config)) result.warnings.push_back(std::move(warning));
  if (result.problems.empty()) result.config = std::move(config);
  return result;
}

}  // namespace iceway::app
