#include "app/config.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>

namespace iceway::app {
namespace {

using namespace std::chrono_literals;

// A problem expected at a line (expect_exactly_these_problems).
struct KeyAtLine {
  const char* key;
  int line;
};

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("iceway-config-test-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& text) {
    auto path = (dir_ / name).string();
    std::ofstream(path) << text;
    return path;
  }

  LoadResult load(std::optional<std::string> path, std::vector<std::string> overrides = {}) {
    LoadOptions options;
    options.path = std::move(path);
    options.overrides = std::move(overrides);
    options.environment = [this](const std::string& name) -> std::optional<std::string> {
      auto it = env_.find(name);
      if (it == env_.end()) return std::nullopt;
      return it->second;
    };
    options.local_address = [](AddressFamily family) -> std::optional<IpAddress> {
      // A public-looking address outside the ranges app/address_warnings.hpp warns about
      // (198.18/15 is for benchmarks), so only the warnings a test provokes appear.
      if (family == AddressFamily::ipv4) return IpAddress::parse("198.18.0.10");
      return std::nullopt;
    };
    options.random_secret = [] { return std::string("dev-secret"); };
    return load_config(options);
  }

  static std::string problems_of(const LoadResult& result) {
    std::string text;
    for (auto& problem : result.problems) text += problem.to_string() + "\n";
    return text;
  }

  // The problems are exactly these keys, each reported at its line of `path`.
  static void expect_exactly_these_problems(const LoadResult& result, const std::string& path,
                                            std::initializer_list<KeyAtLine> expected) {
    for (const auto& e : expected) {
      SCOPED_TRACE(e.key);
      bool found = false;
      for (auto& problem : result.problems) {
        if (problem.key == e.key) {
          found = true;
          EXPECT_EQ(problem.where, path + ":" + std::to_string(e.line)) << problem.to_string();
        }
      }
      EXPECT_TRUE(found) << problems_of(result);
    }
    EXPECT_EQ(result.problems.size(), expected.size()) << problems_of(result);
  }

  std::filesystem::path dir_;
  std::map<std::string, std::string> env_;
};

TEST_F(ConfigTest, UnspecifiedAndMulticastRelayAddressesAreProblemsNamingTheKey) {
  auto path = write("iceway.toml", "[auth]\nsecrets = [\"s\"]\n");
  for (const auto& [key, value] : {std::pair{"turn.relay_ipv4", "0.0.0.0"}, std::pair{"turn.relay_ipv4", "224.0.0.1"},
                                   std::pair{"turn.relay_ipv6", "::"}, std::pair{"turn.relay_ipv6", "ff02::1"},
                                   std::pair{"server.external_ip", "0.0.0.0"}}) {
    SCOPED_TRACE(std::string(key) + " = " + value);
    auto result = load(path, {std::string(key) + "=\"" + value + "\""});
    EXPECT_FALSE(result.config);
    EXPECT_NE(problems_of(result).find(key), std::string::npos) << problems_of(result);
  }
}

TEST_F(ConfigTest, AlternateServersAreOnePerFamilyAndReachable) {
  auto path = write("iceway.toml", "[auth]\nsecrets = [\"s\"]\n");
  auto good = load(path, {R"(server.alternate=["198.51.100.7", "[2001:db8::7]:3479"])"});
  ASSERT_TRUE(good.config) << problems_of(good);
  ASSERT_EQ(good.config->turn.alternate_servers.size(), 2u);
  EXPECT_EQ(good.config->turn.alternate_servers[0], (Endpoint{*IpAddress::parse("198.51.100.7"), 3478}));
  EXPECT_EQ(good.config->turn.alternate_servers[1], (Endpoint{*IpAddress::parse("2001:db8::7"), 3479}));
  for (const char* bad : {R"(server.alternate=["0.0.0.0:3478"])", R"(server.alternate=["198.51.100.7", "198.51.100.8"])",
                          R"(server.alternate=["not an address"])"}) {
    SCOPED_TRACE(bad);
    auto result = load(path, {bad});
    EXPECT_FALSE(result.config);
    EXPECT_NE(problems_of(result).find("server.alternate"), std::string::npos) << problems_of(result);
  }
}

TEST_F(ConfigTest, AlternateAddressPairsWithTheFirstSpecificListenAddressOfItsFamily) {
  auto path = write("iceway.toml", "[auth]\nsecrets = [\"s\"]\n");
  auto good = load(path, {R"(turn.listen=["[::]:3478", "198.51.100.1:3478"])", R"(turn.alternate_address="198.51.100.2")"});
  ASSERT_TRUE(good.config) << problems_of(good);
  ASSERT_TRUE(good.config->turn.nat_behavior);
  EXPECT_EQ(good.config->turn.nat_behavior->primary, (Endpoint{*IpAddress::parse("198.51.100.1"), 3478}));
  EXPECT_EQ(good.config->turn.nat_behavior->alternate, (Endpoint{*IpAddress::parse("198.51.100.2"), 3479}));
  auto off = load(path, {});
  ASSERT_TRUE(off.config) << problems_of(off);
  EXPECT_FALSE(off.config->turn.nat_behavior);
  struct Case {
    const char* listen;
    const char* alternate;
  };
  const Case bad[] = {
      {R"(turn.listen=["0.0.0.0:3478"])", R"(turn.alternate_address="198.51.100.2")"},  // no primary
      {R"(turn.listen=["198.51.100.1:3478"])", R"(turn.alternate_address="2001:db8::2")"},  // other family
      {R"(turn.listen=["198.51.100.1:3478"])", R"(turn.alternate_address="198.51.100.1")"},  // the same
      {R"(turn.listen=["198.51.100.1:3478"])", R"(turn.alternate_address="not an address")"},
      {R"(turn.listen=["198.51.100.1:3478"])", R"(turn.alternate_address="0.0.0.0")"},
  };
  for (const auto& c : bad) {
    SCOPED_TRACE(std::string(c.listen) + " " + c.alternate);
    auto result = load(path, {c.listen, c.alternate});
    EXPECT_FALSE(result.config);
    EXPECT_NE(problems_of(result).find("turn.alternate_address"), std::string::npos) << problems_of(result);
  }
}

TEST_F(ConfigTest, ALoopbackRelayAddressWarnsUnlessEveryListenerIsLoopback) {
  auto path = write("iceway.toml", "[auth]\nsecrets = [\"s\"]\n");
  auto wildcard = load(path, {"turn.relay_ipv4=\"127.0.0.1\""});
  ASSERT_TRUE(wildcard.config) << problems_of(wildcard);
  ASSERT_EQ(wildcard.warnings.size(), 1u);
  EXPECT_NE(wildcard.warnings[0].find("turn.relay_ipv4"), std::string::npos);
  auto loopback = load(path, {"turn.relay_ipv4=\"127.0.0.1\"", "turn.listen=[\"127.0.0.1:3478\"]"});
  ASSERT_TRUE(loopback.config) << problems_of(loopback);
  EXPECT_TRUE(loopback.warnings.empty());
}

TEST_F(ConfigTest, NoFileMeansDevelopmentModeWithTheSpecDefaults) {
  auto result = load(std::nullopt);
  ASSERT_TRUE(result.config) << problems_of(result);
  const Config& config = *result.config;
  EXPECT_TRUE(config.development_mode);
  EXPECT_TRUE(config.signal.development_mode);
  EXPECT_EQ(config.turn.secrets, std::vector<std::string>{"dev-secret"});
  ASSERT_EQ(config.turn.listen.size(), 2u);
  EXPECT_EQ(config.turn.listen[0].to_string(), "0.0.0.0:3478");
  EXPECT_EQ(config.turn.listen[1].to_string(), "[::]:3478");
  EXPECT_EQ(config.turn.tls_listen[0].to_string(), "0.0.0.0:5349");
  EXPECT_EQ(config.signal.listen.to_string(), "0.0.0.0:8080");
  EXPECT_EQ(config.admin.listen.to_string(), "127.0.0.1:9641");
  EXPECT_EQ(config.turn.realm, "iceway");
  EXPECT_EQ(config.turn.relay_port_min, 49152);
  EXPECT_EQ(config.turn.relay_port_max, 65535);
  EXPECT_EQ(config.turn.max_lifetime, 3600s);
  EXPECT_EQ(config.turn.default_lifetime, 600s);
  EXPECT_EQ(config.turn.credential_ttl, 24h);
  EXPECT_EQ(config.server.drain_timeout, 30s);
  EXPECT_GE(config.server.threads, 1u);
  // SPEC §3: relay_ipv4 defaults to the first non-loopback IPv4 address when listening on any.
  EXPECT_EQ(config.turn.relay_ipv4->to_string(), "198.18.0.10");
  EXPECT_FALSE(config.turn.relay_ipv6);
  EXPECT_EQ(config.server.public_host, "198.18.0.10");
  ASSERT_EQ(result.warnings.size(), 1u);
  EXPECT_NE(result.warnings[0].find("development mode"), std::string::npos);
}

TEST_F(ConfigTest, ReadsEveryDocumentedKey) {
  auto secret_file = write("secrets", "# rotation: first signs\nnew-secret\nold-secret\n");
  auto path = write("iceway.toml", R"(
[server]
realm = "example.org"
threads = 3
external_ip = "203.0.113.7/10.0.0.5"
drain_timeout = "5s"

[turn]
listen = ["10.0.0.5:3478"]
tls_listen = ["10.0.0.5:443"]
relay_ipv6 = "2001:db8::5"
relay_ports = "50000-50100"
max_lifetime = "2h"
max_allocations = 7
max_allocations_per_user = 2
max_allocations_per_ip = 3
bandwidth_per_allocation = "1M"

[auth]
secret_file = ")" + secret_file + R"("
credential_ttl = "1h"
api_keys = ["key-1"]
users = [{ name = "tool", password = "pw" }]

[peers]
allow_loopback = true
allow = ["10.0.0.0/8"]
deny = ["198.51.100.0/24"]

[signal]
listen = "127.0.0.1:8443"
require_token = true
token_secret = "jwt-secret"
allowed_origins = ["https://app.example.org"]

[signal.peerjs]
key = "mykey"
discovery = true

[admin]
listen = "127.0.0.1:9999"

[log]
level = "debug"
format = "json"
)");
  auto result = load(path);
  ASSERT_TRUE(result.config) << problems_of(result);
  const Config& config = *result.config;
  EXPECT_FALSE(config.development_mode);
  EXPECT_EQ(config.turn.realm, "example.org");
  EXPECT_EQ(config.server.threads, 3u);
  EXPECT_EQ(config.turn.external_public_ip->to_string(), "203.0.113.7");
  EXPECT_EQ(config.turn.external_private_ip->to_string(), "10.0.0.5");
  EXPECT_EQ(config.server.public_host, "203.0.113.7");
  EXPECT_EQ(config.server.drain_timeout, 5s);
  EXPECT_EQ(config.turn.relay_ipv4->to_string(), "10.0.0.5");  // the specific listen address
  EXPECT_EQ(config.turn.relay_ipv6->to_string(), "2001:db8::5");
  EXPECT_EQ(config.turn.tls_listen[0].port, 443);
  EXPECT_EQ(config.turn.relay_port_min, 50000);
  EXPECT_EQ(config.turn.relay_port_max, 50100);
  EXPECT_EQ(config.turn.max_lifetime, 2h);
  EXPECT_EQ(config.turn.max_allocations, 7u);
  EXPECT_EQ(config.turn.max_allocations_per_user, 2u);
  EXPECT_EQ(config.turn.max_allocations_per_ip, 3u);
  EXPECT_EQ(config.turn.bandwidth_per_allocation, 1'000'000u);
  EXPECT_EQ(config.turn.secrets, (std::vector<std::string>{"new-secret", "old-secret"}));
  EXPECT_EQ(config.turn.credential_ttl, 1h);
  EXPECT_EQ(config.signal.api_keys, std::vector<std::string>{"key-1"});
  ASSERT_EQ(config.turn.users.size(), 1u);
  EXPECT_EQ(config.turn.users[0].name, "tool");
  EXPECT_TRUE(config.turn.allow_loopback_peers);
  EXPECT_EQ(config.turn.peer_allow, std::vector<std::string>{"10.0.0.0/8"});
  EXPECT_EQ(config.turn.peer_deny, std::vector<std::string>{"198.51.100.0/24"});
  EXPECT_EQ(config.signal.listen.to_string(), "127.0.0.1:8443");
  EXPECT_TRUE(config.signal.require_token);
  EXPECT_EQ(config.signal.token_secret, "jwt-secret");
  EXPECT_EQ(config.signal.allowed_origins, std::vector<std::string>{"https://app.example.org"});
  EXPECT_EQ(config.signal.peerjs_key, "mykey");
  EXPECT_TRUE(config.signal.peerjs_discovery);
  EXPECT_EQ(config.admin.listen.port, 9999);
  EXPECT_EQ(config.log.level, "debug");
  EXPECT_EQ(config.log.format, "json");
}

TEST_F(ConfigTest, EveryProblemIsReportedWithKeyAndLine) {
  auto path = write("bad.toml", R"([server]
realm = ""
threads = "four"

[turn]
relay_ports = "60000-50000"
max_alocations = 5
listen = ["nowhere:3478"]

[log]
level = "loud"

[auth]
secrets = ["s"]
)");
  auto result = load(path);
  ASSERT_FALSE(result.config);
  expect_exactly_these_problems(result, path, {{"server.realm", 2},     {"server.threads", 3}, {"turn.relay_ports", 6},
                                      {"turn.max_alocations", 7}, {"turn.listen", 8},    {"log.level", 11}});
}

TEST_F(ConfigTest, AppProfilesAreReadWithTheirDefaults) {
  auto path = write("profiles.toml", R"([auth]
secrets = ["s"]

[[profile]]
path = "/device/chat"
name_from = ["query:name"]
receiver = "toUser"
sender_field = "fromUser"
offline = '{"type":"call_back","msg":"offline"}'

[[profile]]
path = "/video"
protocol = "json"
name_from = ["query:name", "field:from"]
receiver = ["name"]
)");
  auto result = load(path);
  ASSERT_TRUE(result.config) << problems_of(result);
  const auto& profiles = result.config->signal.json_profiles;
  ASSERT_EQ(profiles.size(), 2u);
  EXPECT_EQ(profiles[0].path, "/device/chat");
  EXPECT_EQ(profiles[0].name_query, std::vector<std::string>{"name"});
  EXPECT_EQ(profiles[0].receiver_fields, std::vector<std::string>{"toUser"});
  EXPECT_EQ(profiles[0].sender_field, "fromUser");
  EXPECT_EQ(profiles[0].offline, R"({"type":"call_back","msg":"offline"})");
  EXPECT_EQ(profiles[1].name_fields, std::vector<std::string>{"from"});
  EXPECT_TRUE(profiles[1].sender_field.empty());
}

TEST_F(ConfigTest, SocketIoProfilesReadTheirEventRulesAndMayTakeTheDefaultPath) {
  auto path = write("sio.toml", R"([auth]
secrets = ["s"]

[[profile]]
path = "/socket.io/"
protocol = "socketio"
on_connect = "connectionSuccess"
name_from = ["auth:username", "field:username", "field:name"]

[[profile.event]]
name = "joinRoom"
action = "join"
room = "arg"

[[profile.event]]
name = "sendAnswer"
action = "room"
room = "field:roomId"
emit_as = "receiveAnswer"
unwrap = "answer"
)");
  auto result = load(path);
  ASSERT_TRUE(result.config) << problems_of(result);
  const auto& profiles = result.config->signal.socketio_profiles;
  ASSERT_EQ(profiles.size(), 1u);
  EXPECT_EQ(profiles[0].path, "/socket.io/");
  EXPECT_EQ(profiles[0].on_connect, "connectionSuccess");
  EXPECT_EQ(profiles[0].name_auth, std::vector<std::string>{"username"});
  EXPECT_EQ(profiles[0].name_fields, (std::vector<std::string>{"username", "name"}));
  ASSERT_EQ(profiles[0].events.size(), 2u);
  EXPECT_EQ(profiles[0].events[0].action, signaling::SocketIoEventRule::Action::join);
  EXPECT_TRUE(profiles[0].events[0].room_field.empty());
  EXPECT_EQ(profiles[0].events[1].action, signaling::SocketIoEventRule::Action::to_room);
  EXPECT_EQ(profiles[0].events[1].room_field, "roomId");
  EXPECT_EQ(profiles[0].events[1].emit_as, "receiveAnswer");
  EXPECT_EQ(profiles[0].events[1].unwrap, "answer");
  // Without [socketio] there is nothing to mount it on; a JSON profile may not take the path.
  EXPECT_FALSE(load(path, {"socketio.enabled=false"}).config);
  auto json = write("json-on-sio.toml", "[auth]\nsecrets = [\"s\"]\n[[profile]]\npath = \"/socket.io/\"\nreceiver = \"to\"\n");
  auto refused = load(json);
  EXPECT_FALSE(refused.config);
  EXPECT_NE(problems_of(refused).find("profile[0].path"), std::string::npos) << problems_of(refused);
}

TEST_F(ConfigTest, EveryProfileProblemNamesTheProfileKeyAndLine) {
  auto path = write("bad-profiles.toml", R"([auth]
secrets = ["s"]

[[profile]]
path = "/ws"
name_from = ["header:x"]
receiver = []
offline = "not json"
colour = "blue"

[[profile]]
path = "/video"
protocol = "mqtt"
receiver = ["to"]
offline_name_field = "from"
)");
  auto result = load(path);
  ASSERT_FALSE(result.config);
  expect_exactly_these_problems(result, path, {{"profile[0].path", 5},    {"profile[0].name_from", 6}, {"profile[0].receiver", 7},
                                      {"profile[0].offline", 8}, {"profile[0].colour", 9},    {"profile[1].protocol", 13},
                                      {"profile[1].offline_name_field", 15}});
}

// [cluster] (issue 13): absent = single node; present = read with its defaults and the password
// from a file or the environment.
TEST_F(ConfigTest, ClusterIsOffWithoutItsTableAndReadWithDefaultsWithIt) {
  const std::string secret = "[auth]\nsecrets = [\"s\"]\n";
  auto single = load(write("single.toml", secret));
  ASSERT_TRUE(single.config) << problems_of(single);
  EXPECT_FALSE(single.config->cluster);

  const std::string password = write("redis-password", "hunter2\n");
  auto clustered = load(write("cluster.toml", secret + "[cluster]\nredis = \"redis://10.0.0.5\"\npassword_file = \"" +
                                                  password + "\"\n"));
  ASSERT_TRUE(clustered.config) << problems_of(clustered);
  ASSERT_TRUE(clustered.config->cluster);
  const auto& cluster = *clustered.config->cluster;
  EXPECT_EQ(cluster.redis_tcp.to_string(), "10.0.0.5:6379");
  EXPECT_EQ(cluster.password, "hunter2");
  EXPECT_EQ(cluster.node_id, "");  // filled in at start from the host name and bound port
  EXPECT_EQ(cluster.heartbeat, 2s);
  EXPECT_EQ(cluster.publish_buffer_bytes, 1024u * 1024u);

  env_["ICEWAY_REDIS_PASSWORD"] = "from-env";
  auto unix_socket = load(write("unix.toml", secret + "[cluster]\nredis = \"unix:///run/redis.sock\"\n"
                                                       "node_id = \"web-1:8080\"\nheartbeat = \"500ms\"\n"));
  ASSERT_TRUE(unix_socket.config) << problems_of(unix_socket);
  EXPECT_EQ(unix_socket.config->cluster->redis_unix_path, "/run/redis.sock");
  EXPECT_EQ(unix_socket.config->cluster->password, "from-env");
  EXPECT_EQ(unix_socket.config->cluster->node_id, "web-1:8080");
  EXPECT_EQ(unix_socket.config->cluster->heartbeat, 500ms);
}

TEST_F(ConfigTest, EveryClusterProblemNamesItsKeyAndLine) {
  const std::string path = write("bad-cluster.toml",
                                 "[auth]\n"                                    // 1
                                 "secrets = [\"s\"]\n"                          // 2
                                 "[cluster]\n"                                 // 3
                                 "redis = \"redis://redis.internal:6379\"\n"    // 4
                                 "password_file = \"/nonexistent/password\"\n"  // 5
                                 "node_id = \"has space\"\n"                    // 6
                                 "heartbeat = \"10ms\"\n"                       // 7
                                 "publish_buffer = \"1KiB\"\n");                // 8
  expect_exactly_these_problems(load(path), path,
                                {{"cluster.redis", 4}, {"cluster.password_file", 5}, {"cluster.node_id", 6},
                                 {"cluster.heartbeat", 7}, {"cluster.publish_buffer", 8}});
  const std::string missing = write("no-redis.toml", "[auth]\nsecrets = [\"s\"]\n[cluster]\nheartbeat = \"1s\"\n");
  auto result = load(missing);
  ASSERT_EQ(result.problems.size(), 1u) << problems_of(result);
  EXPECT_EQ(result.problems[0].key, "cluster.redis");
  EXPECT_EQ(result.problems[0].where, missing + ":3");
  // A heartbeat past 60 s would keep a dead node's peers present for minutes.
  const std::string slow = write("slow-heartbeat.toml",
                                 "[auth]\nsecrets = [\"s\"]\n[cluster]\nredis = \"redis://127.0.0.1:6379\"\nheartbeat = \"61s\"\n");
  expect_exactly_these_problems(load(slow), slow, {{"cluster.heartbeat", 5}});
  const std::string longest = write("longest-heartbeat.toml",
                                    "[auth]\nsecrets = [\"s\"]\n[cluster]\nredis = \"redis://127.0.0.1:6379\"\nheartbeat = \"60s\"\n");
  EXPECT_TRUE(load(longest).problems.empty()) << problems_of(load(longest));
}

TEST_F(ConfigTest, ASocketIoProfilesNameSourceIsAuthOrFieldAndAnythingElseIsAProblemAtItsLine) {
  auto path = write("bad-sio-names.toml", R"([auth]
secrets = ["s"]

[[profile]]
path = "/socket.io/"
protocol = "socketio"
name_from = ["auth:username", "query:name"]

[[profile]]
path = "/app/"
protocol = "socketio"
name_from = "field:"
)");
  auto result = load(path);
  ASSERT_FALSE(result.config);
  expect_exactly_these_problems(result, path, {{"profile[0].name_from", 7}, {"profile[1].name_from", 12}});
  // Refused as a bad source, not as a key Socket.IO profiles lack.
  EXPECT_NE(problems_of(result).find("\"query:name\" is not \"auth:FIELD\""), std::string::npos) << problems_of(result);
}

TEST_F(ConfigTest, SyntaxErrorNamesTheFileAndLine) {
  auto path = write("broken.toml", "[server]\nrealm = \"unterminated\n");
  auto result = load(path);
  ASSERT_FALSE(result.config);
  ASSERT_EQ(result.problems.size(), 1u);
  EXPECT_NE(result.problems[0].message.find("broken.toml"), std::string::npos) << result.problems[0].message;
  EXPECT_EQ(result.problems[0].where, path + ":2") << result.problems[0].to_string();
}

// Debian's toml11 reads past its buffer on some text TOML forbids (app/toml_text.hpp), so such
// text is refused before toml11 sees it, with the file and line like every other problem.
TEST_F(ConfigTest, TextTomlForbidsIsAProblemWithFileAndLineBeforeToml11SeesIt) {
  auto path = write("binary.toml", std::string("[auth]\nsecrets = [\"s\"]\nrealm = 'a\xFE\x1C'\n"));
  auto result = load(path);
  ASSERT_FALSE(result.config);
  ASSERT_EQ(result.problems.size(), 1u) << problems_of(result);
  EXPECT_EQ(result.problems[0].where, path + ":3");
  EXPECT_NE(result.problems[0].message.find("UTF-8"), std::string::npos) << result.problems[0].message;
}

TEST_F(ConfigTest, TheToml11OverflowReproducerThroughSetIsAProblem) {
  using namespace std::string_literals;
  auto result = load(std::nullopt, {"lo\xFE\x1C\0\xFCslo='sexte\xFBr=:'se\xF1xtern"s});
  ASSERT_FALSE(result.config);
  ASSERT_EQ(result.problems.size(), 1u) << problems_of(result);
  EXPECT_EQ(result.problems[0].where, "--set");
  EXPECT_EQ(result.problems[0].key, "");  // the key is not text, so it is not echoed
  EXPECT_NE(result.problems[0].message.find("byte 0xFE is not valid UTF-8"), std::string::npos)
      << result.problems[0].message;

  auto control = load(std::nullopt, {"server.realm='a\x01'"});
  ASSERT_FALSE(control.config);
  ASSERT_EQ(control.problems.size(), 1u) << problems_of(control);
  EXPECT_EQ(control.problems[0].key, "server.realm");
}

TEST_F(ConfigTest, AFileThatCannotBeReadIsOneProblemNamingIt) {
  auto result = load((dir_ / "absent.toml").string());
  ASSERT_FALSE(result.config);
  ASSERT_EQ(result.problems.size(), 1u) << problems_of(result);
  EXPECT_EQ(result.problems[0].where, (dir_ / "absent.toml").string());
  EXPECT_NE(result.problems[0].message.find("cannot read"), std::string::npos) << result.problems[0].message;
}

TEST_F(ConfigTest, AFileWithoutSecretOrUserIsAProblemNotDevelopmentMode) {
  auto path = write("nosecret.toml", "[server]\nrealm = \"x\"\n");
  auto result = load(path);
  ASSERT_FALSE(result.config);
  ASSERT_EQ(result.problems.size(), 1u);
  EXPECT_EQ(result.problems[0].key, "auth.secrets");
}

TEST_F(ConfigTest, OverridesBeatTheFileAndParseAsToml) {
  auto path = write("base.toml", "[auth]\nsecrets = [\"s\"]\n[turn]\nmax_allocations = 5\n");
  auto result = load(path, {"turn.max_allocations=9", "turn.relay_ports=40000-40010",
                            "turn.listen=[\"127.0.0.1:0\"]", "peers.allow_loopback=true", "server.realm=plain text"});
  ASSERT_TRUE(result.config) << problems_of(result);
  EXPECT_EQ(result.config->turn.max_allocations, 9u);
  EXPECT_EQ(result.config->turn.relay_port_min, 40000);
  EXPECT_EQ(result.config->turn.listen.at(0).to_string(), "127.0.0.1:0");
  EXPECT_TRUE(result.config->turn.allow_loopback_peers);
  EXPECT_EQ(result.config->turn.realm, "plain text");
}

TEST_F(ConfigTest, BadOverrideIsReportedAsFromTheCommandLine) {
  auto result = load(std::nullopt, {"turn.max_allocations=-1", "nonsense"});
  ASSERT_FALSE(result.config);
  ASSERT_EQ(result.problems.size(), 2u) << problems_of(result);
  for (auto& problem : result.problems) EXPECT_EQ(problem.where, "--set") << problem.to_string();
}

TEST_F(ConfigTest, SecretsFromTheEnvironmentReplaceTheFile) {
  env_["ICEWAY_SECRETS"] = "env-a,env-b";
  env_["ICEWAY_API_KEYS"] = "k1\nk2";
  env_["ICEWAY_TOKEN_SECRET"] = "tok";
  auto path = write("env.toml", "[auth]\nsecrets = [\"file\"]\n");
  auto result = load(path);
  ASSERT_TRUE(result.config) << problems_of(result);
  EXPECT_EQ(result.config->turn.secrets, (std::vector<std::string>{"env-a", "env-b"}));
  EXPECT_EQ(result.config->signal.api_keys, (std::vector<std::string>{"k1", "k2"}));
  EXPECT_EQ(result.config->signal.token_secret, "tok");
}

TEST_F(ConfigTest, EnvironmentSecretAvoidsDevelopmentMode) {
  env_["ICEWAY_SECRETS"] = "from-env";
  auto result = load(std::nullopt);
  ASSERT_TRUE(result.config) << problems_of(result);
  EXPECT_FALSE(result.config->development_mode);
  EXPECT_EQ(result.config->turn.secrets, std::vector<std::string>{"from-env"});
}

TEST_F(ConfigTest, TlsNeedsBothReadableFiles) {
  auto cert = write("cert.pem", "x");
  auto only_cert = load(std::nullopt, {"tls.cert=" + cert});
  ASSERT_FALSE(only_cert.config);
  EXPECT_EQ(only_cert.problems.at(0).key, "tls.key");
  auto missing = load(std::nullopt, {"tls.cert=" + cert, "tls.key=/nonexistent/key.pem"});
  ASSERT_FALSE(missing.config);
  EXPECT_EQ(missing.problems.at(0).key, "tls.key");
  EXPECT_NE(missing.problems.at(0).message.find("/nonexistent/key.pem"), std::string::npos);
}

TEST_F(ConfigTest, RequireTokenWithoutSecretIsAProblem) {
  auto result = load(std::nullopt, {"signal.require_token=true"});
  ASSERT_FALSE(result.config);
  EXPECT_EQ(result.problems.at(0).key, "signal.token_secret");
  EXPECT_EQ(result.problems.at(0).where, "--set");

  auto path = write("token.toml", "[auth]\nsecrets = [\"s\"]\n[signal]\nrequire_token = true\n");
  auto from_file = load(path);
  ASSERT_FALSE(from_file.config);
  ASSERT_EQ(from_file.problems.size(), 1u) << problems_of(from_file);
  EXPECT_EQ(from_file.problems[0].where, path + ":4");  // the line that asks for a token
}

TEST_F(ConfigTest, AnonymousCredentialsAreOffByDefaultAndTurningThemOnIsWarnedAbout) {
  auto path = write("anonymous.toml", "[auth]\nsecrets = [\"s\"]\n");
  auto plain = load(path);
  ASSERT_TRUE(plain.config) << problems_of(plain);
  EXPECT_FALSE(plain.config->signal.anonymous_credentials);
  EXPECT_TRUE(plain.warnings.empty());

  auto open = load(path, {"signal.anonymous_credentials=true"});
  ASSERT_TRUE(open.config) << problems_of(open);
  EXPECT_TRUE(open.config->signal.anonymous_credentials);
  ASSERT_EQ(open.warnings.size(), 1u);
  EXPECT_NE(open.warnings[0].find("signal.anonymous_credentials"), std::string::npos) << open.warnings[0];

  // With every client holding a token there is nobody anonymous to warn about.
  auto tokens = load(path, {"signal.anonymous_credentials=true", "signal.require_token=true",
                            "signal.token_secret=\"t\""});
  ASSERT_TRUE(tokens.config) << problems_of(tokens);
  EXPECT_TRUE(tokens.warnings.empty());

  auto wrong_type = load(path, {"signal.anonymous_credentials=\"yes\""});
  ASSERT_FALSE(wrong_type.config);
  EXPECT_EQ(wrong_type.problems.at(0).key, "signal.anonymous_credentials");
}

TEST_F(ConfigTest, DefaultLifetimeIsCappedByTheMaximum) {
  auto result = load(std::nullopt, {"turn.max_lifetime=\"5m\""});
  ASSERT_TRUE(result.config) << problems_of(result);
  EXPECT_EQ(result.config->turn.default_lifetime, 300s);
}

TEST_F(ConfigTest, ReadsTheSignalIoAndQueueKeys) {
  auto static_dir = (dir_ / "www").string();
  std::filesystem::create_directories(static_dir);
  auto path = write("signal.toml", R"([auth]
secrets = ["s"]

[signal]
static_dir = ")" + static_dir + R"("
handshake_timeout = "5s"
max_http_body_bytes = "8KiB"

[signal.peerjs]
queue_total_bytes = "2MiB"
)");
  auto result = load(path);
  ASSERT_TRUE(result.config) << problems_of(result);
  EXPECT_EQ(result.config->signal.static_dir, static_dir);
  EXPECT_EQ(result.config->signal.handshake_timeout, 5s);
  EXPECT_EQ(result.config->signal.max_http_body_bytes, 8192u);
  EXPECT_EQ(result.config->signal.peerjs_queue_total_bytes, 2u * 1024 * 1024);

  auto flags = load(path, {"signal.handshake_timeout=12", "signal.max_http_body_bytes=0",
                           "signal.peerjs.queue_total_bytes=4096", "signal.static_dir=\"\""});
  ASSERT_TRUE(flags.config) << problems_of(flags);
  EXPECT_EQ(flags.config->signal.handshake_timeout, 12s);
  EXPECT_EQ(flags.config->signal.max_http_body_bytes, 0u);
  EXPECT_EQ(flags.config->signal.peerjs_queue_total_bytes, 4096u);
  EXPECT_TRUE(flags.config->signal.static_dir.empty());
}

TEST_F(ConfigTest, TheSignalIoAndQueueKeysDefaultAsSettingsSay) {
  auto result = load(std::nullopt);
  ASSERT_TRUE(result.config) << problems_of(result);
  const signaling::Settings defaults;
  EXPECT_EQ(result.config->signal.static_dir, "");
  EXPECT_EQ(result.config->signal.handshake_timeout, defaults.handshake_timeout);
  EXPECT_EQ(result.config->signal.max_http_body_bytes, defaults.max_http_body_bytes);
  EXPECT_EQ(result.config->signal.peerjs_queue_total_bytes, defaults.peerjs_queue_total_bytes);
}

TEST_F(ConfigTest, BadSignalIoAndQueueKeysAreReportedWithKeyAndLine) {
  auto path = write("badsignal.toml", R"([auth]
secrets = ["s"]

[signal]
static_dir = "/nonexistent/iceway-www"
handshake_timeout = "soon"
max_http_body_bytes = "1TiB"

[signal.peerjs]
queue_total_bytes = -5
)");
  auto result = load(path);
  ASSERT_FALSE(result.config);
  struct Expected {
    const char* key;
    int line;
    const char* says;
  };
  const Expected expected[] = {{"signal.static_dir", 5, "/nonexistent/iceway-www"},
                               {"signal.handshake_timeout", 6, ""},
                               {"signal.max_http_body_bytes", 7, ""},
                               {"signal.peerjs.queue_total_bytes", 10, "byte count"}};
  for (const auto& e : expected) {
    SCOPED_TRACE(e.key);
    bool found = false;
    for (auto& problem : result.problems) {
      if (problem.key != e.key) continue;
      found = true;
      EXPECT_EQ(problem.where, path + ":" + std::to_string(e.line)) << problem.to_string();
      EXPECT_NE(problem.message.find(e.says), std::string::npos) << problem.to_string();
    }
    EXPECT_TRUE(found) << problems_of(result);
  }
  EXPECT_EQ(result.problems.size(), std::size(expected)) << problems_of(result);

  auto too_short = load(path, {"signal.static_dir=\"\"", "signal.handshake_timeout=\"500ms\"",
                               "signal.max_http_body_bytes=1024", "signal.peerjs.queue_total_bytes=0"});
  ASSERT_FALSE(too_short.config);
  ASSERT_EQ(too_short.problems.size(), 1u) << problems_of(too_short);
  EXPECT_EQ(too_short.problems[0].key, "signal.handshake_timeout");
  EXPECT_EQ(too_short.problems[0].where, "--set");
}

TEST_F(ConfigTest, Ipv6PrefixReachesBothPartsAndOnly1To128IsAccepted) {
  auto defaults = load(std::nullopt);
  ASSERT_TRUE(defaults.config) << problems_of(defaults);
  EXPECT_EQ(defaults.config->turn.ipv6_prefix, 64u);
  EXPECT_EQ(defaults.config->signal.ipv6_prefix, 64u);

  auto set = load(std::nullopt, {"server.ipv6_prefix=56"});
  ASSERT_TRUE(set.config) << problems_of(set);
  EXPECT_EQ(set.config->turn.ipv6_prefix, 56u);
  EXPECT_EQ(set.config->signal.ipv6_prefix, 56u);

  for (const char* bad : {"server.ipv6_prefix=0", "server.ipv6_prefix=129", "server.ipv6_prefix=\"64\""}) {
    SCOPED_TRACE(bad);
    auto refused = load(std::nullopt, {bad});
    ASSERT_FALSE(refused.config);
    ASSERT_EQ(refused.problems.size(), 1u) << problems_of(refused);
    EXPECT_EQ(refused.problems[0].key, "server.ipv6_prefix");
  }
}

TEST_F(ConfigTest, StreamClientCapsAndDeadlinesAreReadAndBadValuesNameTheirKey) {
  auto defaults = load(std::nullopt);
  ASSERT_TRUE(defaults.config) << problems_of(defaults);
  EXPECT_EQ(defaults.config->turn.max_stream_clients, 10000u);
  EXPECT_EQ(defaults.config->turn.max_stream_clients_per_ip, 64u);
  EXPECT_EQ(defaults.config->turn.max_tls_handshakes, 256u);
  EXPECT_EQ(defaults.config->turn.tls_handshake_timeout, std::chrono::seconds(10));
  EXPECT_EQ(defaults.config->turn.stream_frame_timeout, std::chrono::seconds(10));
  EXPECT_EQ(defaults.config->turn.stream_auth_timeout, std::chrono::seconds(20));

  auto set = load(std::nullopt, {"turn.max_stream_clients=0", "turn.max_stream_clients_per_ip=3",
                                 "turn.max_tls_handshakes=5", "turn.tls_handshake_timeout=\"500ms\"",
                                 "turn.stream_frame_timeout=\"2s\"", "turn.stream_auth_timeout=\"1m\""});
  ASSERT_TRUE(set.config) << problems_of(set);
  EXPECT_EQ(set.config->turn.max_stream_clients, 0u);
  EXPECT_EQ(set.config->turn.max_stream_clients_per_ip, 3u);
  EXPECT_EQ(set.config->turn.max_tls_handshakes, 5u);
  EXPECT_EQ(set.config->turn.tls_handshake_timeout, std::chrono::milliseconds(500));
  EXPECT_EQ(set.config->turn.stream_frame_timeout, std::chrono::seconds(2));
  EXPECT_EQ(set.config->turn.stream_auth_timeout, std::chrono::seconds(60));

  struct Case {
    const char* set;
    const char* key;
  };
  const Case cases[] = {
      {"turn.max_stream_clients=-1", "turn.max_stream_clients"},
      {"turn.max_stream_clients_per_ip=\"many\"", "turn.max_stream_clients_per_ip"},
      {"turn.max_tls_handshakes=-5", "turn.max_tls_handshakes"},
      {"turn.tls_handshake_timeout=\"10ms\"", "turn.tls_handshake_timeout"},
      {"turn.stream_frame_timeout=\"soon\"", "turn.stream_frame_timeout"},
      {"turn.stream_auth_timeout=\"0s\"", "turn.stream_auth_timeout"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.set);
    auto refused = load(std::nullopt, {c.set});
    ASSERT_FALSE(refused.config);
    ASSERT_EQ(refused.problems.size(), 1u) << problems_of(refused);
    EXPECT_EQ(refused.problems[0].key, c.key);
  }
}

TEST_F(ConfigTest, UnauthenticatedAnswerBudgetIsBytesWithABurstThatHoldsAnAnswer) {
  auto defaults = load(std::nullopt);
  ASSERT_TRUE(defaults.config) << problems_of(defaults);
  EXPECT_EQ(defaults.config->turn.unauthenticated_bytes_per_second, 8192u);
  EXPECT_EQ(defaults.config->turn.unauthenticated_burst_bytes, 16384u);

  auto set = load(std::nullopt, {"turn.unauthenticated_bytes_per_second=\"2KiB\"", "turn.unauthenticated_burst_bytes=4096"});
  ASSERT_TRUE(set.config) << problems_of(set);
  EXPECT_EQ(set.config->turn.unauthenticated_bytes_per_second, 2048u);
  EXPECT_EQ(set.config->turn.unauthenticated_burst_bytes, 4096u);
  EXPECT_TRUE(load(std::nullopt, {"turn.unauthenticated_bytes_per_second=0"}).config);  // off, for load tests

  struct Case {
    const char* setting;
    const char* key;
  };
  const Case refused_cases[] = {
      {"turn.unauthenticated_burst_bytes=511", "turn.unauthenticated_burst_bytes"},  // a 401 could never be sent
      {"turn.unauthenticated_burst_bytes=\"lots\"", "turn.unauthenticated_burst_bytes"},
      {"turn.unauthenticated_bytes_per_second=-1", "turn.unauthenticated_bytes_per_second"},
  };
  for (const Case& c : refused_cases) {
    SCOPED_TRACE(c.setting);
    auto refused = load(std::nullopt, {c.setting});
    ASSERT_FALSE(refused.config);
    ASSERT_EQ(refused.problems.size(), 1u) << problems_of(refused);
    EXPECT_EQ(refused.problems[0].key, c.key);
  }
}

TEST_F(ConfigTest, KnownKeysIncludeTheSpecKeys) {
  const auto& keys = known_config_keys();
  for (const char* key : {"server.realm", "server.threads", "server.external_ip", "server.public_host",
                          "server.drain_timeout", "server.ipv6_prefix", "turn.listen", "turn.tls_listen", "turn.relay_ipv4",
                          "turn.relay_ipv6", "turn.relay_ports", "turn.max_lifetime", "turn.max_allocations",
                          "turn.max_allocations_per_user", "turn.max_allocations_per_ip",
                          "turn.bandwidth_per_allocation", "auth.secrets", "auth.secret_file", "auth.credential_ttl",
                          "auth.api_keys", "auth.users", "peers.allow_loopback", "peers.allow", "peers.deny",
                          "signal.listen", "signal.require_token", "signal.token_secret", "signal.allowed_origins",
                          "admin.listen", "tls.cert", "tls.key", "log.level", "log.format"}) {
    SCOPED_TRACE(key);
    EXPECT_NE(std::find(keys.begin(), keys.end(), key), keys.end());
  }
}

}  // namespace
}  // namespace iceway::app

namespace iceway::app {
namespace {

TEST(ConfigPeers, BadCidrIsAProblemOfItsKey) {
  LoadOptions options;
  options.overrides = {"peers.allow=[\"10.0.0.0/8\", \"10.0.0.1/33\"]", "peers.deny=[\"nonsense\"]"};
  options.environment = [](const std::string&) { return std::optional<std::string>(); };
  options.random_secret = [] { return std::string("s"); };
  auto result = load_config(options);
  ASSERT_FALSE(result.config);
  ASSERT_EQ(result.problems.size(), 2u);
  EXPECT_EQ(result.problems[0].key, "peers.allow");
  EXPECT_NE(result.problems[0].message.find("10.0.0.1/33"), std::string::npos) << result.problems[0].message;
  EXPECT_EQ(result.problems[1].key, "peers.deny");
}

}  // namespace
}  // namespace iceway::app

namespace iceway::app {
namespace {

// A worker's index is one byte of its RFC 6062 CONNECTION-IDs (turn/tcp_connections.hpp).
TEST(ConfigThreads, AtMost256Workers) {
  auto load = [](const std::string& threads) {
    LoadOptions options;
    options.overrides = {"server.threads=" + threads};
    options.environment = [](const std::string&) { return std::optional<std::string>(); };
    options.random_secret = [] { return std::string("s"); };
    return load_config(options);
  };
  auto most = load("256");
  ASSERT_TRUE(most.config);
  EXPECT_EQ(most.config->server.threads, 256u);
  auto over = load("257");
  ASSERT_FALSE(over.config);
  ASSERT_EQ(over.problems.size(), 1u);
  EXPECT_EQ(over.problems[0].key, "server.threads");
  EXPECT_NE(over.problems[0].message.find("between 0 and 256"), std::string::npos) << over.problems[0].message;
}

}  // namespace
}  // namespace iceway::app
