// The "Socket.IO protocol" half of docs/socket.io-protocol/v5-test-suite/test-suite.js (socket.io
// repository), packet for packet, against the Engine.IO session, the Socket.IO connection and
// the conformance fixture wired as the I/O layer will wire them. The suite's own run against
// the iceway binary comes with the HTTP wiring; these are its sequences with time as a variable.
#include "signal/socketio/conformance_server.hpp"

#include <gtest/gtest.h>

#include "test_node.hpp"

namespace iceway::signaling::socketio {
namespace {

using std::chrono::milliseconds;
using testing::ReceivedFrame;
using testing::TestNode;
using Texts = std::vector<std::string>;

const TimePoint kStart = TimePoint{} + std::chrono::hours(1);

// The suite's server: pingInterval 300, pingTimeout 200, maxPayload 1e6, connectTimeout 1000.
EngineSettings suite_engine() {
  EngineSettings settings;
  settings.ping_interval = milliseconds(300);
  settings.ping_timeout = milliseconds(200);
  settings.max_payload = 1'000'000;
  return settings;
}

ConnectionSettings suite_connection() {
  ConnectionSettings settings;
  settings.connect_timeout = milliseconds(1000);
  return settings;
}

class ConformanceSuite : public ::testing::Test {
 protected:
  // initSocketIOConnection(): handshake, "40", the CONNECT answer and the auth packet.
  std::size_t connected_client() {
    const std::size_t client = node.open_websocket(now);
    node.take(client);
    node.send(client, "40", now);
    const Texts texts = node.take_text(client);
    EXPECT_EQ(texts.size(), 2u);
    return client;
  }

  ConformanceServer app;
  TestNode node{app, suite_engine(), suite_connection()};
  TimePoint now = kStart;
};

TEST_F(ConformanceSuite, ConnectAnswersSidThenEmitsAuth) {
  const struct {
    std::string_view name;
    std::string_view connect;
    std::string_view answer_prefix;
    std::string_view auth_packet;
  } cases[] = {
      {"main namespace", "40", "40{\"sid\":\"", R"(42["auth",{}])"},
      {"main namespace with a payload", R"(40{"token":"123"})", "40{\"sid\":\"", R"(42["auth",{"token":"123"}])"},
      {"custom namespace", "40/custom,", "40/custom,{\"sid\":\"", R"(42/custom,["auth",{}])"},
      {"custom namespace with a payload", R"(40/custom,{"token":"abc"})", "40/custom,{\"sid\":\"",
       R"(42/custom,["auth",{"token":"abc"}])"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const std::size_t client = node.open_websocket(now);
    ASSERT_EQ(node.take_text(client).size(), 1u);  // the Engine.IO handshake
    node.send(client, std::string(c.connect), now);
    const Texts texts = node.take_text(client);
    ASSERT_EQ(texts.size(), 2u);
    EXPECT_EQ(texts[0].substr(0, c.answer_prefix.size()), c.answer_prefix);
    EXPECT_EQ(texts[0].back(), '}');
    // The suite parses it and wants exactly one key, a string sid.
    EXPECT_EQ(texts[0].size(), c.answer_prefix.size() + 20 + 2);
    EXPECT_EQ(texts[1], c.auth_packet);
  }
}

TEST_F(ConformanceSuite, UnknownNamespaceGetsInvalidNamespace) {
  const std::size_t client = node.open_websocket(now);
  node.take(client);
  node.send(client, "40/random", now);
  EXPECT_EQ(node.take_text(client), Texts{R"(44/random,{"message":"Invalid namespace"})"});
  EXPECT_FALSE(node.closed(client));
}

TEST_F(ConformanceSuite, InvalidPacketsCloseTheConnection) {
  const struct {
    std::string_view name;
    bool after_connect;
    std::string_view frame;
  } cases[] = {
      {"invalid handshake", false, "4abc"},
      {"unknown packet type", true, "4abc"},
      {"invalid payload format", true, "42{}"},
      {"invalid ack id", true, R"(42abc["message-with-ack",1,"2",{"3":[false]}])"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const std::size_t client = c.after_connect ? connected_client() : node.open_websocket(now);
    node.take(client);
    node.send(client, std::string(c.frame), now);
    EXPECT_TRUE(node.closed(client));
  }
}

TEST_F(ConformanceSuite, NoHandshakeClosesAfterConnectTimeout) {
  const std::size_t client = node.open_websocket(now);
  // Pongs keep the Engine.IO session alive: what closes it is the missing CONNECT.
  for (int i = 1; i <= 3; ++i) {
    now = kStart + milliseconds(300 * i);
    node.advance(now);
    node.send(client, "3", now);
  }
  now = kStart + milliseconds(999);
  node.advance(now);
  EXPECT_FALSE(node.closed(client));
  now = kStart + milliseconds(1000);
  node.advance(now);
  EXPECT_TRUE(node.closed(client));
}

TEST_F(ConformanceSuite, DisconnectFromMainNamespaceKeepsTheSessionPinging) {
  const std::size_t client = connected_client();
  node.send(client, "41", now);
  EXPECT_FALSE(node.closed(client));
  now += milliseconds(300);
  node.advance(now);
  // The suite waits for the next message after "41" and wants the ping.
  EXPECT_EQ(node.take(client, true), (std::vector<ReceivedFrame>{{false, "2"}}));
  EXPECT_EQ(node.connection(client).namespace_count(), 0u);
  EXPECT_FALSE(node.closed(client));
}

TEST_F(ConformanceSuite, ConnectThenDisconnectFromCustomNamespace) {
  const std::size_t client = connected_client();
  node.send(client, "40/custom", now);
  EXPECT_EQ(node.take_text(client).size(), 2u);
  node.send(client, "41/custom", now);
  node.send(client, R"(42["message","message to main namespace"])", now);
  EXPECT_EQ(node.take_text(client), Texts{R"(42["message-back","message to main namespace"])"});
}

TEST_F(ConformanceSuite, MessagesComeBackByteForByte) {
  const struct {
    std::string_view name;
    std::string_view sent;
    std::string_view answer;
  } cases[] = {
      {"plain-text packet", R"(42["message",1,"2",{"3":[true]}])", R"(42["message-back",1,"2",{"3":[true]}])"},
      {"plain-text packet with an ack", R"(42456["message-with-ack",1,"2",{"3":[false]}])",
       R"(43456[1,"2",{"3":[false]}])"},
      // Key order and number spelling are the sender's (the suite compares strings).
      {"key order kept", R"(42["message",{"z":1,"a":1.50,"m":[{"y":0,"b":-0}]}])",
       R"(42["message-back",{"z":1,"a":1.50,"m":[{"y":0,"b":-0}]}])"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const std::size_t client = connected_client();
    node.send(client, std::string(c.sent), now);
    EXPECT_EQ(node.take_text(client), Texts{std::string(c.answer)});
  }
}

TEST_F(ConformanceSuite, BinaryAttachmentsComeBackAfterTheirHeader) {
  const struct {
    std::string_view name;
    std::string_view sent;
    std::string_view answer;
  } cases[] = {
      {"binary event", R"(452-["message",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}])",
       R"(452-["message-back",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}])"},
      {"binary event with an ack",
       R"(452-789["message-with-ack",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}])",
       R"(462-789[{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}])"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const std::size_t client = connected_client();
    node.send(client, std::string(c.sent), now);
    EXPECT_TRUE(node.take(client).empty());  // nothing until the attachments are in
    node.send(client, std::string("\x01\x02\x03", 3), now, true);
    node.send(client, std::string("\x04\x05\x06", 3), now, true);
    const std::vector<ReceivedFrame> expected{{false, std::string(c.answer)},
                                              {true, std::string("\x01\x02\x03", 3)},
                                              {true, std::string("\x04\x05\x06", 3)}};
    EXPECT_EQ(node.take(client), expected);
  }
}

}  // namespace
}  // namespace iceway::signaling::socketio
