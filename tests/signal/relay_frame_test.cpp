// The relay fast path: scan_relay_frame() must accept and refuse exactly what parse_json_object
// does, report the same fields a parsed tree would give, and hand back the payload's bytes as
// sent; relay_frame_text() must write what nlohmann's dump() writes.
#include "signal/relay_frame.hpp"

#include <gtest/gtest.h>

#include <thread>

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

// scan_relay_frame against parse_json_object on one text: the same error, or a success whose
// fields (when the fast path takes the frame) are the tree's. Returns whether it gave fields.
bool agrees_with_tree(std::string_view text, std::size_t depth) {
  SCOPED_TRACE(::testing::Message() << "depth " << depth << ": " << text.substr(0, 200));
  auto scanned = scan_relay_frame(text, depth);
  auto parsed = parse_json_object(text, depth);
  EXPECT_EQ(static_cast<bool>(scanned), static_cast<bool>(parsed));
  if (!scanned || !parsed) {
    if (!scanned && !parsed) {
      EXPECT_EQ(scanned.error(), parsed.error());
    }
    return false;
  }
  if (!scanned.value()) return false;
  const RelayFields& fields = *scanned.value();
  const Json& tree = parsed.value();
  EXPECT_EQ(fields.type, string_field(tree, "type"));
  EXPECT_EQ(fields.dst, string_field(tree, "dst"));
  EXPECT_EQ(fields.has_dst, tree.contains("dst"));
  const auto payload = tree.find("payload");
  EXPECT_EQ(fields.payload.empty(), payload == tree.end());
  if (payload != tree.end()) {
    EXPECT_EQ(fields.connection_id, string_field(*payload, "connectionId"));
    EXPECT_EQ(Json::parse(fields.payload, nullptr, false), *payload);
  }
  return true;
}

// A value nested `levels` deep: objects ({"a":...}) or arrays ([...]), the innermost one empty
// or holding a 1. levels == 0 is the scalar 1.
std::string nested(std::size_t levels, bool objects, bool empty_innermost) {
  std::string text = levels == 0 ? "1" : "";
  for (std::size_t i = 0; i < levels; ++i) {
    const bool innermost = i == 0;
    const std::string inside = innermost ? (empty_innermost ? "" : (objects ? R"("a":1)" : "1"))
                                         : (objects ? R"("a":)" + text : text);
    text = objects ? "{" + inside + "}" : "[" + inside + "]";
  }
  return text;
}

// simdjson counts depth its own way (an empty {} or [] is no level); whatever it decides, the
// result at and around the limit must be parse_json_object's, for every shape.
TEST(RelayFrameScan, DepthAtTheLimitIsTheTreesDepth) {
  for (std::size_t max : {0u, 1u, 2u, 3u, 8u, 32u}) {
    for (std::size_t levels = max > 0 ? max - 1 : 0; levels <= max + 2; ++levels) {
      for (bool objects : {true, false}) {
        for (bool empty : {true, false}) {
          const std::string value = nested(levels, objects, empty);
          agrees_with_tree(value, max);  // top level: an object, an array or a scalar
          if (levels > 0) agrees_with_tree(R"({"type":"T","payload":)" + nested(levels - 1, objects, empty) + "}", max);
          agrees_with_tree(R"({"type":"T","dst":"d","payload":)" + value + "}", max);
        }
      }
    }
  }
  // The exact boundary, spelled out: depth == max passes, max + 1 is too deep.
  EXPECT_TRUE(scan_relay_frame(nested(8, true, false), 8));
  EXPECT_TRUE(scan_relay_frame(nested(8, true, true), 8));
  EXPECT_TRUE(scan_relay_frame(R"({"payload":)" + nested(7, false, false) + "}", 8));
  EXPECT_EQ(scan_relay_frame(nested(9, true, true), 8).error(), JsonError::too_deep);
  EXPECT_EQ(scan_relay_frame(R"({"payload":)" + nested(8, false, true) + "}", 8).error(), JsonError::too_deep);
  EXPECT_EQ(scan_relay_frame("{}", 0).error(), JsonError::too_deep);
  EXPECT_EQ(scan_relay_frame("[]", 1).error(), JsonError::not_an_object);
  EXPECT_EQ(scan_relay_frame("[[]]", 1).error(), JsonError::too_deep);
  for (std::string_view scalar : {"1", "\"x\"", "true", "null", " -0.5e1 "}) {
    EXPECT_EQ(scan_relay_frame(scalar, 0).error(), JsonError::not_an_object) << scalar;
    EXPECT_EQ(scan_relay_frame(scalar, 8).error(), JsonError::not_an_object) << scalar;
  }
}

TEST(RelayFrameScan, DepthLimitMayChangeBetweenCalls) {
  // One thread's parser serves every limit the settings may give, in any order.
  const std::string five = R"({"payload":)" + nested(4, true, false) + "}";
  for (std::size_t max : {8u, 4u, 5u, 32u, 4u, 5u, 2u, 8u}) {
    auto scanned = scan_relay_frame(five, max);
    if (max < 5) {
      ASSERT_FALSE(scanned) << max;
      EXPECT_EQ(scanned.error(), JsonError::too_deep);
    } else {
      ASSERT_TRUE(scanned) << max;
      EXPECT_TRUE(scanned.value()) << max;
    }
  }
}

TEST(RelayFrameScan, NumbersBeyondSixtyFourBitsAreTheTreesNumbers) {
  // nlohmann reads these as floats; they pass, with their bytes as sent.
  const std::string_view big =
      R"({"type":"CANDIDATE","dst":"bob","payload":{"n":123456789012345678901234567890,"m":-123456789012345678901234567890,"u":18446744073709551616,"connectionId":"dc_1"}})";
  EXPECT_TRUE(agrees_with_tree(big, kDepth));
  const RelayFields fields = scan_ok(big);
  EXPECT_EQ(fields.type, "CANDIDATE");
  EXPECT_EQ(fields.dst, "bob");
  EXPECT_EQ(fields.connection_id, "dc_1");
  EXPECT_EQ(fields.payload,
            R"({"n":123456789012345678901234567890,"m":-123456789012345678901234567890,"u":18446744073709551616,"connectionId":"dc_1"})");
  for (std::string_view text : {R"({"payload":18446744073709551615})", R"({"payload":-9223372036854775808})",
                                R"({"payload":-9223372036854775809})", R"({"payload":1e-400})",
                                R"({"payload":1.7976931348623157e308})", R"({"payload":[0.1e1,-0,1E+2]})"}) {
    EXPECT_TRUE(agrees_with_tree(text, kDepth));
  }
  // Out of double's range: malformed, as parse_json_object says, wherever it is.
  for (std::string_view text : {R"({"payload":1e400})", R"({"payload":{"a":[-1e400]}})",
                                R"({"payload":1.7976931348623159e308})", R"({"type":"X","n":1e400,"dst":"y"})"}) {
    auto scanned = scan_relay_frame(text, kDepth);
    ASSERT_FALSE(scanned) << text;
    EXPECT_EQ(scanned.error(), JsonError::malformed) << text;
    agrees_with_tree(text, kDepth);
  }
}

TEST(RelayFrameScan, InvalidTextIsMalformedAsInTheTree) {
  const std::string cases[] = {
      "",
      " \t\r\n ",
      std::string("{\"payload\":\"a\0b\"}", 17),  // a raw NUL inside a string
      // nlohmann's lexer alone takes a NUL for the end of the input and would ignore what
      // follows one; contains_nul() refuses it on both paths.
      std::string("{\"payload\":1}\0", 14),
      std::string("{\"payload\":1} \0 ]x", 18),
      "{\"payload\":\"a\tb\"}",                   // raw control characters inside strings
      "{\"payload\":\"a\nb\"}",
      "{\"payload\":{\"connectionId\":\"\x1f\"}}",
      "{\"ty\x01pe\":1}",
      "{\"payload\":\"\xc0\x80\"}",          // overlong UTF-8
      "{\"payload\":\"\xed\xa0\x80\"}",      // a UTF-16 surrogate written in UTF-8
      "{\"payload\":\"\xf5\x80\x80\x80\"}",  // beyond U+10FFFF
      "{\"payload\":\"\xe2\x82\"}",          // truncated sequence
      "{\"payload\":\"\x80\"}",              // lone continuation byte
      "{\"a\":1}\xc3",                       // invalid UTF-8 after the object
      R"({"payload":"\udc00"})",               // lone low surrogate
      R"({"payload":"\ud800\ud800"})",         // high surrogate without its low one
      R"({"payload":"\x"})",
      R"({"payload":01})",
      R"({"payload":1.})",
      R"({"payload":-})",
      R"({"payload":tru})",
      R"({"payload":[1 2]})",
      R"({"payload" 1})",
      R"({"type":"OFFER"}])",
      R"({"type":"OFFER"}})",
      R"({"type":"OFFER"} null)",
      R"({"type":"OFFER"},)",
      "[1] x",
  };
  for (const auto& text : cases) {
    SCOPED_TRACE(::testing::Message() << ::testing::PrintToString(text));
    auto scanned = scan_relay_frame(text, kDepth);
    ASSERT_FALSE(scanned);
    EXPECT_EQ(scanned.error(), JsonError::malformed);
    agrees_with_tree(text, kDepth);
  }
}

TEST(RelayFrameScan, OddButValidTextAgreesWithTheTree) {
  const std::string cases[] = {
      "\xef\xbb\xbf{\"type\":\"OFFER\",\"payload\":1}",  // a byte order mark: nlohmann skips it
      R"({"type":"a\u0000b","dst":"\ud83d\ude00","payload":"\u0000"})",
      "{\"payload\":\"\x7f \xef\xbf\xbe \xf4\x8f\xbf\xbf\"}",  // DEL, U+FFFE, U+10FFFF
      R"({"payload":{"connection\u0049d":"escaped"}})",
      R"({"typ\u0065":"A","type":"B"})",
      " \n{\"payload\" :\t[ ] }\r\n",
  };
  for (const auto& text : cases) {
    EXPECT_TRUE(scan_relay_frame(text, kDepth)) << text;
    agrees_with_tree(text, kDepth);
  }
  EXPECT_EQ(scan_ok(R"({"type":"a\u0000b"})").type, std::string("a\0b", 3));
  EXPECT_EQ(scan_ok(R"({"payload":{"connection\u0049d":"escaped"}})").connection_id, "escaped");
}

TEST(RelayFrameScan, RepeatedConnectionIdLastOneWins) {
  EXPECT_EQ(scan_ok(R"({"payload":{"connectionId":"a","x":1,"connectionId":"b","connectionId":"c"}})").connection_id, "c");
  EXPECT_EQ(scan_ok(R"({"payload":{"connectionId":"a","connectionId":null}})").connection_id, "");
  EXPECT_EQ(scan_ok(R"({"payload":{"connectionId":{},"connectionId":"b"}})").connection_id, "b");
  EXPECT_EQ(scan_ok(R"({"payload":{"connectionId":"a","connection\u0049d":"b"}})").connection_id, "b");
  for (std::string_view text : {R"({"payload":{"connectionId":"a","x":1,"connectionId":"b","connectionId":"c"}})",
                                R"({"payload":{"connectionId":"a","connectionId":null}})",
                                R"({"payload":{"connectionId":"a","connection\u0049d":"b"}})"}) {
    EXPECT_TRUE(agrees_with_tree(text, kDepth));
  }
}

TEST(RelayFrameScan, FramesBeyondSixtyFourKilobytes) {
  // Above signal.max_frame_bytes' default, where the dispatcher would refuse them, but the
  // scan itself takes any size (2 x 64 KiB is what the WebSocket reader lets through).
  std::string candidates;
  for (int i = 0; candidates.size() < 130 * 1024; ++i) {
    candidates += (i ? "," : "") + std::string(R"({"candidate":"candidate:)") + std::to_string(i) +
                  R"( 1 udp 2122260223 192.0.2.1 54321 typ host","sdpMid":"0","n":)" + std::to_string(i) + "}";
  }
  const std::string text = R"({"type":"CANDIDATE","dst":"bob","payload":{"connectionId":"dc","list":[)" + candidates + "]}}";
  ASSERT_GT(text.size(), 128u * 1024);
  EXPECT_TRUE(agrees_with_tree(text, kDepth));
  EXPECT_EQ(scan_ok(text).connection_id, "dc");
  // The same size, broken at its very end, and a small frame after the big ones: the reused
  // parser keeps working.
  const std::string broken = text.substr(0, text.size() - 1) + "\xff";
  EXPECT_EQ(scan_relay_frame(broken, kDepth).error(), JsonError::malformed);
  EXPECT_EQ(scan_relay_frame(text.substr(0, text.size() - 1), kDepth).error(), JsonError::malformed);
  EXPECT_EQ(scan_ok(R"({"type":"OFFER","dst":"b","payload":{"connectionId":"x"}})").connection_id, "x");
  // Far above the size simdjson is used for: the exact path gives the same answers.
  const std::string huge = R"({"type":"OFFER","dst":"b","payload":{"sdp":")" + std::string(600 * 1024, 'v') +
                           R"(","connectionId":"dc"}})";
  EXPECT_TRUE(agrees_with_tree(huge, kDepth));
  EXPECT_EQ(scan_relay_frame(huge + "x", kDepth).error(), JsonError::malformed);
}

TEST(RelayFrameScan, EveryThreadHasItsOwnParser) {
  const std::string_view text = R"({"type":"OFFER","dst":"b","payload":{"connectionId":"t"}})";
  std::string seen;
  std::thread other([&] {
    auto scanned = scan_relay_frame(text, 5);
    if (scanned && scanned.value()) seen = scanned.value()->connection_id;
  });
  other.join();
  EXPECT_EQ(seen, "t");
  EXPECT_EQ(scan_ok(text).connection_id, "t");
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

TEST(ObjectText, RawValuesAsGivenStringsEscapedEmptyRawMembersLeftOut) {
  const JsonMember members[] = {
      {"a", R"({ "n" : 1.50 })"}, {"b", ""}, {"c", "q\"\n", true}, {"d", "", true}, {"e", "[]"}};
  EXPECT_EQ(object_text(members), R"({"a":{ "n" : 1.50 },"c":"q\"\n","d":"","e":[]})");
  EXPECT_EQ(object_text({}), "{}");
}

FrameMembers members_ok(std::string_view text) {
  auto members = scan_frame_members(text, kDepth);
  if (!members) {
    ADD_FAILURE() << "no fast path for " << text;
    return {};
  }
  return *members;
}

TEST(FrameMembersScan, MembersInOrderWithTheirRawValues) {
  const FrameMembers members = members_ok(R"( { "type" : "signal","to":"bob" , "data":{ "n" : 1.50 },"x":[1, "]"]} )");
  ASSERT_EQ(members.count, 4u);
  EXPECT_EQ(members.members[0].name, "type");
  EXPECT_EQ(members.members[0].value, R"("signal")");
  EXPECT_EQ(members.members[2].name, "data");
  EXPECT_EQ(members.members[2].value, R"({ "n" : 1.50 })");
  EXPECT_EQ(members.value("x"), R"([1, "]"])");
  EXPECT_EQ(members.value("absent"), "");
  EXPECT_EQ(members_ok("{}").count, 0u);
}

TEST(FrameMembersScan, PlainStringsOnly) {
  const FrameMembers members = members_ok(R"({"a":"bob","b":"","c":"b\u006fb","d":7,"e":null})");
  EXPECT_EQ(members.plain_string("a"), std::optional<std::string_view>("bob"));
  EXPECT_EQ(members.plain_string("b"), std::optional<std::string_view>(""));
  EXPECT_EQ(members.plain_string("c"), std::nullopt);  // escaped: its bytes are not the string
  EXPECT_EQ(members.plain_string("d"), std::nullopt);
  EXPECT_EQ(members.plain_string("e"), std::nullopt);
  EXPECT_EQ(members.plain_string("f"), std::nullopt);
}

TEST(FrameMembersScan, EverythingElseIsLeftToTheParse) {
  std::string many = "{";
  for (std::size_t i = 0; i <= kMaxScannedMembers; ++i) many += (i == 0 ? "\"k" : ",\"k") + std::to_string(i) + "\":1";
  many += "}";
  const std::string at_limit = many.substr(0, many.rfind(',')) + "}";
  EXPECT_EQ(members_ok(at_limit).count, kMaxScannedMembers);
  const std::string nested(kDepth + 1, '[');
  const std::string_view texts[] = {
      R"({"type":"signal","type":"broadcast"})",  // repeated: the tree keeps the last
      R"({"typ\u0065":"signal"})",                // an escaped name
      many,                                       // more members than the scan keeps
      R"({"type":"signal")",                      // malformed
      R"(["signal"])",                            // not an object
      "",
      nested,
  };
  for (std::string_view text : texts) {
    SCOPED_TRACE(text);
    EXPECT_FALSE(scan_frame_members(text, kDepth));
  }
  EXPECT_FALSE(scan_frame_members("{}", 0));
}

TEST(FrameMembersScan, AgreesWithTheTree) {
  const std::string_view texts[] = {
      R"({"type":"signal","to":"bob","data":{"sdp":"v=0\r\n","n":[1,2.5,null,true]}})",
      "{\"data\":\"\xe2\x82\xac \\u20ac \\\"}\\\\\",\"from\" : -0.5e3 , \"z\":{}}",
      R"({"a":{"b":{"c":[{}]}},"d":false})",
  };
  for (std::string_view text : texts) {
    SCOPED_TRACE(text);
    const FrameMembers members = members_ok(text);
    const Json tree = parse_json_object(text, kDepth).value();
    ASSERT_EQ(members.count, tree.size());
    for (std::size_t i = 0; i < members.count; ++i) {
      EXPECT_EQ(Json::parse(members.members[i].value), tree.at(std::string(members.members[i].name)));
    }
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

TEST(RelayFrameDispatch, NativeSignalAndBroadcastForwardDataAsSent) {
  Harness h;
  h.open(1, Protocol::native, "/ws?id=alice");
  h.open(2, Protocol::native, "/ws?id=bob");
  h.send(1, R"({"type":"join","room":"call"})");
  h.send(2, R"({"type":"join","room":"call"})");
  const std::string data = R"({ "sdp" : "v=0\r\n", "n":1.50, "e":"\u20ac" })";
  auto out = h.send(1, R"({"ref":"r1","to":"bob","type":"signal","data":)" + data + "}");
  ASSERT_EQ(out.deliveries.size(), 1u);
  EXPECT_EQ(out.deliveries[0].to, ConnectionId{2});
  EXPECT_EQ(*out.deliveries[0].frame, R"({"data":)" + data + R"(,"from":"alice","type":"signal"})");
  out = h.send(1, R"({"type":"broadcast","room":"call","data":)" + data + "}");
  ASSERT_EQ(out.deliveries.size(), 1u);
  EXPECT_EQ(*out.deliveries[0].frame, R"({"data":)" + data + R"(,"from":"alice","room":"call","type":"broadcast"})");
  // What the scan leaves to the parse arrives the same, re-serialised: an escaped target, a
  // repeated key (the last one wins).
  EXPECT_EQ(only_frame(h.send(1, R"({"type":"signal","to":"b\u006fb","data":[1]})"), 2),
            Json::parse(R"({"type":"signal","from":"alice","data":[1]})"));
  EXPECT_EQ(only_frame(h.send(1, R"({"type":"signal","to":"bob","data":1,"data":2})"), 2),
            Json::parse(R"({"type":"signal","from":"alice","data":2})"));
  EXPECT_EQ(h.counters().message_count(Protocol::native, native_type::signal), 3u);
  EXPECT_EQ(h.counters().message_count(Protocol::native, native_type::broadcast), 1u);
}

TEST(RelayFrameDispatch, NamedRelayCopiesTheMembersAndStampsTheSender) {
  Harness h;
  h.open(1, Protocol::relay, "/relay?name=alice");
  h.open(2, Protocol::relay, "/relay?name=bob");
  // Keys come out in the parse path's order, values as sent; a forged sender is replaced.
  auto out = h.send(1, R"({"type":"offer","toUser":"bob","sdp":{ "n" : 1.50 },"fromUser":"mallory","a":[]})");
  ASSERT_EQ(out.deliveries.size(), 1u);
  EXPECT_EQ(out.deliveries[0].to, ConnectionId{2});
  EXPECT_EQ(*out.deliveries[0].frame,
            R"({"a":[],"from":"alice","fromUser":"alice","sdp":{ "n" : 1.50 },"toUser":"bob","type":"offer"})");
  // Left to the parse: an escaped target; a non-string `to` is skipped for the next key either way.
  EXPECT_EQ(only_frame(h.send(1, R"({"to":"b\u006fb","x":1})"), 2),
            Json::parse(R"({"to":"bob","x":1,"from":"alice","fromUser":"alice"})"));
  EXPECT_EQ(only_frame(h.send(1, R"({"to":7,"target":"bob"})"), 2),
            Json::parse(R"({"to":7,"target":"bob","from":"alice","fromUser":"alice"})"));
  EXPECT_EQ(h.counters().message_count(Protocol::relay, relay_type::message), 3u);
}

}  // namespace
}  // namespace iceway::signaling
