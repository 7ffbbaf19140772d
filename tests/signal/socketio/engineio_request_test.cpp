// Which Engine.IO request an HTTP request is, and the reference server's error for the ones
// that are none: the routing decision of the Socket.IO front door, without a socket.
#include "signal/socketio/engineio_request.hpp"

#include <gtest/gtest.h>

#include <array>

namespace iceway::signaling::socketio {
namespace {

using Kind = EngineRequest::Kind;

Kind kind_of(std::string_view method, std::string_view target, bool websocket = false) {
  auto result = classify_engine_request(method, target, websocket);
  EXPECT_TRUE(std::holds_alternative<EngineRequest>(result)) << method << " " << target;
  return std::holds_alternative<EngineRequest>(result) ? std::get<EngineRequest>(result).kind : Kind::preflight;
}

EngineRequestError error_of(std::string_view method, std::string_view target, bool websocket = false) {
  auto result = classify_engine_request(method, target, websocket);
  EXPECT_TRUE(std::holds_alternative<EngineRequestError>(result)) << method << " " << target;
  return std::holds_alternative<EngineRequestError>(result) ? std::get<EngineRequestError>(result)
                                                            : EngineRequestError::forbidden;
}

TEST(EngineRequest, GetWithoutSidIsAPollingHandshake) {
  EXPECT_EQ(kind_of("GET", "/socket.io/?EIO=4&transport=polling&t=Nxyz"), Kind::polling_handshake);
}

TEST(EngineRequest, UpgradeWithoutSidIsAWebSocketHandshake) {
  EXPECT_EQ(kind_of("GET", "/socket.io/?EIO=4&transport=websocket", true), Kind::websocket_handshake);
}

TEST(EngineRequest, GetAndPostWithSidArePollAndPostOfThatSession) {
  auto poll = std::get<EngineRequest>(classify_engine_request("GET", "/x/?EIO=4&transport=polling&sid=abc", false));
  EXPECT_EQ(poll.kind, Kind::poll);
  EXPECT_EQ(poll.sid, "abc");
  auto post = std::get<EngineRequest>(classify_engine_request("POST", "/x/?EIO=4&transport=polling&sid=abc", false));
  EXPECT_EQ(post.kind, Kind::post);
  EXPECT_EQ(post.sid, "abc");
}

TEST(EngineRequest, UpgradeWithSidUpgradesThatSession) {
  auto upgrade = std::get<EngineRequest>(classify_engine_request("GET", "/x/?EIO=4&transport=websocket&sid=s1", true));
  EXPECT_EQ(upgrade.kind, Kind::websocket_upgrade);
  EXPECT_EQ(upgrade.sid, "s1");
}

TEST(EngineRequest, OptionsIsAPreflightWhateverItsQuery) { EXPECT_EQ(kind_of("OPTIONS", "/socket.io/"), Kind::preflight); }

TEST(EngineRequest, UnknownOrMissingTransportIsRefusedFirst) {
  EXPECT_EQ(error_of("GET", "/socket.io/?EIO=4&transport=flash"), EngineRequestError::unknown_transport);
  EXPECT_EQ(error_of("GET", "/socket.io/?EIO=5"), EngineRequestError::unknown_transport);
}

TEST(EngineRequest, ProtocolVersionOtherThanFourIsRefused) {
  EXPECT_EQ(error_of("GET", "/socket.io/?EIO=3&transport=polling"), EngineRequestError::unsupported_protocol_version);
  EXPECT_EQ(error_of("GET", "/socket.io/?transport=polling"), EngineRequestError::unsupported_protocol_version);
}

TEST(EngineRequest, HandshakeByPostIsABadHandshakeMethod) {
  EXPECT_EQ(error_of("POST", "/socket.io/?EIO=4&transport=polling"), EngineRequestError::bad_handshake_method);
}

TEST(EngineRequest, TransportThatDoesNotMatchTheRequestIsABadRequest) {
  EXPECT_EQ(error_of("GET", "/socket.io/?EIO=4&transport=websocket"), EngineRequestError::bad_request);
  EXPECT_EQ(error_of("GET", "/socket.io/?EIO=4&transport=polling", true), EngineRequestError::bad_request);
  EXPECT_EQ(error_of("PUT", "/socket.io/?EIO=4&transport=polling&sid=a"), EngineRequestError::bad_request);
}

TEST(EngineRequest, EmptySidIsUnknown) {
  EXPECT_EQ(error_of("GET", "/socket.io/?EIO=4&transport=polling&sid="), EngineRequestError::unknown_sid);
}

TEST(EngineRequest, ErrorsCarryTheReferenceServersBodyAndStatus) {
  EXPECT_EQ(error_body(EngineRequestError::unknown_sid), R"({"code":1,"message":"Session ID unknown"})");
  EXPECT_EQ(error_body(EngineRequestError::unknown_transport), R"({"code":0,"message":"Transport unknown"})");
  EXPECT_EQ(http_status(EngineRequestError::bad_request), 400u);
  EXPECT_EQ(http_status(EngineRequestError::forbidden), 403u);
}

TEST(CorsOrigin, AnyOriginIsEchoedWhenNoListIsConfigured) {
  EXPECT_EQ(cors_origin("https://app.example", {}), "https://app.example");
}

TEST(CorsOrigin, OnlyListedOriginsAreEchoedCaseInsensitively) {
  const std::array<std::string, 1> allowed{"https://App.example"};
  EXPECT_EQ(cors_origin("https://app.example", allowed), "https://app.example");
  EXPECT_EQ(cors_origin("https://evil.example", allowed), std::nullopt);
}

TEST(CorsOrigin, RequestWithoutOriginGetsNoCorsHeaders) { EXPECT_EQ(cors_origin("", {}), std::nullopt); }

}  // namespace
}  // namespace iceway::signaling::socketio
