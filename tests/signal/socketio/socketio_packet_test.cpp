// The Socket.IO v5 codec against docs/socket.io-protocol/v5-current.md of the socket.io
// repository ("Packet encoding" examples as vectors, both ways) and against the packets its
// v5 conformance suite sends; malformed packets get the error the spec and the reference parser
// call for.
#include "signal/socketio/socketio_packet.hpp"

#include <gtest/gtest.h>

#include <optional>

namespace iceway::signaling::socketio {
namespace {

const SocketLimits kLimits{};

SocketPacket decode_ok(std::string_view text) {
  auto decoded = decode_socket_packet(text, kLimits);
  EXPECT_TRUE(decoded) << text << ": " << (decoded ? "" : decoded.error().message());
  return decoded ? std::move(decoded).value() : SocketPacket{};
}

std::string encode(const SocketPacket& packet) {
  std::string out;
  EXPECT_TRUE(append_socket_packet(packet, out));
  return out;
}

TEST(SocketIoPacket, DocumentExamplesBothWays) {
  const struct {
    std::string_view encoded;
    SocketPacketType type;
    std::string_view nsp;
    std::optional<std::uint64_t> ack_id;
    std::size_t attachments;
    std::string_view data;
  } cases[] = {
      {"0", SocketPacketType::connect, "/", {}, 0, ""},
      {R"(0/admin,{"sid":"oSO0OpakMV_3jnilAAAA"})", SocketPacketType::connect, "/admin", {}, 0,
       R"({"sid":"oSO0OpakMV_3jnilAAAA"})"},
      {R"(4{"message":"Not authorized"})", SocketPacketType::connect_error, "/", {}, 0, R"({"message":"Not authorized"})"},
      {R"(2["foo"])", SocketPacketType::event, "/", {}, 0, R"(["foo"])"},
      {R"(2/admin,["bar"])", SocketPacketType::event, "/admin", {}, 0, R"(["bar"])"},
      {R"(51-["baz",{"_placeholder":true,"num":0}])", SocketPacketType::binary_event, "/", {}, 1,
       R"(["baz",{"_placeholder":true,"num":0}])"},
      {R"(52-/admin,["baz",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}])",
       SocketPacketType::binary_event, "/admin", {}, 2,
       R"(["baz",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}])"},
      {R"(212["foo"])", SocketPacketType::event, "/", 12, 0, R"(["foo"])"},
      {R"(3/admin,13["bar"])", SocketPacketType::ack, "/admin", 13, 0, R"(["bar"])"},
      {R"(61-15["bar",{"_placeholder":true,"num":0}])", SocketPacketType::binary_ack, "/", 15, 1,
       R"(["bar",{"_placeholder":true,"num":0}])"},
      {"1", SocketPacketType::disconnect, "/", {}, 0, ""},
      {"1/admin,", SocketPacketType::disconnect, "/admin", {}, 0, ""},
      // "Sample session": the BINARY_ACK inside 461-/admin,1[...].
      {R"(61-/admin,1[{"_placeholder":true,"num":0}])", SocketPacketType::binary_ack, "/admin", 1, 1,
       R"([{"_placeholder":true,"num":0}])"},
      {R"(2/admin,1["tellme"])", SocketPacketType::event, "/admin", 1, 0, R"(["tellme"])"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.encoded);
    const SocketPacket packet = decode_ok(c.encoded);
    EXPECT_EQ(packet.type, c.type);
    EXPECT_EQ(packet.nsp, c.nsp);
    EXPECT_EQ(packet.ack_id, c.ack_id);
    EXPECT_EQ(packet.attachments, c.attachments);
    EXPECT_EQ(packet.data, c.data);
    EXPECT_EQ(encode(packet), c.encoded);
  }
}

TEST(SocketIoPacket, EventNameAndArgumentsAreTheSendersText) {
  // The v5 conformance suite: 42["message",1,"2",{"3":[true]}] must come back as
  // 42["message-back",1,"2",{"3":[true]}], byte for byte.
  const SocketPacket packet = decode_ok(R"(2["message",1,"2",{"3":[true]}])");
  EXPECT_EQ(packet.event_name, "message");
  EXPECT_EQ(packet.arguments, R"(1,"2",{"3":[true]})");
  std::string data;
  append_event_array("message-back", packet.arguments, data);
  EXPECT_EQ(encode(SocketPacket{SocketPacketType::event, "/", {}, 0, data, {}, {}}),
            R"(2["message-back",1,"2",{"3":[true]}])");
}

TEST(SocketIoPacket, AckRepliesSpliceTheArguments) {
  // 42456["message-with-ack",1,"2",{"3":[false]}] is answered 43456[1,"2",{"3":[false]}].
  const SocketPacket packet = decode_ok(R"(2456["message-with-ack",1,"2",{"3":[false]}])");
  EXPECT_EQ(packet.ack_id, 456u);
  const std::string data = "[" + std::string(packet.arguments) + "]";
  EXPECT_EQ(encode(SocketPacket{SocketPacketType::ack, "/", packet.ack_id, 0, data, {}, {}}),
            R"(3456[1,"2",{"3":[false]}])");
  const SocketPacket ack = decode_ok(R"(3/admin,13[ "bar" , 2 ])");
  EXPECT_EQ(ack.arguments, R"("bar" , 2)");
  EXPECT_EQ(decode_ok("3[]").arguments, "");
}

TEST(SocketIoPacket, ConformanceSuitePackets) {
  const SocketPacket binary = decode_ok(R"(52-789["message-with-ack",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}])");
  EXPECT_EQ(binary.type, SocketPacketType::binary_event);
  EXPECT_EQ(binary.attachments, 2u);
  EXPECT_EQ(binary.ack_id, 789u);
  EXPECT_EQ(binary.event_name, "message-with-ack");
  EXPECT_EQ(binary.arguments, R"({"_placeholder":true,"num":0},{"_placeholder":true,"num":1})");

  const SocketPacket with_auth = decode_ok(R"(0/custom,{"token":"abc"})");
  EXPECT_EQ(with_auth.nsp, "/custom");
  EXPECT_EQ(with_auth.data, R"({"token":"abc"})");
  // A namespace may end the packet without its comma.
  EXPECT_EQ(decode_ok("0/random").nsp, "/random");
  EXPECT_EQ(decode_ok("1/custom").nsp, "/custom");
}

TEST(SocketIoPacket, WhitespaceAroundElementsIsNotPartOfTheArguments) {
  const SocketPacket spaced = decode_ok("2[ \"a\" ,\t1 , [2] ]\n");
  EXPECT_EQ(spaced.event_name, "a");
  EXPECT_EQ(spaced.arguments, "1 , [2]");
}

TEST(SocketIoPacket, EscapedNames) {
  const SocketPacket packet = decode_ok(R"(2["a\"b\\",1])");
  EXPECT_EQ(packet.event_name, "a\"b\\");
  EXPECT_EQ(packet.arguments, "1");
  std::string data;
  append_event_array(packet.event_name, packet.arguments, data);
  EXPECT_EQ(data, R"(["a\"b\\",1])");
  const SocketPacket alone = decode_ok(R"(2[ "x" ])");
  EXPECT_EQ(alone.event_name, "x");
  EXPECT_EQ(alone.arguments, "");
  data.clear();
  append_event_array("x", alone.arguments, data);
  EXPECT_EQ(data, R"(["x"])");
}

TEST(SocketIoPacket, JsonStringsAreEscapedAsJsonStringifyDoes) {
  std::string out;
  append_json_string("q\"b\\\b\f\n\r\t\x01\x1f/é", out);
  EXPECT_EQ(out, "\"q\\\"b\\\\\\b\\f\\n\\r\\t\\u0001\\u001f/é\"");
}

TEST(SocketIoPacket, MalformedPacketsAreRefused) {
  const struct {
    std::string_view name;
    std::string_view text;
    SocketError code;
  } cases[] = {
      {"empty", "", SocketError::empty_packet},
      {"unknown type (suite: 4abc)", "abc", SocketError::unknown_type},
      {"type 7", "7[\"a\"]", SocketError::unknown_type},
      {"event payload an object (suite: 42{})", "2{}", SocketError::invalid_payload},
      {"letters for an ack id (suite: 42abc[...])", R"(2abc["message-with-ack",1])", SocketError::malformed_json},
      {"event without payload", "2", SocketError::invalid_payload},
      {"empty event array", "2[]", SocketError::invalid_payload},
      {"event name not a string", "2[1]", SocketError::invalid_payload},
      {"event name an object", R"(2[{"a":1}])", SocketError::invalid_payload},
      {"reserved event name", R"(2["connect"])", SocketError::reserved_event_name},
      {"reserved in a binary event", R"(50-["disconnect"])", SocketError::reserved_event_name},
      {"connect with an array", "0[]", SocketError::invalid_payload},
      {"connect with a string", R"(0"x")", SocketError::invalid_payload},
      {"disconnect with a payload", "1{}", SocketError::invalid_payload},
      {"ack with an object", "3{}", SocketError::invalid_payload},
      {"ack without payload", "31", SocketError::invalid_payload},
      {"connect_error with a boolean", "4true", SocketError::invalid_payload},
      {"binary without count", R"(5["a"])", SocketError::bad_attachments},
      {"binary count without dash", R"(51["a"])", SocketError::bad_attachments},
      {"binary count not a number", R"(5x-["a"])", SocketError::bad_attachments},
      {"binary count at the end", "51", SocketError::bad_attachments},
      {"too many attachments", R"(517-["a"])", SocketError::too_many_attachments},
      {"huge attachment count", R"(599999999999999999999999-["a"])", SocketError::too_many_attachments},
      {"placeholder index past the count", R"(51-["a",{"_placeholder":true,"num":1}])", SocketError::bad_placeholder},
      {"placeholder index negative", R"(51-["a",{"_placeholder":true,"num":-1}])", SocketError::bad_placeholder},
      {"placeholder without index", R"(51-["a",{"_placeholder":true}])", SocketError::bad_placeholder},
      {"placeholder index a float", R"(51-["a",{"num":0.5,"_placeholder":true}])", SocketError::bad_placeholder},
      {"ack id past 2^53-1", R"(29007199254740992["a"])", SocketError::bad_ack_id},
      {"trailing text", R"(2["a"]x)", SocketError::malformed_json},
      {"two values", R"(2["a"]["b"])", SocketError::malformed_json},
      {"unterminated", R"(2["a")", SocketError::malformed_json},
      {"NUL after the value", std::string_view("2[\"a\"]\0x", 8), SocketError::malformed_json},
      {"invalid UTF-8", "2[\"\xff\"]", SocketError::malformed_json},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto decoded = decode_socket_packet(c.text, kLimits);
    ASSERT_FALSE(decoded);
    EXPECT_EQ(decoded.error().code, c.code) << decoded.error().message();
  }
  EXPECT_EQ(decode_socket_packet("2{}", kLimits).error().message(),
            "payload has the wrong shape for its packet type (at byte 1)");
}

TEST(SocketIoPacket, ValidEdgeCases) {
  EXPECT_EQ(decode_ok(R"(29007199254740991["a"])").ack_id, kMaxAckId);
  EXPECT_EQ(decode_ok(R"(4"not allowed")").data, R"("not allowed")");  // CONNECT_ERROR may be a string
  EXPECT_EQ(decode_ok("4").data, "");
  EXPECT_EQ(decode_ok(R"(516-["a"])").attachments, 16u);                 // the limit itself
  EXPECT_EQ(decode_ok(R"(50-["a"])").attachments, 0u);
  // Placeholders mean nothing outside binary packets, and "_placeholder":false is plain data.
  decode_ok(R"(2["a",{"_placeholder":true,"num":9}])");
  decode_ok(R"(51-["a",{"_placeholder":false,"num":9}])");
  decode_ok(R"(51-["a",{"_placeholder":"true","num":9}])");
  // The last of repeated keys counts, as in JSON.parse.
  decode_ok(R"(51-["a",{"_placeholder":true,"num":5,"num":0}])");
  // "connect" is only reserved as an event name, not as an argument.
  EXPECT_EQ(decode_ok(R"(2["x","connect"])").arguments, R"("connect")");
}

TEST(SocketIoPacket, DepthLimitCountsEveryContainer) {
  SocketLimits limits;
  limits.max_json_depth = 4;
  EXPECT_TRUE(decode_socket_packet(R"(2["a",[[[1]]]])", limits));
  auto deep = decode_socket_packet(R"(2["a",[[[[1]]]]])", limits);
  ASSERT_FALSE(deep);
  EXPECT_EQ(deep.error().code, SocketError::too_deep);
  // Deep nesting is refused without recursion, at any size.
  const std::string very_deep = "2[\"a\"," + std::string(100000, '[') + std::string(100000, ']') + "]";
  EXPECT_EQ(decode_socket_packet(very_deep, kLimits).error().code, SocketError::too_deep);
}

// simdjson decides most payloads (signal/json_fast.hpp); where it refuses JSON that nlohmann
// takes, or cannot say which error applies, nlohmann decides. Either way the answer is the one
// nlohmann alone gives.
TEST(SocketIoPacket, TheFastCheckDecidesAsTheExactOne) {
  const std::string deep_at_limit = "2[\"a\"," + std::string(31, '[') + "1" + std::string(31, ']') + "]";
  const std::string deep_past_limit = "2[\"a\"," + std::string(32, '[') + "1" + std::string(32, ']') + "]";
  const std::string empty_at_limit = "2[\"a\"," + std::string(31, '[') + std::string(31, ']') + "]";
  const std::string_view cases[] = {
      R"(2["a",{"sdp":"v=0\r\n","n":1.5e-3}])",
      R"(2["conn\u0065ct"])",                 // an escaped reserved name is still reserved
      R"(2["\ud83d\ude00",1])",              // a surrogate pair names the event
      R"(2["a","\udc00"])",                   // a lone low surrogate: not JSON to either
      R"(2["a","\ud800x"])",                  // a lone high surrogate
      R"(2["a",123456789012345678901234])",    // beyond 64 bits: nlohmann takes it, simdjson not
      "2\xef\xbb\xbf[\"a\"]",                 // a byte order mark
      R"(2 [ "a" , 1 ] )",
      R"(2[1,"a"])",
      R"(2[null])",
      R"(3[])",
      R"(0{"token":"x"})",
      R"(4"text")",
      R"(2["a",-0,1e400])",
      R"(2["a",tru])",
      R"(2["a"],)",
      deep_at_limit,
      deep_past_limit,
      empty_at_limit,
  };
  for (const std::string_view text : cases) {
    SCOPED_TRACE(text);
    const auto fast = decode_socket_packet(text, kLimits);
    const auto exact = decode_socket_packet_exact(text, kLimits);
    ASSERT_EQ(static_cast<bool>(fast), static_cast<bool>(exact));
    if (!fast) {
      EXPECT_EQ(fast.error(), exact.error());
      continue;
    }
    EXPECT_EQ(fast.value().type, exact.value().type);
    EXPECT_EQ(fast.value().event_name, exact.value().event_name);
    EXPECT_EQ(fast.value().arguments, exact.value().arguments);
    EXPECT_EQ(fast.value().data, exact.value().data);
  }
  EXPECT_EQ(decode_socket_packet(R"(2["conn\u0065ct"])", kLimits).error().code, SocketError::reserved_event_name);
  EXPECT_EQ(decode_socket_packet(R"(2["\ud83d\ude00",1])", kLimits).value().event_name, "\xf0\x9f\x98\x80");
  EXPECT_TRUE(decode_socket_packet(deep_at_limit, kLimits));
  EXPECT_EQ(decode_socket_packet(deep_past_limit, kLimits).error().code, SocketError::too_deep);
}

TEST(SocketIoPacket, EncoderRefusesNamespacesTheDecoderCannotReadBack) {
  std::string out;
  for (const std::string_view nsp : {"", "admin", "/a,b"}) {
    SCOPED_TRACE(nsp);
    auto refused = append_socket_packet(SocketPacket{SocketPacketType::connect, nsp, {}, 0, "", {}, {}}, out);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, SocketError::bad_namespace);
  }
  EXPECT_TRUE(out.empty());
}

}  // namespace
}  // namespace iceway::signaling::socketio
