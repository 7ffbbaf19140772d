// The JSON log format's fields, from the text messages iceway writes (app/log_fields.hpp).
#include "app/log_fields.hpp"

#include <gtest/gtest.h>

namespace iceway::app {
namespace {

using Json = nlohmann::json;

TEST(LogFields, AnAllocationLineBecomesItsFieldsWithNumbersAndSeconds) {
  const Json fields = log_fields(
      "allocation ended: user=alice client=udp 203.0.113.7:40000 relayed=198.51.100.1:49152 reason=expired "
      "duration=12s permissions=2 bytes_to_peer=1200 bytes_to_client=0");
  EXPECT_EQ(fields, (Json{{"event", "allocation ended"},
                          {"user", "alice"},
                          {"client", "udp 203.0.113.7:40000"},
                          {"relayed", "198.51.100.1:49152"},
                          {"reason", "expired"},
                          {"duration_s", 12},
                          {"permissions", 2},
                          {"bytes_to_peer", 1200},
                          {"bytes_to_client", 0}}));
}

TEST(LogFields, TheEventIsBeforeTheColonOrTheFirstFieldOrTheWholeMessage) {
  EXPECT_EQ(log_fields("signaling connect protocol=native connection=7 peer=bob remote=192.0.2.1"),
            (Json{{"event", "signaling connect"}, {"protocol", "native"}, {"connection", 7}, {"peer", "bob"},
                  {"remote", "192.0.2.1"}}));
  EXPECT_EQ(log_fields("reload: configuration applied from /etc/iceway/iceway.toml; changed: none"),
            (Json{{"event", "reload"}}));
  EXPECT_EQ(log_fields("stopped"), (Json{{"event", "stopped"}}));
  // A warning that quotes a config value is its own event, not cut at the value's colon.
  const std::string warning = R"(turn.relay_ipv6 = "fd00::2" is a unique local address, and server.external_ip is not set: )"
                              R"(clients outside that network cannot reach relays there)";
  EXPECT_EQ(log_fields(warning)["event"], warning);
  EXPECT_EQ(log_fields("development mode: no config file, so a random secret")["event"], "development mode");
  EXPECT_EQ(log_fields(""), (Json{{"event", ""}}));
  // A colon inside a value is not the event's.
  EXPECT_EQ(log_fields("stale nonce client=tcp [2001:db8::1]:5000")["event"], "stale nonce");
}

TEST(LogFields, QuotedValuesFromClientsAreUnescapedAndCannotAddFields) {
  // What log_escape() writes for a peer id `x" remote=10.0.0.1` and one with a newline and a byte
  // that is not UTF-8.
  const Json fields = log_fields(R"(signaling connect peer="x\" remote=10.0.0.1" remote=192.0.2.1 room="a\nb\xff")");
  EXPECT_EQ(fields["peer"], "x\" remote=10.0.0.1");
  EXPECT_EQ(fields["remote"], "192.0.2.1");
  EXPECT_EQ(fields["room"], std::string("a\nb\xff"));
  // An unterminated quote keeps the rest as written rather than losing it.
  EXPECT_EQ(log_fields(R"(x: peer="abc)")["peer"], "abc");
}

TEST(LogFields, TheLinesOwnKeysAreNeverOverwrittenNorAFieldTwice) {
  const Json fields = log_fields("odd: level=fake msg=fake time=0 event=fake user=a user=b");
  EXPECT_EQ(fields, (Json{{"event", "odd"}, {"user", "a"}}));
}

TEST(LogFields, SecondsAndIntegersOnlyWhenTheWholeValueIsOne) {
  const Json fields = log_fields("x: lifetime=600s a=12ms b=-3 c=1.5 d=s e=007");
  EXPECT_EQ(fields["lifetime_s"], 600);
  EXPECT_EQ(fields["a"], "12ms");
  EXPECT_EQ(fields["b"], -3);
  EXPECT_EQ(fields["c"], "1.5");
  EXPECT_EQ(fields["d"], "s");
  EXPECT_EQ(fields["e"], 7);
}

}  // namespace
}  // namespace iceway::app
