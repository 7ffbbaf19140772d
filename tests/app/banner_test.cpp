#include "app/banner.hpp"

#include <gtest/gtest.h>

namespace iceway::app {
namespace {

Config config_for(std::string public_host) {
  Config config;
  config.source = "/etc/iceway/iceway.toml";
  config.server.public_host = std::move(public_host);
  config.turn.relay_ipv4 = IpAddress::parse("203.0.113.5");
  config.turn.relay_port_min = 49152;
  config.turn.relay_port_max = 65535;
  config.turn.tls_listen = {*Endpoint::parse("0.0.0.0:5349")};
  config.turn.secrets = {"s3cret"};
  return config;
}

BannerFacts facts(bool tls) {
  BannerFacts out;
  out.version = "iceway 1.2.3 (git abc)";
  out.stun_udp = {*Endpoint::parse("0.0.0.0:3478")};
  out.stun_tcp = {*Endpoint::parse("0.0.0.0:3478")};
  if (tls) out.stun_tls = {*Endpoint::parse("0.0.0.0:5349")};
  out.signal = *Endpoint::parse("0.0.0.0:8080");
  out.admin = *Endpoint::parse("127.0.0.1:9641");
  out.tls = tls;
  return out;
}

bool has_line(const std::string& text, const std::string& line) {
  return text.find(line + "\n") != std::string::npos;
}

TEST(Banner, AProductionServerWithTlsGivesItsUrlsAndNoSecret) {
  const std::string text = banner_text(config_for("turn.example.com"), facts(true));
  EXPECT_TRUE(text.starts_with("iceway 1.2.3 (git abc) is running with /etc/iceway/iceway.toml\n")) << text;
  EXPECT_TRUE(has_line(text, "               stun:turn.example.com:3478  turn:turn.example.com:3478")) << text;
  EXPECT_TRUE(has_line(text, "  TURN/TLS     tls 0.0.0.0:5349  turns:turn.example.com:5349")) << text;
  EXPECT_TRUE(has_line(text, "  Relays       udp 203.0.113.5 49152-65535")) << text;
  EXPECT_TRUE(has_line(text, "  JS client    https://turn.example.com:8080/sdk/iceway.js")) << text;
  EXPECT_TRUE(has_line(text, "  ICE servers  https://turn.example.com:8080/api/v1/ice-servers  (Authorization: Bearer <auth.api_keys>)"))
      << text;
  EXPECT_TRUE(has_line(text, "  Try it       https://turn.example.com:8080/  in two browser tabs: a video call (tick \"relay only\" "
                             "to go through TURN)"))
      << text;
  EXPECT_EQ(text.find("s3cret"), std::string::npos) << "a configured secret is never printed";
  EXPECT_EQ(text.find("needs https"), std::string::npos);
}

TEST(Banner, DtlsOnTheTlsPortsHasALineOfItsOwnOnlyWhenServed) {
  BannerFacts with = facts(true);
  with.stun_dtls = with.stun_tls;
  const std::string text = banner_text(config_for("turn.example.com"), with);
  EXPECT_TRUE(has_line(text, "  TURN/DTLS    udp 0.0.0.0:5349  (for DTLS clients such as turnutils_uclient -S)")) << text;
  EXPECT_EQ(banner_text(config_for("turn.example.com"), facts(true)).find("TURN/DTLS"), std::string::npos)
      << "turn.dtls = false: no line";
}

TEST(Banner, WithoutTlsTheDemoIsTheLoopbackLinkAndTurnsSaysHowToTurnItOn) {
  const std::string text = banner_text(config_for("198.51.100.7"), facts(false));
  EXPECT_TRUE(has_line(text, "  TURN/TLS     off (set [tls] cert and key to serve turns: on 0.0.0.0:5349)")) << text;
  EXPECT_TRUE(has_line(text, "  Signaling    ws://198.51.100.7:8080/ws  (PeerJS /peerjs, named relay /relay, y-webrtc /yjs, "
                             "Socket.IO /socket.io/)"))
      << text;
  EXPECT_NE(text.find("  Try it       http://127.0.0.1:8080/  in two browser tabs"), std::string::npos) << text;
  EXPECT_NE(text.find("from other devices it needs https"), std::string::npos) << text;
  EXPECT_TRUE(has_line(text, "               turnutils_stunclient -p 3478 198.51.100.7")) << text;
}

TEST(Banner, DevelopmentModePrintsItsGeneratedSecretAndSaysAnyoneMayFetch) {
  Config config = config_for("127.0.0.1");
  config.development_mode = true;
  config.turn.secrets = {"generated-dev-secret"};
  const std::string text = banner_text(config, facts(false));
  EXPECT_TRUE(has_line(text, "  Dev secret   generated-dev-secret")) << text;
  EXPECT_NE(text.find("(anyone may fetch: development mode)"), std::string::npos) << text;
}

TEST(Banner, AddressWarningsAreShown) {
  Config config = config_for("10.0.0.5");
  config.turn.relay_ipv4 = IpAddress::parse("10.0.0.5");
  const std::string text = banner_text(config, facts(false));
  EXPECT_NE(text.find("  Warning      "), std::string::npos) << "a private relay address without external_ip warns:\n" << text;
}

}  // namespace
}  // namespace iceway::app
