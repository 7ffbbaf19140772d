#include "app/ice_servers.hpp"

#include <gtest/gtest.h>

namespace iceway::app {
namespace {

const turn::Credentials kCredentials({"secret-one", "secret-two"}, {}, "iceway");

TEST(IceServers, StunTurnUdpTcpWithRestCredentials) {
  auto servers = ice_servers({"turn.example.org", 3478, std::nullopt}, kCredentials, "alice", Seconds(3600), 1'700'000'000);
  ASSERT_TRUE(servers);
  const auto& list = servers.value();
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0]["urls"], nlohmann::json({"stun:turn.example.org:3478"}));
  EXPECT_FALSE(list[0].contains("username"));
  EXPECT_EQ(list[1]["urls"], nlohmann::json({"turn:turn.example.org:3478?transport=udp", "turn:turn.example.org:3478?transport=tcp"}));
  EXPECT_EQ(list[1]["username"], "1700003600:alice");
  // The first secret signs (SPEC §5), as coturn's use-auth-secret computes it.
  EXPECT_EQ(list[1]["credential"], turn::rest_password("secret-one", "1700003600:alice"));
}

TEST(IceServers, TurnsWhenTlsIsOnAndBracketsIpv6) {
  auto servers = ice_servers({"2001:db8::7", 3478, 5349}, kCredentials, "bob", Seconds(60), 100);
  ASSERT_TRUE(servers);
  ASSERT_EQ(servers.value().size(), 3u);
  EXPECT_EQ(servers.value()[0]["urls"][0], "stun:[2001:db8::7]:3478");
  EXPECT_EQ(servers.value()[2]["urls"], nlohmann::json({"turns:[2001:db8::7]:5349?transport=tcp"}));
  EXPECT_EQ(servers.value()[2]["username"], servers.value()[1]["username"]);
}

TEST(IceServers, NoSecretMeansNoCredentials) {
  turn::Credentials only_static({}, {{"tool", "pw"}}, "iceway");
  auto servers = ice_servers({"h", 3478, std::nullopt}, only_static, "alice", Seconds(60), 100);
  ASSERT_FALSE(servers);
  EXPECT_EQ(servers.error(), turn::CredentialError::no_secret);
}

}  // namespace
}  // namespace iceway::app
