// y-webrtc's signaling protocol on /yjs (SPEC §6.4), as its bin/server.js behaves.
#include "signal/protocols/yjs.hpp"

#include <gtest/gtest.h>

#include "test_support.hpp"

namespace iceway::signaling {
namespace {

using testing::frames_for;
using testing::Harness;
using testing::only_frame;

TEST(Yjs, PublishReachesEverySubscriberIncludingTheSenderWithClients) {
  Harness h;
  for (ConnectionId id : {1, 2, 3, 4}) EXPECT_TRUE(h.open(id, Protocol::yjs, "/yjs").empty());
  for (ConnectionId id : {1, 2, 3}) h.send(id, R"({"type":"subscribe","topics":["doc-1"]})");
  const Json message = Json::parse(R"({"type":"publish","topic":"doc-1","data":{"type":"announce","from":"x"}})");
  auto out = h.send_json(1, message);
  Json expected = message;
  expected["clients"] = 3;
  for (ConnectionId id : {1, 2, 3}) EXPECT_EQ(only_frame(out, id), expected) << id;
  EXPECT_TRUE(frames_for(out, 4).empty());
}

TEST(Yjs, PublishWithoutSubscribingStillReachesSubscribers) {
  // The reference does not require the publisher to subscribe.
  Harness h;
  h.open(1, Protocol::yjs, "/yjs");
  h.open(2, Protocol::yjs, "/yjs");
  h.send(2, R"({"type":"subscribe","topics":["t"]})");
  auto out = h.send(1, R"({"type":"publish","topic":"t","data":1})");
  EXPECT_EQ(only_frame(out, 2)["clients"], 1);
  EXPECT_TRUE(frames_for(out, 1).empty());
}

TEST(Yjs, PublishToATopicNobodyHasIsDropped) {
  Harness h;
  h.open(1, Protocol::yjs, "/yjs");
  EXPECT_TRUE(h.send(1, R"({"type":"publish","topic":"empty","data":1})").empty());
  EXPECT_TRUE(h.send(1, R"({"type":"publish","data":1})").empty());
}

TEST(Yjs, UnsubscribeAndDisconnectStopDelivery) {
  Harness h;
  for (ConnectionId id : {1, 2, 3}) h.open(id, Protocol::yjs, "/yjs");
  for (ConnectionId id : {1, 2, 3}) h.send(id, R"({"type":"subscribe","topics":["a","b"]})");
  h.send(2, R"({"type":"unsubscribe","topics":["a"]})");
  h.close(3);
  auto out = h.send(1, R"({"type":"publish","topic":"a"})");
  EXPECT_EQ(only_frame(out, 1)["clients"], 1);
  EXPECT_TRUE(frames_for(out, 2).empty());
  out = h.send(1, R"({"type":"publish","topic":"b"})");
  EXPECT_EQ(only_frame(out, 2)["clients"], 2);
  EXPECT_EQ(h.counters().rooms_active.value(), 2);
}

TEST(Yjs, SubscribeIgnoresNonStringsAndRepeats) {
  Harness h;
  h.open(1, Protocol::yjs, "/yjs");
  EXPECT_TRUE(h.send(1, R"({"type":"subscribe","topics":["t",5,null,"t"]})").empty());
  EXPECT_TRUE(h.send(1, R"({"type":"subscribe"})").empty());
  EXPECT_TRUE(h.send(1, R"({"type":"subscribe","topics":"t"})").empty());
  EXPECT_EQ(h.registry().find(1)->rooms.size(), 1u);
}

TEST(Yjs, PingPong) {
  Harness h;
  h.open(1, Protocol::yjs, "/yjs");
  EXPECT_EQ(only_frame(h.send(1, R"({"type":"ping"})"), 1), Json::parse(R"({"type":"pong"})"));
}

TEST(Yjs, TopicLimitsAreRoomLimits) {
  Settings settings;
  settings.max_rooms_per_connection = 2;
  settings.max_peers_per_room = 1;
  Harness h(settings);
  h.open(1, Protocol::yjs, "/yjs");
  h.open(2, Protocol::yjs, "/yjs");
  Json too_many = only_frame(h.send(1, R"({"type":"subscribe","topics":["a","b","c","d"]})"), 1);
  EXPECT_EQ(too_many["code"], "too-many-rooms");
  EXPECT_EQ(h.registry().find(1)->rooms, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(only_frame(h.send(2, R"({"type":"subscribe","topics":["a"]})"), 2)["code"], "room-full");
  EXPECT_EQ(only_frame(h.send_json(2, Json{{"type", "subscribe"}, {"topics", {std::string(257, 't')}}}), 2)["code"],
            "bad-request");
}

TEST(Yjs, UnknownTypeIsBadRequest) {
  Harness h;
  h.open(1, Protocol::yjs, "/yjs");
  EXPECT_EQ(only_frame(h.send(1, R"({"type":"dance"})"), 1)["code"], "bad-request");
  EXPECT_EQ(h.counters().message_count(Protocol::yjs, yjs_type::invalid), 1u);
}

TEST(Yjs, CountsMessagesByType) {
  Harness h;
  h.open(1, Protocol::yjs, "/yjs");
  h.send(1, R"({"type":"subscribe","topics":["a"]})");
  h.send(1, R"({"type":"publish","topic":"a"})");
  h.send(1, R"({"type":"publish","topic":"a"})");
  h.send(1, R"({"type":"unsubscribe","topics":["a"]})");
  h.send(1, R"({"type":"ping"})");
  EXPECT_EQ(h.counters().message_count(Protocol::yjs, yjs_type::subscribe), 1u);
  EXPECT_EQ(h.counters().message_count(Protocol::yjs, yjs_type::publish), 2u);
  EXPECT_EQ(h.counters().message_count(Protocol::yjs, yjs_type::unsubscribe), 1u);
  EXPECT_EQ(h.counters().message_count(Protocol::yjs, yjs_type::ping), 1u);
}

}  // namespace
}  // namespace iceway::signaling
