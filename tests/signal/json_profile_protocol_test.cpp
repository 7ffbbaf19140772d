// JSON app profiles (issue 12): tutorial 001's and 003's servers described as data.
#include "signal/profiles/json_profile_protocol.hpp"

#include <gtest/gtest.h>

#include "test_support.hpp"

namespace iceway::signaling {
namespace {

using testing::close_for;
using testing::frames_for;
using testing::Harness;
using testing::only_frame;

constexpr const char* kOffline = R"({"type":"call_back","fromUser":"系统消息","msg":"Sorry，呼叫的用户不在线！"})";

// Tutorial 001: /device/chat?name=, receiver toUser, sender fromUser, its call_back when offline.
JsonProfile device_chat() {
  JsonProfile profile;
  profile.path = "/device/chat";
  profile.name_query = {"name"};
  profile.receiver_fields = {"toUser"};
  profile.sender_field = "fromUser";
  profile.offline = kOffline;
  return profile;
}

// Tutorial 003: /video, the name from ?name= or the first message's `from`, receiver `name`.
JsonProfile video() {
  JsonProfile profile;
  profile.path = "/video";
  profile.name_query = {"name"};
  profile.name_fields = {"from"};
  profile.receiver_fields = {"name"};
  profile.sender_field = "from";
  profile.offline = R"({"type":"leave"})";
  profile.offline_name_field = "from";
  return profile;
}

Settings with(std::vector<JsonProfile> profiles) {
  Settings settings;
  settings.json_profiles = std::move(profiles);
  return settings;
}

// The one frame for `id` as text: what the receiving page's JSON.parse sees.
std::string only_text(const Outbox& out, ConnectionId id) {
  std::vector<std::string> texts;
  for (const auto& delivery : out.deliveries)
    if (delivery.to == id) texts.push_back(*delivery.frame);
  EXPECT_EQ(texts.size(), 1u);
  return texts.empty() ? std::string() : texts.front();
}

TEST(JsonProfile, ForwardsTheAppsJsonAsWrittenWithOnlyTheSenderFieldSet) {
  Harness h(with({device_chat()}));
  h.open(1, Protocol::profile, "/device/chat?name=fanly");
  h.open(2, Protocol::profile, "/device/chat?name=%E5%B0%8F%E6%98%8E");  // 小明
  // Keys in the page's order, the SDP untouched, fromUser replaced by the server's name for the
  // sender (a page cannot pose as another user).
  const std::string text = only_text(h.send(1, R"({"type":"offer","toUser":"小明","fromUser":"mallory","sdp":"v=0\r\n"})"), 2);
  EXPECT_EQ(text, R"({"type":"offer","toUser":"小明","fromUser":"fanly","sdp":"v=0\r\n"})");
  // Without the field, it is added at the end.
  EXPECT_EQ(only_text(h.send(2, R"({"type":"call_back","toUser":"fanly","msg":"1"})"), 1),
            R"({"type":"call_back","toUser":"fanly","msg":"1","fromUser":"小明"})");
  EXPECT_EQ(h.counters().message_count(Protocol::profile, profile_type::message), 2u);
}

TEST(JsonProfile, AnOfflineReceiverGetsTheProfilesAnswerInTheAppsShape) {
  Harness h(with({device_chat()}));
  h.open(1, Protocol::profile, "/device/chat?name=fanly");
  EXPECT_EQ(only_text(h.send(1, R"({"type":"call_start","toUser":"nobody","fromUser":"fanly"})"), 1), kOffline);
  EXPECT_EQ(h.counters().error_count(ErrorCode::peer_unavailable), 1u);
}

TEST(JsonProfile, TheOfflineAnswerCanNameTheReceiver) {
  Harness h(with({video()}));
  h.open(1, Protocol::profile, "/video?name=alice");
  EXPECT_EQ(only_text(h.send(1, R"({"type":"offer","name":"bob","from":"alice"})"), 1), R"({"type":"leave","from":"bob"})");
}

TEST(JsonProfile, WithoutAReceiverTheSenderGetsACountedError) {
  Harness h(with({device_chat()}));
  h.open(1, Protocol::profile, "/device/chat?name=fanly");
  Json frame = only_frame(h.send(1, R"({"type":"hangup"})"), 1);
  EXPECT_EQ(frame["code"], "bad-request");
  EXPECT_NE(frame["message"].get<std::string>().find("toUser"), std::string::npos);
  EXPECT_EQ(h.counters().message_count(Protocol::profile, profile_type::invalid), 1u);
  EXPECT_EQ(h.counters().error_count(ErrorCode::bad_request), 1u);
}

TEST(JsonProfile, TheNameCanComeFromTheFirstMessage) {
  Harness h(with({video()}));
  h.open(1, Protocol::profile, "/video");  // the caller's page as written: no name in the URL
  h.open(2, Protocol::profile, "/video?name=bob");  // the callee: its name is in the URL
  const std::string offer = only_text(h.send(1, R"({"type":"offer","sdp":"v=0","name":"bob","from":"alice"})"), 2);
  EXPECT_EQ(offer, R"({"type":"offer","sdp":"v=0","name":"bob","from":"alice"})");
  EXPECT_EQ(h.registry().holder(Protocol::profile, "alice"), ConnectionId{1});
  // So bob can answer alice by name.
  EXPECT_EQ(only_text(h.send(2, R"({"type":"answer","name":"alice","from":"bob"})"), 1),
            R"({"type":"answer","name":"alice","from":"bob"})");
  // A later `from` does not rename the connection.
  h.send(1, R"({"type":"candidate","name":"bob","from":"eve"})");
  EXPECT_EQ(h.registry().holder(Protocol::profile, "alice"), ConnectionId{1});
  EXPECT_FALSE(h.registry().holder(Protocol::profile, "eve"));
}

TEST(JsonProfile, ANameInUseIsRefusedAndClosed) {
  Harness h(with({device_chat(), video()}));
  h.open(1, Protocol::profile, "/device/chat?name=fanly");
  auto out = h.open(2, Protocol::profile, "/device/chat?name=fanly");
  EXPECT_EQ(only_frame(out, 2)["code"], "id-taken");
  EXPECT_TRUE(close_for(out, 2));
  // By the first message too.
  h.open(3, Protocol::profile, "/video");
  out = h.send(3, R"({"type":"offer","name":"x","from":"fanly"})");
  EXPECT_EQ(only_frame(out, 3)["code"], "id-taken");
  EXPECT_TRUE(close_for(out, 3));
}

TEST(JsonProfile, NamesMustBeShortAndFreeOfControlCharacters) {
  EXPECT_TRUE(JsonProfileProtocol::valid_name("小明"));
  EXPECT_TRUE(JsonProfileProtocol::valid_name(std::string(128, 'a')));
  EXPECT_FALSE(JsonProfileProtocol::valid_name(""));
  EXPECT_FALSE(JsonProfileProtocol::valid_name(std::string(129, 'a')));
  EXPECT_FALSE(JsonProfileProtocol::valid_name("a\nb"));
  Harness h(with({device_chat()}));
  auto out = h.open(1, Protocol::profile, "/device/chat?name=a%0Ab");
  EXPECT_EQ(only_frame(out, 1)["code"], "bad-request");
  EXPECT_TRUE(close_for(out, 1));
}

TEST(JsonProfile, EachConnectionFollowsTheProfileOfItsPath) {
  Harness h(with({device_chat(), video()}));
  h.open(1, Protocol::profile, "/device/chat?name=a");
  h.open(2, Protocol::profile, "/video?name=b");
  // On /video the receiver field is `name`, so a toUser means nothing there.
  EXPECT_EQ(only_frame(h.send(2, R"({"type":"offer","toUser":"a"})"), 2)["code"], "bad-request");
  EXPECT_TRUE(frames_for(h.send(1, R"({"type":"offer","toUser":"b"})"), 2).size() == 1);
}

TEST(JsonProfile, AConnectionGoneFreesItsName) {
  Harness h(with({device_chat()}));
  h.open(1, Protocol::profile, "/device/chat?name=fanly");
  h.close(1);
  EXPECT_FALSE(h.registry().holder(Protocol::profile, "fanly"));
  EXPECT_TRUE(h.open(2, Protocol::profile, "/device/chat?name=fanly").empty());
}

}  // namespace
}  // namespace iceway::signaling
