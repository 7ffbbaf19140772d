// `iceway ctl`'s commands as values (app/control/ctl_command.hpp): what the client sends for each
// command line, what the server accepts, and what the client prints and exits with for each answer.
#include "app/control/ctl_command.hpp"

#include <gtest/gtest.h>

namespace iceway::app::control {
namespace {

using Json = nlohmann::json;
using Args = std::vector<std::string>;

TEST(CtlCommand, EachCommandLineBecomesItsRequestAndTheServerReadsItBack) {
  const struct {
    Args arguments;
    Json request;
  } cases[] = {
      {{"status"}, {{"command", "status"}}},
      {{"status", "--json"}, {{"command", "status"}}},
      {{"reload"}, {{"command", "reload"}}},
      {{"loglevel", "debug"}, {{"command", "loglevel"}, {"level", "debug"}}},
      {{"credentials", "--user", "alice", "--ttl", "1h"}, {{"command", "credentials"}, {"user", "alice"}, {"ttl", "1h"}}},
      {{"credentials", "-u", "bob"}, {{"command", "credentials"}, {"user", "bob"}}},
      {{"sessions"}, {{"command", "sessions"}}},
      {{"sessions", "--user", "alice", "--json"}, {{"command", "sessions"}, {"user", "alice"}}},
      {{"peers", "--room", "r1"}, {{"command", "peers"}, {"room", "r1"}}},
      {{"disconnect", "--user", "alice"}, {{"command", "disconnect"}, {"user", "alice"}}},
      {{"disconnect", "--session", "42"}, {{"command", "disconnect"}, {"session", "42"}}},
  };
  for (const auto& c : cases) {
    auto request = parse_ctl_arguments(c.arguments);
    ASSERT_TRUE(request) << request.error();
    EXPECT_EQ(to_json(request.value()), c.request);
    auto back = parse_request_line(to_json(request.value()).dump());
    ASSERT_TRUE(back) << back.error();
    EXPECT_EQ(to_json(back.value()), c.request);
  }
  EXPECT_TRUE(parse_ctl_arguments({"status", "--json"}).value().json);
}

TEST(CtlCommand, BadCommandLinesAreUsageErrorsThatSayWhatToType) {
  for (const Args& arguments : {Args{}, Args{"frobnicate"}, Args{"status", "--yaml"}, Args{"reload", "now"},
                                Args{"loglevel"}, Args{"loglevel", "loud"}, Args{"loglevel", "info", "debug"},
                                Args{"credentials"}, Args{"credentials", "--ttl", "1h"}, Args{"credentials", "--user"},
                                Args{"credentials", "--user", "a", "--colour", "red"}, Args{"sessions", "--room", "r"},
                                Args{"peers", "--user", "a"}, Args{"sessions", "--user"}, Args{"disconnect"},
                                Args{"disconnect", "--session", "x1"}, Args{"disconnect", "--user", "a", "--session", "1"},
                                Args{"disconnect", "--session", "123456789012345678901"}}) {
    auto request = parse_ctl_arguments(arguments);
    ASSERT_FALSE(request) << ::testing::PrintToString(arguments);
    EXPECT_NE(request.error().find("usage: iceway ctl"), std::string::npos) << request.error();
  }
}

TEST(CtlCommand, TheServerRefusesWhatNoClientWouldSend) {
  for (std::string_view line : {"", "[]", "not json", R"({"command":"shutdown"})", R"({"command":"loglevel","level":"x"})",
                                R"({"command":"credentials"})", R"({"command":1})"}) {
    EXPECT_FALSE(parse_request_line(line)) << line;
  }
  EXPECT_FALSE(parse_request_line(std::string(kMaxRequestBytes + 1, ' ')));
}

TEST(CtlCommand, StatusIsPrintedForPeopleOrAsJson) {
  const Json answer{{"ok", true}, {"version", "iceway 0.1.0"}, {"state", "draining"}, {"uptime_seconds", 90061},
                    {"allocations", 3}, {"signaling_connections", 12}, {"config", "/etc/iceway/iceway.toml"}};
  const auto text = render_answer(parse_ctl_arguments({"status"}).value(), answer);
  EXPECT_EQ(text.exit_code, kExitDone);
  EXPECT_EQ(text.out,
            "iceway 0.1.0\n  state        draining\n  uptime       1d 1h 1m 1s\n  allocations  3\n"
            "  signaling    12 connections\n  config       /etc/iceway/iceway.toml\n");
  const auto json = render_answer(parse_ctl_arguments({"status", "--json"}).value(), answer);
  EXPECT_EQ(Json::parse(json.out), answer);
}

TEST(CtlCommand, ARefusedReloadExitsOneWithEveryProblem) {
  const auto reload = parse_ctl_arguments({"reload"}).value();
  const auto refused = render_answer(reload, {{"ok", false},
                                              {"error", "the configuration was refused"},
                                              {"problems", {"/etc/iceway/iceway.toml:3: turn.listen: bad", "x: y"}}});
  EXPECT_EQ(refused.exit_code, kExitRefused);
  EXPECT_EQ(refused.err,
            "iceway ctl reload: the configuration was refused\n  /etc/iceway/iceway.toml:3: turn.listen: bad\n  x: y\n");
  const auto applied = render_answer(reload, {{"ok", true}, {"config", "/etc/iceway/iceway.toml"},
                                              {"changed", {"auth.secrets", "turn.max_allocations"}}, {"need_restart", {"signal.listen"}}});
  EXPECT_EQ(applied.exit_code, kExitDone);
  EXPECT_EQ(applied.out, "reloaded /etc/iceway/iceway.toml; changed: auth.secrets, turn.max_allocations\n");
  EXPECT_EQ(applied.err, "iceway ctl reload: changed but needs a restart: signal.listen\n");
}

TEST(CtlCommand, SessionsAndPeersArePrintedAsAlignedTablesOrJson) {
  const Json sessions{{"ok", true},
                      {"sessions", {{{"id", 7}, {"user", "alice"}, {"transport", "udp"}, {"client", "203.0.113.7:40000"},
                                     {"relayed", "198.51.100.1:49152"}, {"age_seconds", 12}, {"bytes_to_peer", 1200},
                                     {"bytes_to_client", 0}, {"permissions", 1}, {"channels", 2}}}}};
  const auto table = render_answer(parse_ctl_arguments({"sessions"}).value(), sessions);
  EXPECT_EQ(table.out,
            "ID  USER   TRANSPORT  CLIENT             RELAYED             AGE_S  TO_PEER  TO_CLIENT  PERMISSIONS  CHANNELS\n"
            "7   alice  udp        203.0.113.7:40000  198.51.100.1:49152  12     1200     0          1            2\n");
  EXPECT_EQ(Json::parse(render_answer(parse_ctl_arguments({"sessions", "--json"}).value(), sessions).out), sessions["sessions"]);
  const Json peers{{"ok", true}, {"peers", {{{"protocol", "native"}, {"id", nullptr}, {"remote", "192.0.2.1"}, {"rooms", {"a", "b"}}}}}};
  EXPECT_EQ(render_answer(parse_ctl_arguments({"peers"}).value(), peers).out,
            "PROTOCOL  ID  REMOTE     ROOMS\nnative    -   192.0.2.1  a,b\n");
}

TEST(CtlCommand, ADisconnectThatEndsNothingExitsOneAndSaysSo) {
  const auto request = parse_ctl_arguments({"disconnect", "--user", "nobody"}).value();
  const auto none = render_answer(request, {{"ok", true}, {"allocations", 0}, {"signaling_connections", 0}});
  EXPECT_EQ(none.exit_code, kExitRefused);
  EXPECT_NE(none.err.find("nothing to end"), std::string::npos) << none.err;
  const auto some = render_answer(request, {{"ok", true}, {"allocations", 2}, {"signaling_connections", 1}});
  EXPECT_EQ(some.exit_code, kExitDone);
  EXPECT_EQ(some.out, "ended 2 allocation(s) and 1 signaling connection(s)\n");
}

TEST(CtlCommand, AnAnswerThisVersionDoesNotKnowIsNotSuccess) {
  for (const Json& answer : {Json::array(), Json{{"status", "ready"}}, Json{{"ok", "yes"}}}) {
    EXPECT_EQ(render_answer(parse_ctl_arguments({"status"}).value(), answer).exit_code, kExitUnreachable) << answer;
  }
  // A refusal of anything but a reload's config is the caller's mistake.
  EXPECT_EQ(render_answer(parse_ctl_arguments({"credentials", "--user", "a", "--ttl", "x"}).value(),
                          {{"ok", false}, {"error", "--ttl: not a duration"}})
                .exit_code,
            kExitUsage);
}

}  // namespace
}  // namespace iceway::app::control
