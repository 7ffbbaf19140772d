// The named relay on /relay?name= (SPEC §6.3).
#include "signal/protocols/named_relay.hpp"

#include <gtest/gtest.h>

#include "test_support.hpp"

namespace iceway::signaling {
namespace {

using testing::close_for;
using testing::frames_for;
using testing::Harness;
using testing::only_frame;

TEST(NamedRelay, ConnectsSilently) {
  Harness h;
  auto out = h.open(1, Protocol::relay, "/relay?name=alice");
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(h.registry().holder(Protocol::relay, "alice"), ConnectionId{1});
}

TEST(NamedRelay, EveryTargetKeyRoutesWithSenderSet) {
  Harness h;
  h.open(1, Protocol::relay, "/relay?name=alice");
  h.open(2, Protocol::relay, "/relay?name=bob");
  for (const char* key : {"to", "toUser", "target", "name"}) {
    SCOPED_TRACE(key);
    Json message{{"type", "offer"}, {key, "bob"}, {"offer", {{"sdp", "v=0"}}}, {"from", "mallory"}};
    Json frame = only_frame(h.send_json(1, message), 2);
    Json expected = message;
    expected["from"] = "alice";
    expected["fromUser"] = "alice";
    EXPECT_EQ(frame, expected);
  }
  EXPECT_EQ(h.counters().message_count(Protocol::relay, relay_type::message), 4u);
}

TEST(NamedRelay, TargetKeysAreTriedInOrder) {
  Harness h;
  h.open(1, Protocol::relay, "/relay?name=alice");
  h.open(2, Protocol::relay, "/relay?name=bob");
  h.open(3, Protocol::relay, "/relay?name=carol");
  // `to` wins over `name` (tutorial answers often carry the sender's own name too).
  auto out = h.send(1, R"({"type":"answer","to":"bob","name":"carol"})");
  EXPECT_EQ(frames_for(out, 2).size(), 1u);
  EXPECT_TRUE(frames_for(out, 3).empty());
  // A non-string `to` is skipped.
  out = h.send(1, R"({"to":7,"target":"carol"})");
  EXPECT_EQ(frames_for(out, 3).size(), 1u);
}

TEST(NamedRelay, AbsentTargetIsAnsweredWithAnErrorNamingIt) {
  Harness h;
  h.open(1, Protocol::relay, "/relay?name=alice");
  Json frame = only_frame(h.send(1, R"({"type":"offer","toUser":"bob"})"), 1);
  EXPECT_EQ(frame["type"], "error");
  EXPECT_EQ(frame["code"], "peer-unavailable");
  EXPECT_EQ(frame["target"], "bob");
  EXPECT_NE(frame["message"].get<std::string>().find("bob"), std::string::npos);
  EXPECT_EQ(h.counters().error_count(ErrorCode::peer_unavailable), 1u);
}

TEST(NamedRelay, MessageWithoutTargetIsBadRequestButPingIsAnswered) {
  Harness h;
  h.open(1, Protocol::relay, "/relay?name=alice");
  Json frame = only_frame(h.send(1, R"({"type":"offer"})"), 1);
  EXPECT_EQ(frame["code"], "bad-request");
  EXPECT_EQ(only_frame(h.send(1, R"({"type":"ping"})"), 1), Json::parse(R"({"type":"pong"})"));
}

TEST(NamedRelay, SecondConnectionWithANameInUseIsRefusedAndClosed) {
  Harness h;
  h.open(1, Protocol::relay, "/relay?name=alice");
  auto out = h.open(2, Protocol::relay, "/relay?name=alice");
  Json frame = only_frame(out, 2);
  EXPECT_EQ(frame["type"], "error");
  EXPECT_EQ(frame["code"], "id-taken");
  EXPECT_NE(frame["message"].get<std::string>().find("alice"), std::string::npos);
  ASSERT_TRUE(close_for(out, 2));
  EXPECT_EQ(close_for(out, 2)->code, close_code::policy_violation);
  EXPECT_EQ(h.registry().holder(Protocol::relay, "alice"), ConnectionId{1});
}

TEST(NamedRelay, MissingOrInvalidNameIsRefused) {
  for (const char* target : {"/relay", "/relay?name=", "/relay?name=a%20b"}) {
    SCOPED_TRACE(target);
    Harness h;
    auto out = h.open(1, Protocol::relay, target);
    EXPECT_EQ(only_frame(out, 1)["code"], "bad-request");
    EXPECT_TRUE(close_for(out, 1));
  }
}

TEST(NamedRelay, NameIsFreeAgainAfterDisconnect) {
  Harness h;
  h.open(1, Protocol::relay, "/relay?name=alice");
  h.open(2, Protocol::relay, "/relay?name=bob");
  EXPECT_TRUE(h.close(1).empty());
  EXPECT_EQ(only_frame(h.send(2, R"({"to":"alice"})"), 2)["code"], "peer-unavailable");
  EXPECT_TRUE(h.open(3, Protocol::relay, "/relay?name=alice").empty());
}

}  // namespace
}  // namespace iceway::signaling
