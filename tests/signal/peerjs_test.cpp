// The PeerJS-compatible server (SPEC §6.2), checked against the reference server's behaviour as
// the peerjs 1.5 client sees it, plus the improvements the issue asks for.
#include "signal/protocols/peerjs.hpp"

#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "signal/peer_id.hpp"
#include "test_support.hpp"

namespace iceway::signaling {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::close_for;
using testing::frames_for;
using testing::Harness;
using testing::only_frame;

std::string socket_url(std::string_view id, std::string_view token = "tok", std::string_view key = "peerjs") {
  return "/peerjs/peerjs?key=" + std::string(key) + "&id=" + std::string(id) + "&token=" + std::string(token) +
         "&version=1.5.4";
}

std::string percent_encode_space(std::string_view text) {
  std::string out;
  for (char c : text) out += c == ' ' ? std::string("%20") : std::string(1, c);
  return out;
}

const Json kOpen = Json::parse(R"({"type":"OPEN"})");

Json error_frame(std::string_view type, std::string_view msg) {
  return Json{{"type", type}, {"payload", {{"msg", msg}}}};
}

Json offer(std::string_view dst, std::string_view connection_id = "dc_1") {
  return Json{{"type", "OFFER"},
              {"dst", dst},
              {"payload", {{"sdp", {{"type", "offer"}, {"sdp", "v=0"}}}, {"type", "data"}, {"connectionId", connection_id}}}};
}

Json answer(std::string_view dst, std::string_view connection_id = "dc_1") {
  return Json{{"type", "ANSWER"},
              {"dst", dst},
              {"payload", {{"sdp", {{"type", "answer"}, {"sdp", "v=0"}}}, {"type", "data"}, {"connectionId", connection_id}}}};
}

Json candidate(std::string_view dst, int n, std::string_view connection_id = "dc_1") {
  return Json{{"type", "CANDIDATE"},
              {"dst", dst},
              {"payload", {{"candidate", {{"candidate", "candidate:" + std::to_string(n)}}}, {"type", "data"},
                           {"connectionId", connection_id}}}};
}

TEST(PeerJsConnect, OpenOnSuccess) {
  Harness h;
  auto out = h.open(1, Protocol::peerjs, socket_url("alice"));
  EXPECT_EQ(only_frame(out, 1), kOpen);
  EXPECT_TRUE(out.closes.empty());
  EXPECT_EQ(h.registry().holder(Protocol::peerjs, "alice"), ConnectionId{1});
}

TEST(PeerJsConnect, ReferenceErrorsAndClose) {
  struct Case {
    const char* name;
    std::string url;
    std::string_view msg;
  };
  const Case cases[] = {
      {"no id", "/peerjs/peerjs?key=peerjs&token=t", peerjs_text::kInvalidWsParameters},
      {"no token", "/peerjs/peerjs?key=peerjs&id=a", peerjs_text::kInvalidWsParameters},
      {"no key", "/peerjs/peerjs?id=a&token=t", peerjs_text::kInvalidWsParameters},
      {"empty id", "/peerjs/peerjs?key=peerjs&id=&token=t", peerjs_text::kInvalidWsParameters},
      {"wrong key", socket_url("a", "t", "nope"), peerjs_text::kInvalidKey},
      {"control character in id", socket_url("a%0Ab"), peerjs_text::kInvalidWsParameters},
      {"id too long", socket_url(std::string(129, 'a')), peerjs_text::kInvalidWsParameters},
      // What the peerjs client's own validateId refuses (peer_id.hpp).
      {"newline and a forged log field in id", socket_url("a%0Ainfo%20signaling%20connect"),
       peerjs_text::kInvalidWsParameters},
      {"two spaces in id", socket_url("a%20%20b"), peerjs_text::kInvalidWsParameters},
      {"leading space in id", socket_url("%20a"), peerjs_text::kInvalidWsParameters},
      {"equals sign in id", socket_url("a%3Db"), peerjs_text::kInvalidWsParameters},
      {"dot in id", socket_url("a.b"), peerjs_text::kInvalidWsParameters},
      {"space in token", socket_url("a", "t%20u"), peerjs_text::kInvalidWsParameters},
      {"token too long", socket_url("a", std::string(129, 't')), peerjs_text::kInvalidWsParameters},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    Harness h;
    auto out = h.open(1, Protocol::peerjs, c.url);
    EXPECT_EQ(only_frame(out, 1), error_frame("ERROR", c.msg));
    EXPECT_TRUE(close_for(out, 1));
    EXPECT_EQ(h.registry().connection_count(), 0u);
  }
}

TEST(PeerJsConnect, ReferenceStringsAreExact) {
  // src/enums.ts of the reference server.
  EXPECT_EQ(peerjs_text::kInvalidKey, "Invalid key provided");
  EXPECT_EQ(peerjs_text::kInvalidWsParameters, "No id, token, or key supplied to websocket server");
  EXPECT_EQ(peerjs_text::kConnectionLimitExceeded, "Server has reached its concurrent user limit");
  EXPECT_EQ(peerjs_text::kIdTaken, "ID is taken");
}

TEST(PeerJsConnect, ConcurrentLimit) {
  Settings settings;
  settings.peerjs_concurrent_limit = 2;
  Harness h(settings);
  h.open(1, Protocol::peerjs, socket_url("a"));
  h.open(2, Protocol::peerjs, socket_url("b"));
  auto out = h.open(3, Protocol::peerjs, socket_url("c"));
  EXPECT_EQ(only_frame(out, 3), error_frame("ERROR", peerjs_text::kConnectionLimitExceeded));
  EXPECT_TRUE(close_for(out, 3));
  EXPECT_EQ(h.counters().error_count(ErrorCode::too_many_connections), 1u);
  // A same-token reconnect is not a new client and is not counted against the limit.
  EXPECT_EQ(only_frame(h.open(4, Protocol::peerjs, socket_url("a")), 4), kOpen);
}

TEST(PeerJsConnect, IdTakenWithAnotherToken) {
  Harness h;
  h.open(1, Protocol::peerjs, socket_url("alice", "first"));
  auto out = h.open(2, Protocol::peerjs, socket_url("alice", "second"));
  EXPECT_EQ(only_frame(out, 2), error_frame("ID-TAKEN", "ID is taken"));
  EXPECT_TRUE(close_for(out, 2));
  EXPECT_FALSE(close_for(out, 1));
  EXPECT_EQ(h.registry().holder(Protocol::peerjs, "alice"), ConnectionId{1});
  EXPECT_EQ(h.counters().error_count(ErrorCode::id_taken), 1u);
}

TEST(PeerJsConnect, SameIdAndTokenReconnectGetsOpenAndClosesTheStaleSocket) {
  Harness h;
  h.open(1, Protocol::peerjs, socket_url("alice", "tok"));
  h.open(2, Protocol::peerjs, socket_url("bob"));
  auto out = h.open(3, Protocol::peerjs, socket_url("alice", "tok"));
  EXPECT_EQ(only_frame(out, 3), kOpen);
  ASSERT_TRUE(close_for(out, 1));
  EXPECT_EQ(close_for(out, 1)->code, close_code::normal);
  EXPECT_TRUE(frames_for(out, 2).empty());  // nobody is told alice left: she did not
  EXPECT_EQ(h.registry().holder(Protocol::peerjs, "alice"), ConnectionId{3});
  // Messages for alice reach the new socket; the stale socket's late close changes nothing.
  EXPECT_TRUE(h.close(1).empty());
  auto relayed = h.send_json(2, offer("alice"));
  EXPECT_EQ(frames_for(relayed, 3).size(), 1u);
  // Frames still in flight from the replaced socket speak for nobody.
  EXPECT_TRUE(h.send_json(1, offer("bob")).empty());
}

TEST(PeerJsRelay, ServerSetsSrcAndForwardsOnlyTypeSrcDstPayload) {
  Harness h;
  h.open(1, Protocol::peerjs, socket_url("alice"));
  h.open(2, Protocol::peerjs, socket_url("bob"));
  Json message = offer("bob");
  message["src"] = "mallory";
  message["extra"] = "dropped";
  Json frame = only_frame(h.send_json(1, message), 2);
  Json expected = offer("bob");
  expected["src"] = "alice";
  EXPECT_EQ(frame, expected);
}

TEST(PeerJsRelay, EveryRelayedTypeArrives) {
  Harness h;
  h.open(1, Protocol::peerjs, socket_url("alice"));
  h.open(2, Protocol::peerjs, socket_url("bob"));
  for (const char* type : {"OFFER", "ANSWER", "CANDIDATE", "LEAVE", "EXPIRE"}) {
    SCOPED_TRACE(type);
    Json frame = only_frame(h.send_json(1, Json{{"type", type}, {"dst", "bob"}, {"payload", {{"k", 1}}}}), 2);
    EXPECT_EQ(frame["type"], type);
    EXPECT_EQ(frame["src"], "alice");
    EXPECT_EQ(frame["dst"], "bob");
  }
  EXPECT_EQ(h.counters().message_count(Protocol::peerjs, peerjs_type::offer), 1u);
  EXPECT_EQ(h.counters().message_count(Protocol::peerjs, peerjs_type::expire), 1u);
}

TEST(PeerJsRelay, HeartbeatAndUnknownTypesAreNotAnswered) {
  Harness h;
  h.open(1, Protocol::peerjs, socket_url("alice"));
  EXPECT_TRUE(h.send(1, R"({"type":"HEARTBEAT"})").empty());
  EXPECT_TRUE(h.send(1, R"({"type":"SOMETHING","dst":"alice"})").empty());
  EXPECT_TRUE(h.send(1, R"({"dst":"alice"})").empty());
  EXPECT_EQ(h.counters().message_count(Protocol::peerjs, peerjs_type::heartbeat), 1u);
  EXPECT_EQ(h.counters().message_count(Protocol::peerjs, peerjs_type::invalid), 2u);
}

TEST(PeerJsRelay, LeaveWithoutDstRemovesTheClient) {
  Harness h;
  h.open(1, Protocol::peerjs, socket_url("alice"));
  auto out = h.send(1, R"({"type":"LEAVE"})");
  EXPECT_TRUE(close_for(out, 1));
  EXPECT_FALSE(h.registry().holder(Protocol::peerjs, "alice"));
}

TEST(PeerJsRelay, ADstNoClientCouldHoldIsAnsweredWithExpireAndNeitherQueuedNorSent) {
  struct Case {
    const char* name;
    std::string dst;
  };
  const std::vector<Case> cases = {
      {"60 KiB", std::string(60 * 1024, 'x')},
      {"one past the length bound", std::string(kMaxPeerIdLength + 1, 'x')},
      {"newline", "bob\ninfo fake line"},
      {"two spaces", "bob  smith"},
      {"trailing separator", "bob-"},
      {"dot", "bob.smith"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    Harness h;
    h.open(1, Protocol::peerjs, socket_url("alice"));
    auto out = h.send_json(1, offer(c.dst));
    EXPECT_EQ(only_frame(out, 1), (Json{{"type", "EXPIRE"}, {"src", c.dst}, {"dst", "alice"}}));
    EXPECT_EQ(h.dispatcher().peerjs().queue_count(), 0u);
    EXPECT_EQ(h.dispatcher().peerjs().queued_bytes(), 0u);
    EXPECT_EQ(h.counters().error_count(ErrorCode::bad_request), 1u);
    // LEAVE and EXPIRE to such a dst are dropped, as for any absent peer.
    EXPECT_TRUE(h.send_json(1, Json{{"type", "LEAVE"}, {"dst", c.dst}}).empty());
  }
}

TEST(PeerJsRelay, IdsTheClientAcceptsAreRelayed) {
  Harness h;
  h.open(1, Protocol::peerjs, socket_url("alice"));
  for (std::string_view id : {"bob smith", "bob_smith-2", "3f2b8c1e-9d4a-4f6e-8b7c-1a2b3c4d5e6f"}) {
    SCOPED_TRACE(id);
    const std::string url = "/peerjs/peerjs?key=peerjs&id=" + percent_encode_space(id) + "&token=tok";
    EXPECT_EQ(only_frame(h.open(2, Protocol::peerjs, url), 2), kOpen);
    EXPECT_EQ(only_frame(h.send_json(1, offer(id)), 2)["src"], "alice");
    h.close(2);
  }
}

TEST(PeerJsQueue, MessagesForAPeerThatConnectsLaterArriveAfterOpenInOrder) {
  Harness h;
  h.open(1, Protocol::peerjs, socket_url("alice"));
  EXPECT_TRUE(h.send_json(1, offer("bob")).empty());
  EXPECT_TRUE(h.send_json(1, candidate("bob", 1)).empty());
  EXPECT_TRUE(h.send_json(1, candidate("bob", 2)).empty());
  EXPECT_EQ(h.dispatcher().peerjs().queued_messages(), 3u);
  h.advance(seconds(4));
  auto out = h.open(2, Protocol::peerjs, socket_url("bob"));
  auto frames = frames_for(out, 2);
  ASSERT_EQ(frames.size(), 4u);
  EXPECT_EQ(frames[0], kOpen);
  EXPECT_EQ(frames[1]["type"], "OFFER");
  EXPECT_EQ(frames[2]["payload"]["candidate"]["candidate"], "candidate:1");
  EXPECT_EQ(frames[3]["payload"]["candidate"]["candidate"], "candidate:2");
  for (std::size_t i = 1; i < frames.size(); ++i) EXPECT_EQ(frames[i]["src"], "alice");
  EXPECT_EQ(h.dispatcher().peerjs().queued_messages(), 0u);
  EXPECT_EQ(h.dispatcher().peerjs().queued_bytes(), 0u);
  // Claimed: nothing expires later.
  EXPECT_TRUE(h.advance(seconds(10)).deliveries.empty());
}

TEST(PeerJsQueue, UnclaimedQueueSendsOneExpireToTheSenderAfterExpireTimeout) {
  Harness h;
  h.open(1, Protocol::peerjs, socket_url("alice"));
  h.send_json(1, offer("bob"));
  h.send_json(1, candidate("bob", 1));
  h.send_json(1, candidate("bob", 2));
  EXPECT_TRUE(h.advance(milliseconds(4999)).deliveries.empty());
  auto out = h.advance(milliseconds(1));
  EXPECT_EQ(only_frame(out, 1), Json::parse(R"({"type":"EXPIRE","src":"bob","dst":"alice"})"));
  EXPECT_EQ(h.dispatcher().peerjs().queued_messages(), 0u);
  EXPECT_EQ(h.dispatcher().peerjs().queued_bytes(), 0u);
  EXPECT_EQ(h.counters().error_count(ErrorCode::peer_unavailable), 1u);
  // bob arriving now gets OPEN and nothing stale.
  EXPECT_EQ(only_frame(h.open(2, Protocol::peerjs, socket_url("bob")), 2), kOpen);
}

TEST(PeerJsQueue, DrainingTellsEachSenderOfAQueueBeforeClosingIt) {
  Harness h;
  h.open(1, Protocol::peerjs, socket_url("alice"));
  h.open(2, Protocol::peerjs, socket_url("carol"));
  h.send_json(1, offer("bob"));
  h.send_json(1, candidate("bob", 1));
  h.send_json(2, offer("bob", "dc_2"));
  auto out = h.dispatcher().close_all(close_code::going_away, "server shutting down", h.now);
  EXPECT_EQ(only_frame(out, 1), Json::parse(R"({"type":"EXPIRE","src":"bob","dst":"alice"})"));
  EXPECT_EQ(only_frame(out, 2), Json::parse(R"({"type":"EXPIRE","src":"bob","dst":"carol"})"));
  ASSERT_EQ(out.closes.size(), 2u);
  for (const auto& close : out.closes) EXPECT_EQ(close.code, close_code::going_away);
  EXPECT_EQ(h.dispatcher().peerjs().queued_messages(), 0u);
  EXPECT_EQ(h.dispatcher().peerjs().queued_bytes(), 0u);
  EXPECT_EQ(h.counters().error_count(ErrorCode::peer_unavailable), 2u);
}

TEST(PeerJsQueue, ExpireTimeoutCountsFromTheFirstQueuedMessage) {
  Harness h;
  h.open(1, Protocol::peerjs, socket_url("alice"));
  h.send_json(1, offer("bob"));
  h.advance(seconds(4));
  h.send_json(1, candidate("bob", 1));  // does not extend the deadline (reference: queue lastReadAt)
  EXPECT_EQ(frames_for(h.advance(seconds(1)), 1).size(), 1u);
}

TEST(PeerJsQueue, EachSenderToTheAbsentPeerGetsItsOwnExpire) {
  Harness h;
  h.open(1, Protocol::peerjs, socket_url("alice"));
  h.open(2, Protocol::peerjs, socket_url("carol"));
  h.send_json(1, offer("bob"));
  h.send_json(2, offer("bob", "dc_2"));
  h.send_json(1, offer("dave"));
  auto out = h.advance(seconds(5));
  auto to_alice = frames_for(out, 1);
  ASSERT_EQ(to_alice.size(), 2u);
  std::set<std::string> absent{to_alice[0]["src"], to_alice[1]["src"]};
  EXPECT_EQ(absent, (std::set<std::string>{"bob", "dave"}));
  EXPECT_EQ(only_frame(out, 2), Json::parse(R"({"type":"EXPIRE","src":"bob","dst":"carol"})"));
}

TEST(PeerJsQueue, SenderGoneBeforeExpiryIsNotAnError) {
  Harness h;
  h.open(1, Protocol::peerjs, socket_url("alice"));
  h.send_json(1, offer("bob"));
  h.close(1);
  EXPECT_TRUE(h.advance(seconds(5)).deliveries.empty());
  EXPECT_EQ(h.dispatcher().peerjs().queued_messages(), 0u);
}

TEST(PeerJsQueue, LeaveAndExpireForAnAbsentPeerAreNotQueued) {
  Harness h;
  h.open(1, Protocol::peerjs, socket_url("alice"));
  h.send(1, R"({"type":"LEAVE","dst":"bob"})");
  h.send(1, R"({"type":"EXPIRE","dst":"bob"})");
  EXPECT_EQ(h.dispatcher().peerjs().queued_messages(), 0u);
  EXPECT_TRUE(h.advance(seconds(6)).deliveries.empty());
}

TEST(PeerJsQueue, PerPeerBoundAnswersWithExpireAtOnceAndOnlyOnce) {
  Settings settings;
  settings.peerjs_queue_per_peer = 2;
  Harness h(settings);
  h.open(1, Protocol::peerjs, socket_url("alice"));
  EXPECT_TRUE(h.send_json(1, offer("bob")).empty());
  EXPECT_TRUE(h.send_json(1, candidate("bob", 1)).empty());
  EXPECT_EQ(only_frame(h.send_json(1, candidate("bob", 2)), 1),
            Json::parse(R"({"type":"EXPIRE","src":"bob","dst":"alice"})"));
  EXPECT_TRUE(h.send_json(1, candidate("bob", 3)).empty());
  EXPECT_EQ(h.dispatcher().peerjs().queued_messages(), 2u);
  // At expiry alice has been told already.
  EXPECT_TRUE(h.advance(seconds(5)).deliveries.empty());
}

// What one OFFER from alice to `dst` costs in a new queue: the key, the message's strings, the
// relayed frame (which holds dst once more) and the bookkeeping.
std::size_t offer_cost(std::string_view dst) {
  const std::size_t frame =
      to_text(Json{{"type", "OFFER"}, {"src", "alice"}, {"dst", dst}, {"payload", offer(dst)["payload"]}}).size();
  return PeerJsProtocol::queue_cost(dst) + PeerJsProtocol::message_cost("alice", "OFFER", "dc_1", frame);
}

TEST(PeerJsQueue, TotalBytesBound) {
  Settings settings;
  const std::size_t one = offer_cost("bob");
  settings.peerjs_queue_total_bytes = one * 2;
  Harness h(settings);
  h.open(1, Protocol::peerjs, socket_url("alice"));
  h.send_json(1, offer("bob"));
  h.send_json(1, offer("cat"));  // same length as "bob"
  EXPECT_EQ(h.dispatcher().peerjs().queued_bytes(), one * 2);
  EXPECT_EQ(only_frame(h.send_json(1, offer("dan")), 1)["src"], "dan");
  EXPECT_EQ(h.dispatcher().peerjs().queued_messages(), 2u);
}

TEST(PeerJsQueue, TheKeyAndEveryStringOfAnEntryAreCounted) {
  Harness h;
  h.open(1, Protocol::peerjs, socket_url("alice"));
  const std::string dst(kMaxPeerIdLength, 'k');
  h.send_json(1, offer(dst));
  const std::size_t frame =
      to_text(Json{{"type", "OFFER"}, {"src", "alice"}, {"dst", dst}, {"payload", offer(dst)["payload"]}}).size();
  // The key is charged on its own, beside the copy inside the frame.
  EXPECT_GE(h.dispatcher().peerjs().queued_bytes(), frame + dst.size() + std::string("alice").size());
  EXPECT_EQ(h.dispatcher().peerjs().queued_bytes(), offer_cost(dst));
  // Claimed or expired, every byte is given back.
  h.open(2, Protocol::peerjs, socket_url(dst));
  EXPECT_EQ(h.dispatcher().peerjs().queued_bytes(), 0u);
  h.send_json(1, offer("bob"));
  h.advance(seconds(5));
  EXPECT_EQ(h.dispatcher().peerjs().queued_bytes(), 0u);
  EXPECT_EQ(h.dispatcher().peerjs().queue_count(), 0u);
}

TEST(PeerJsQueue, NoQueueIsCreatedForAMessageThatDoesNotFit) {
  Settings settings;
  settings.peerjs_queue_total_bytes = offer_cost("bob");
  Harness h(settings);
  h.open(1, Protocol::peerjs, socket_url("alice"));
  h.send_json(1, offer("bob"));
  ASSERT_EQ(h.dispatcher().peerjs().queue_count(), 1u);
  // The budget is spent: 50 new ids each get EXPIRE at once and leave nothing behind.
  for (int i = 0; i < 50; ++i) {
    const std::string dst = "absent" + std::to_string(i);
    SCOPED_TRACE(dst);
    EXPECT_EQ(only_frame(h.send_json(1, offer(dst)), 1), (Json{{"type", "EXPIRE"}, {"src", dst}, {"dst", "alice"}}));
  }
  EXPECT_EQ(h.dispatcher().peerjs().queue_count(), 1u);
  EXPECT_EQ(h.dispatcher().peerjs().queued_bytes(), offer_cost("bob"));
  // bob's full queue does not remember alice as told when that would pass the budget either.
  EXPECT_EQ(frames_for(h.send_json(1, candidate("bob", 1)), 1).size(), 1u);
  EXPECT_LE(h.dispatcher().peerjs().queued_bytes(), settings.peerjs_queue_total_bytes);
}

TEST(PeerJsQueue, QueuedBytesStayWithinTheCapUnderManySendersAndIds) {
  Settings settings;
  settings.peerjs_queue_total_bytes = 64 * 1024;
  settings.message_burst = 1e9;
  Harness h(settings);
  for (ConnectionId sender = 1; sender <= 20; ++sender) {
    h.open(sender, Protocol::peerjs, socket_url("sender" + std::to_string(sender)));
  }
  for (int round = 0; round < 50; ++round) {
    for (ConnectionId sender = 1; sender <= 20; ++sender) {
      h.send_json(sender, offer(std::string(100, 'a') + std::to_string(round) + "x" + std::to_string(sender)));
      h.send_json(sender, candidate("shared", round));
      ASSERT_LE(h.dispatcher().peerjs().queued_bytes(), settings.peerjs_queue_total_bytes);
      // Every queue is charged at least its bookkeeping, so their number is bounded too.
      ASSERT_LE(h.dispatcher().peerjs().queue_count() * kQueueOverheadBytes, settings.peerjs_queue_total_bytes);
    }
  }
  EXPECT_GT(h.dispatcher().peerjs().queued_messages(), 0u);
}

TEST(PeerJsQueue, ZeroQueueMeansImmediateExpire) {
  Settings settings;
  settings.peerjs_queue_per_peer = 0;
  Harness h(settings);
  h.open(1, Protocol::peerjs, socket_url("alice"));
  EXPECT_EQ(only_frame(h.send_json(1, offer("bob")), 1)["type"], "EXPIRE");
}

TEST(PeerJsAlive, SilentClientIsClosedAfterAliveTimeout) {
  Harness h;
  h.open(1, Protocol::peerjs, socket_url("alice"));
  EXPECT_TRUE(h.advance(milliseconds(89'999)).closes.empty());
  auto out = h.advance(milliseconds(1));
  ASSERT_TRUE(close_for(out, 1));
  EXPECT_EQ(close_for(out, 1)->code, close_code::normal);
  // The id is free at once, for anyone.
  EXPECT_EQ(only_frame(h.open(2, Protocol::peerjs, socket_url("alice", "other")), 2), kOpen);
}

TEST(PeerJsAlive, HeartbeatsAndAnyOtherFrameKeepItAlive) {
  Harness h;
  h.open(1, Protocol::peerjs, socket_url("alice"));
  h.open(2, Protocol::peerjs, socket_url("bob"));
  for (int i = 0; i < 60; ++i) {  // five minutes
    EXPECT_TRUE(h.advance(seconds(5)).closes.empty()) << i;
    h.send(1, R"({"type":"HEARTBEAT"})");
    // bob sends no HEARTBEAT, only candidates now and then: still alive.
    if (i % 10 == 0) h.send_json(2, candidate("alice", i));
  }
  EXPECT_TRUE(h.registry().find(1));
  EXPECT_TRUE(h.registry().find(2));
  // Even unparseable frames prove the socket is alive.
  h.advance(seconds(80));
  h.send(1, "garbage");
  h.send(2, R"({"type":"HEARTBEAT"})");
  EXPECT_TRUE(h.advance(seconds(80)).closes.empty());
}

TEST(PeerJsLeave, OtherSideOfAnOpenNegotiationIsToldWhenAPeerDisappears) {
  Harness h;
  h.open(1, Protocol::peerjs, socket_url("alice"));
  h.open(2, Protocol::peerjs, socket_url("bob"));
  h.open(3, Protocol::peerjs, socket_url("carol"));
  h.send_json(1, offer("bob"));
  auto out = h.close(2);
  EXPECT_EQ(only_frame(out, 1), Json::parse(R"({"type":"LEAVE","src":"bob","dst":"alice"})"));
  EXPECT_TRUE(frames_for(out, 3).empty());
  // And the other way round: the offerer disappears, the answerer is told.
  h.open(4, Protocol::peerjs, socket_url("bob"));
  h.send_json(3, offer("bob", "dc_9"));
  auto offerer_gone = h.close(3);
  EXPECT_EQ(only_frame(offerer_gone, 4), Json::parse(R"({"type":"LEAVE","src":"carol","dst":"bob"})"));
}

TEST(PeerJsLeave, ConnectionIdsLongerThanAnIdAreNotRemembered) {
  Harness h;
  h.open(1, Protocol::peerjs, socket_url("alice"));
  h.open(2, Protocol::peerjs, socket_url("bob"));
  // Relayed as sent, but not parked in either side's list of open negotiations.
  EXPECT_EQ(frames_for(h.send_json(1, offer("bob", std::string(kMaxPeerIdLength + 1, 'c'))), 2).size(), 1u);
  EXPECT_TRUE(frames_for(h.close(2), 1).empty());
}

TEST(PeerJsLeave, AnsweredNegotiationIsNotTornDown) {
  // After the ANSWER the peers talk directly; a peer that only lost the server (peer.disconnect()
  // keeps its connections) must not have them closed by a LEAVE.
  Harness h;
  h.open(1, Protocol::peerjs, socket_url("alice"));
  h.open(2, Protocol::peerjs, socket_url("bob"));
  h.send_json(1, offer("bob"));
  h.send_json(2, answer("alice"));
  h.send_json(2, candidate("alice", 1));
  EXPECT_TRUE(h.close(2).deliveries.empty());
}

TEST(PeerJsLeave, AliveTimeoutAlsoTellsTheOtherSide) {
  Harness h;
  h.open(1, Protocol::peerjs, socket_url("alice"));
  h.open(2, Protocol::peerjs, socket_url("bob"));
  h.send_json(1, offer("bob"));
  h.advance(seconds(60));
  h.send(1, R"({"type":"HEARTBEAT"})");
  auto out = h.advance(seconds(30));
  EXPECT_TRUE(close_for(out, 2));
  EXPECT_EQ(only_frame(out, 1), Json::parse(R"({"type":"LEAVE","src":"bob","dst":"alice"})"));
}

TEST(PeerJsLeave, QueuedOfferDeliveredLaterStartsANegotiation) {
  Harness h;
  h.open(1, Protocol::peerjs, socket_url("alice"));
  h.send_json(1, offer("bob"));
  h.open(2, Protocol::peerjs, socket_url("bob"));
  EXPECT_EQ(only_frame(h.close(1), 2), Json::parse(R"({"type":"LEAVE","src":"alice","dst":"bob"})"));
}

TEST(PeerJsHttp, ServerInfoIdAndPeers) {
  Harness h;
  auto info = h.dispatcher().peerjs_http("/");
  ASSERT_TRUE(info);
  EXPECT_EQ(info->status, 200u);
  EXPECT_EQ(Json::parse(info->body),
            Json::parse(R"({"name":"PeerJS Server","description":"A server side element to broker connections between PeerJS clients.","website":"https://peerjs.com/"})"));
  EXPECT_EQ(h.dispatcher().peerjs_http("")->body, info->body);

  auto id = h.dispatcher().peerjs_http("/peerjs/id");
  ASSERT_TRUE(id);
  EXPECT_EQ(id->status, 200u);
  EXPECT_EQ(id->content_type, "text/html; charset=utf-8");
  EXPECT_EQ(id->body, "00010203-0405-4607-8809-0a0b0c0d0e0f");
  EXPECT_NE(h.dispatcher().peerjs_http("/peerjs/id")->body, id->body);

  auto peers = h.dispatcher().peerjs_http("/peerjs/peers");
  ASSERT_TRUE(peers);
  EXPECT_EQ(peers->status, 401u);

  EXPECT_FALSE(h.dispatcher().peerjs_http("/peerjs/other"));
  EXPECT_FALSE(h.dispatcher().peerjs_http("/peerjs"));
  EXPECT_FALSE(h.dispatcher().peerjs_http("//id"));
}

TEST(PeerJsHttp, PeersListedWhenDiscoveryIsOn) {
  Settings settings;
  settings.peerjs_discovery = true;
  Harness h(settings);
  h.open(1, Protocol::peerjs, socket_url("zoe"));
  h.open(2, Protocol::peerjs, socket_url("adam"));
  h.open(3, Protocol::native, "/ws?id=native-only");
  auto peers = h.dispatcher().peerjs_http("/peerjs/peers");
  ASSERT_TRUE(peers);
  EXPECT_EQ(peers->status, 200u);
  EXPECT_EQ(Json::parse(peers->body), Json::parse(R"(["adam","zoe"])"));
}

}  // namespace
}  // namespace iceway::signaling
