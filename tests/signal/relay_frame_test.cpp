// The relay fast path: scan_relay_frame() must accept and refuse exactly what parse_json_object
// does, report the same fields a parsed tree would give, and hand back the payload's bytes as
// sent; relay_frame_text() must write what nlohmann's dump() writes.
#include "signal/relay_frame.hpp"

#include <gtest/gtest.h>

#include "test_support.hpp"

namespace iceway::signaling {
namespace {

using testing::Harness;
using testing::only_frame;

constexpr std::size_t kDepth = 8;

RelayFields scan_ok(std::string_view text) {
  auto scanned = scan_relay_frame(text, kDepth);
  EXPECT_TRUE(scanned) << text;
  if (!scanned || !scanned.value()) {
    ADD_FAILURE() << "no fast path for " << text;
    return {};
  }
  return *scanned.value();
}

TEST(RelayFrameScan, FieldsAndRawPayload) {
  const std::string_view text =
      R"( { "type" : "OFFER", "dst":"bob", "payload" : { "b" : 1, "connectionId":"dc_1", "a":[1.50, "x"] } , "x":0 } )";
  const RelayFields fields = scan_ok(text);
  EXPECT_EQ(fields.type, "OFFER");
  EXPECT_EQ(fields.dst, "bob");
  EXPECT_TRUE(fields.has_dst);
  EXPECT_EQ(fields.connection_id, "dc_1");
  // The bytes as sent, whitespace and number spelling included.
  EXPECT_EQ(fields.payload, R"({ "b" : 1, "connectionId":"dc_1", "a":[1.50, "x"] })");
}

TEST(RelayFrameScan, ScalarPayloadsAndMissingFields) {
  EXPECT_EQ(scan_ok(R"({"type":"X","payload":"a\"}b"})").payload, R"("a\"}b")");
  EXPECT_EQ(scan_ok(R"({"payload":null})").payload, "null");
  EXPECT_EQ(scan_ok(R"({"payload":-1.5e3,"type":"X"})").payload, "-1.5e3");
  EXPECT_EQ(scan_ok(R"({"payload":[{"connectionId":"no"}]})").connection_id, "");
  const RelayFields empty = scan_ok("{}");
  EXPECT_EQ(empty.type, "");
  EXPECT_FALSE(empty.has_dst);
  EXPECT_TRUE(empty.payload.empty());
}

TEST(RelayFrameScan, NonStringFieldsReadAsEmpty) {
  const RelayFields fields = scan_ok(R"({"type":1,"dst":{"a":"b"},"payload":{"connectionId":5}})");
  EXPECT_EQ(fields.type, "");
  EXPECT_EQ(fields.dst, "");
  EXPECT_TRUE(fields.has_dst);  // present, as message.contains("dst") says
  EXPECT_EQ(fields.connection_id, "");
  // Only payload's own connectionId counts, not a nested one or another object's.
  EXPECT_EQ(scan_ok(R"({"payload":{"x":{"connectionId":"deep"}},"connectionId":"top"})").connection_id, "");
  // A repeated key inside the payload: the last one wins, as in the tree.
  EXPECT_EQ(scan_ok(R"({"payload":{"connectionId":"a","connectionId":"b"}})").connection_id, "b");
  EXPECT_EQ(scan_ok(R"({"payload":{"connectionId":"a","connectionId":[]}})").connection_id, "");
}

TEST(RelayFrameScan, EscapedStringsAreDecoded) {
  const RelayFields fields = scan_ok(R"({"type":"OF\u0046ER","dst":"b\"o\\b\u00e9"})");
  EXPECT_EQ(fields.type, "OFFER");
  EXPECT_EQ(fields.dst, "b\"o\\b\xc3\xa9");
}

TEST(RelayFrameScan, AmbiguousFramesTakeTheGeneralPath) {
  for (std::string_view text : {R"({"type":"A","type":"B"})", R"({"dst":"a","dst":"b"})",
                                R"({"payload":1,"payload":2})", R"({"pay\u006coad":1})", R"({"\"":1,"payload":2})"}) {
    auto scanned = scan_relay_frame(text, kDepth);
    ASSERT_TRUE(scanned) << text;
    EXPECT_FALSE(scanned.value()) << text;
  }
}

TEST(RelayFrameScan, RefusesWhatTheParserRefuses) {
  const std::string deep = std::string(9, '[') + std::string(9, ']');
  const std::string deep_object = R"({"payload":)" + std::string(8, '[') + std::string(8, ']') + "}";
  struct Case {
    std::string text;
    JsonError error;
  };
  const Case cases[] = {
      {"", JsonError::malformed},
      {"{", JsonError::malformed},
      {R"({"type":)", JsonError::malformed},
      {R"({"type":"OFFER"} x)", JsonError::malformed},
      {R"({"type":"OFFER"}{})", JsonError::malformed},
      {R"({"type":'x'})", JsonError::malformed},
      {R"({"a":1,})", JsonError::malformed},
      {"{\"type\":\"\xff\"}", JsonError::malformed},            // invalid UTF-8
      {"{\"payload\":{\"sdp\":\"\xc3\x28\"}}", JsonError::malformed},  // invalid UTF-8 deep inside
      {R"({"type":"\ud800"})", JsonError::malformed},           // lone surrogate
      {"{\"type\":\"a\x01\"}", JsonError::malformed},           // raw control character
      {R"({"n":1e400})", JsonError::malformed},                 // out of range
      {"[1]", JsonError::not_an_object},
      {R"("text")", JsonError::not_an_object},
      {"5", JsonError::not_an_object},
      {"null", JsonError::not_an_object},
      {deep, JsonError::too_deep},
      {deep_object, JsonError::too_deep},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    auto scanned = scan_relay_frame(c.text, kDepth);
    ASSERT_FALSE(scanned);
    EXPECT_EQ(scanned.error(), c.error);
    auto parsed = parse_json_object(c.text, kDepth);
    ASSERT_FALSE(parsed);
    EXPECT_EQ(parsed.error(), c.error);
  }
}

TEST(RelayFrameScan, AgreesWithTheTree) {
  const std::string_view texts[] = {
      R"({"type":"CANDIDATE","dst":"x","payload":{"candidate":{"candidate":"a b c","sdpMid":"0"},"connectionId":"dc"}})",
      R"({"payload":{"a":[[],{}],"b":"}]\"[{","c":true},"type":"ANSWER","dst":"y"})",
      "{\"payload\":\"\xe2\x82\xac \\u20ac\",\"dst\":\"z\"}",
      R"({"payload" : [ 1 , 2 ] , "type" : "T" })",
  };
  for (std::string_view text : texts) {
    SCOPED_TRACE(text);
    const RelayFields fields = scan_ok(text);
    const Json tree = parse_json_object(text, kDepth).value();
    EXPECT_EQ(fields.type, string_field(tree, "type"));
    EXPECT_EQ(fields.dst, string_field(tree, "dst"));
    EXPECT_EQ(Json::parse(fields.payload), tree.at("payload"));
  }
}

TEST(RelayFrameScan, HugeFrame) {
  const std::string sdp(1 << 20, 'a');
  const std::string text = R"({"type":"OFFER","dst":"b","payload":{"sdp":")" + sdp + R"("}})";
  const RelayFields fields = scan_ok(text);
  EXPECT_EQ(fields.payload.size(), sdp.size() + 10);
  EXPECT_EQ(fields.payload.data(), text.data() + text.find(R"({"sdp")"));
}

TEST(RelayFrameText, WritesWhatDumpWrites) {
  const std::string payload = R"({"connectionId":"dc","sdp":"v=0\r\n"})";
  const std::string strange = std::string("q\"b\\s/\b\f\n\r\t\x01\x1f\x7f \xc3\xa9 end");
  struct Case {
    std::string type, src, dst, payload;
  };
  const Case cases[] = {
      {"OFFER", "alice", "bob", payload},
      {"LEAVE", "alice", "bob", ""},
      {"CANDIDATE", strange, strange, "[1,\"x\"]"},
  };
  for (const auto& c : cases) {
    Json tree{{"type", c.type}, {"src", c.src}, {"dst", c.dst}};
    if (!c.payload.empty()) tree["payload"] = Json::parse(c.payload);
    EXPECT_EQ(relay_frame_text(c.type, c.src, c.dst, c.payload), to_text(tree));
  }
}

TEST(RelayFrameDispatch, PeerJsForwardsThePayloadBytesAsSent) {
  Harness h;
  h.open(1, Protocol::peerjs, "/peerjs/peerjs?key=peerjs&id=alice&token=t");
  h.open(2, Protocol::peerjs, "/peerjs/peerjs?key=peerjs&id=bob&token=t");
  const std::string payload = R"({ "sdp" : "v=0", "n":1.50, "connectionId":"dc_1" })";
  auto out = h.send(1, R"({"type":"OFFER","dst":"bob","payload":)" + payload + "}");
  ASSERT_EQ(out.deliveries.size(), 1u);
  EXPECT_EQ(*out.deliveries[0].frame, R"({"dst":"bob","payload":)" + payload + R"(,"src":"alice","type":"OFFER"})");
  // A repeated key goes through the tree; the last value wins there, as it always did.
  out = h.send(1, R"({"type":"HEARTBEAT","type":"ANSWER","dst":"bob","payload":{"connectionId":"dc_1"}})");
  EXPECT_EQ(only_frame(out, 2),
            Json::parse(R"({"type":"ANSWER","src":"alice","dst":"bob","payload":{"connectionId":"dc_1"}})"));
  // Malformed and too deep frames are dropped without a word, as the reference does.
  EXPECT_TRUE(h.send(1, R"({"type":"OFFER","dst":"bob","payload":{)").empty());
  EXPECT_EQ(h.counters().error_count(ErrorCode::bad_request), 1u);
}

}  // namespace
}  // namespace iceway::signaling
