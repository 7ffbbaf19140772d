// The key table against everything that follows from it: the loader, the defaults it
// documents, the reload plan, and the rendered docs/configuration.md and deploy/iceway.toml.
#include "app/config_keys.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include "app/config.hpp"
#include "app/config_reference.hpp"
#include "app/reload_plan.hpp"

namespace iceway::app {
namespace {

LoadResult load(std::vector<std::string> overrides) {
  LoadOptions options;
  options.overrides = std::move(overrides);
  options.environment = [](const std::string&) { return std::optional<std::string>(); };
  options.local_address = [](AddressFamily family) -> std::optional<IpAddress> {
    if (family == AddressFamily::ipv4) return IpAddress::parse("198.18.0.10");
    return std::nullopt;
  };
  options.random_secret = [] { return std::string("dev-secret"); };
  return load_config(options);
}

Config load_ok(std::vector<std::string> overrides) {
  auto result = load(std::move(overrides));
  std::string problems;
  for (const auto& problem : result.problems) problems += problem.to_string() + "\n";
  EXPECT_TRUE(result.config) << problems;
  return result.config ? *result.config : Config{};
}

TEST(ConfigKeys, NamesAreUniqueAndEveryKeyIsDocumented) {
  std::set<std::string_view> names;
  for (const ConfigKey& key : config_keys()) {
    EXPECT_TRUE(names.insert(key.name).second) << key.name << " is listed twice";
    EXPECT_FALSE(key.summary.empty()) << key.name;
    EXPECT_FALSE(key.meaning.empty()) << key.name;
    EXPECT_EQ(key.summary.find('\n'), std::string_view::npos) << key.name << ": the summary is one line";
    EXPECT_EQ(key.meaning.find('\n'), std::string_view::npos) << key.name << ": a Markdown table cell is one line";
    EXPECT_NE(key.name.find('.'), std::string_view::npos) << key.name << " is section.key";
    EXPECT_EQ(find_config_key(key.name), &key);
  }
  EXPECT_EQ(find_config_key("turn.max_alocations"), nullptr);
}

// The loader reads exactly the table's keys, each as the kind the table says: a key added to
// the loader and not to the table (or the other way round) fails here.
TEST(ConfigKeys, TheLoaderReadsEveryKeyOfTheTableAsItsKindAndNoOther) {
  const auto read = keys_read_by_loader();
  for (const ConfigKey& key : config_keys()) {
    const auto found = read.find(std::string(key.name));
    if (found == read.end()) {
      ADD_FAILURE() << key.name << " is in the table but the loader never reads it";
      continue;
    }
    EXPECT_EQ(kind_name(found->second), kind_name(key.kind)) << key.name;
  }
  for (const auto& [name, kind] : read)
    EXPECT_NE(find_config_key(name), nullptr) << name << " is read by the loader but not in the table";
}

TEST(ConfigKeys, AnUnknownKeyIsAProblemAndEveryTableKeyIsAccepted) {
  auto typo = load({"turn.max_alocations=5"});
  ASSERT_FALSE(typo.config);
  EXPECT_EQ(typo.problems.at(0).key, "turn.max_alocations");
  auto section = load({"turm.max_allocations=5"});
  ASSERT_FALSE(section.config);
  EXPECT_NE(section.problems.at(0).message.find("[turn]"), std::string::npos) << section.problems.at(0).message;
}

// What the table (and so the docs and deploy/iceway.toml) calls the default is what the
// loader does without the key: setting each key to its documented default changes nothing.
TEST(ConfigKeys, EveryDocumentedDefaultIsTheLoadersDefault) {
  const std::string cluster = "cluster.redis=\"redis://127.0.0.1:6379\"";
  const Config single = load_ok({});
  const Config clustered = load_ok({cluster});
  int compared = 0;
  for (const ConfigKey& key : config_keys()) {
    if (!key.has_default()) continue;
    const bool in_cluster = key.section() == "cluster";
    std::vector<std::string> overrides = {std::string(key.name) + "=" + std::string(key.default_value)};
    if (in_cluster) overrides.push_back(cluster);
    const Config with_default = load_ok(overrides);
    if (key.current == nullptr) continue;  // a *_file key: "" reads nothing
    EXPECT_EQ(key.current(with_default), key.current(in_cluster ? clustered : single))
        << key.name << " = " << key.default_value << " is not the default";
    ++compared;
  }
  EXPECT_GT(compared, 70);
}

TEST(ReloadPlan, TheSameConfigChangesNothing) {
  const Config config = load_ok({});
  const auto plan = plan_reload(config, config, config);
  EXPECT_TRUE(plan.applied.empty());
  EXPECT_TRUE(plan.need_restart.empty());
}

TEST(ReloadPlan, EachChangedKeyIsAppliedOrNeedsARestartAsTheTableSays) {
  const Config running = load_ok({});
  const Config next = load_ok({"turn.max_allocations=5", "auth.secrets=[\"a\",\"b\"]", "peers.deny=[\"10.0.0.0/8\"]",
                               "log.level=\"debug\"", "signal.listen=\"127.0.0.1:9000\"", "server.threads=3",
                               "socketio.ping_interval=\"1s\""});
  const auto plan = plan_reload(running, running, next);
  EXPECT_EQ(plan.applied, (std::vector<std::string>{"turn.max_allocations", "auth.secrets", "peers.deny", "log.level"}));
  EXPECT_EQ(plan.need_restart, (std::vector<std::string>{"server.threads", "signal.listen", "socketio.ping_interval"}));
}

// A key read at start only is compared with the start: the reload after the one that changed
// it still says it waits for a restart, and changing it back to the start's value ends that.
TEST(ReloadPlan, ARestartKeyIsReportedUntilItIsBackToWhatTheProcessStartedWith) {
  const Config started = load_ok({});
  const Config first = load_ok({"admin.listen=\"127.0.0.1:9999\""});
  EXPECT_EQ(plan_reload(started, started, first).need_restart, std::vector<std::string>{"admin.listen"});
  const Config second = load_ok({"admin.listen=\"127.0.0.1:9999\"", "turn.max_lifetime=\"2h\""});
  const auto again = plan_reload(started, first, second);
  EXPECT_EQ(again.need_restart, std::vector<std::string>{"admin.listen"});
  EXPECT_EQ(again.applied, std::vector<std::string>{"turn.max_lifetime"});
  EXPECT_TRUE(plan_reload(started, second, started).need_restart.empty());
}

TEST(ReloadPlan, ASecretReadFromAFileShowsAsTheKeyItFills) {
  const std::string path = std::string(::testing::TempDir()) + "iceway-reload-plan-secret";
  std::ofstream(path) << "from-file\n";
  const Config running = load_ok({"auth.secrets=[\"inline\"]"});
  const Config next = load_ok({"auth.secret_file=\"" + path + "\""});
  EXPECT_EQ(plan_reload(running, running, next).applied, std::vector<std::string>{"auth.secrets"});
  std::remove(path.c_str());
}

TEST(ReloadPlan, TlsTurnedOnByAReloadNeedsARestart) {
  // The loader only needs the files readable; the server checks the certificate itself.
  const std::string cert = std::string(::testing::TempDir()) + "iceway-reload-plan-cert";
  const std::string key = std::string(::testing::TempDir()) + "iceway-reload-plan-key";
  std::ofstream(cert) << "certificate\n";
  std::ofstream(key) << "key\n";
  const Config running = load_ok({});
  const Config next = load_ok({"tls.cert=\"" + cert + "\"", "tls.key=\"" + key + "\""});
  const auto plan = plan_reload(running, running, next);
  EXPECT_TRUE(plan.applied.empty());
  EXPECT_EQ(plan.need_restart, std::vector<std::string>{"tls (TLS listeners open at start)"});
  std::remove(cert.c_str());
  std::remove(key.c_str());
}

// docs/configuration.md's key tables and deploy/iceway.toml are the table rendered.
// ICEWAY_WRITE_CONFIG_DOCS=1 (make config-docs) writes them instead of comparing.
std::string source_file(const std::string& relative) { return std::string(ICEWAY_TESTS_DIR) + "/../" + relative; }

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void expect_rendered(const std::string& relative, const std::string& expected) {
  const std::string path = source_file(relative);
  if (const char* write = std::getenv("ICEWAY_WRITE_CONFIG_DOCS"); write && std::string(write) == "1") {
    std::ofstream(path, std::ios::binary) << expected;
    return;
  }
  // The first line that differs, rather than two whole files.
  std::istringstream have(read_text(path));
  std::istringstream want(expected);
  std::string have_line;
  std::string want_line;
  for (int line = 1; std::getline(want, want_line); ++line) {
    if (!std::getline(have, have_line) || have_line != want_line) {
      ADD_FAILURE() << relative << ":" << line << " differs from the key table (app/config_keys.cpp); run `make "
                    << "config-docs` and commit the result.\n  in the tree: " << have_line << "\n  rendered:    " << want_line;
      return;
    }
  }
  EXPECT_FALSE(std::getline(have, have_line)) << relative << " has more lines than the key table renders";
}

TEST(ConfigReference, DeployConfigIsTheTableRendered) { expect_rendered("deploy/iceway.toml", sample_config()); }

TEST(ConfigReference, ConfigurationDocHasEveryTableRendered) {
  std::string problem;
  const auto rendered = render_configuration_doc(read_text(source_file("docs/configuration.md")), problem);
  ASSERT_TRUE(rendered) << problem;
  expect_rendered("docs/configuration.md", *rendered);
}

TEST(ConfigReference, TheSampleConfigLoadsWithEveryKeyAtItsDefault) {
  const std::string path = std::string(::testing::TempDir()) + "iceway-sample.toml";
  std::ofstream(path) << sample_config();
  LoadOptions options;
  options.path = path;
  options.overrides = {"auth.secrets=[\"s\"]"};
  options.environment = [](const std::string&) { return std::optional<std::string>(); };
  const auto result = load_config(options);
  EXPECT_TRUE(result.config) << (result.problems.empty() ? "" : result.problems.front().to_string());
  std::remove(path.c_str());
}

TEST(ConfigReference, ADocBlockMustNameASectionAndEverySectionNeedsABlock) {
  std::string problem;
  EXPECT_FALSE(render_configuration_doc("<!-- keys: nope -->\n<!-- end keys -->\n", problem));
  EXPECT_NE(problem.find("nope"), std::string::npos);
  EXPECT_FALSE(render_configuration_doc("<!-- keys: server -->\n<!-- end keys -->\n", problem));
  EXPECT_NE(problem.find("[turn]"), std::string::npos) << problem;
  EXPECT_FALSE(render_configuration_doc("<!-- keys: server -->\nno end\n", problem));
}

}  // namespace
}  // namespace iceway::app
