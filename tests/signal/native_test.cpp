// The native protocol on /ws (SPEC §6.1), through the Dispatcher as the I/O layer drives it.
#include "signal/protocols/native.hpp"

#include <gtest/gtest.h>

#include "signal/token.hpp"
#include "test_support.hpp"

namespace iceway::signaling {
namespace {

using testing::close_for;
using testing::frames_for;
using testing::FakeIceServers;
using testing::Harness;
using testing::only_frame;

Settings token_settings(bool required) {
  Settings settings;
  settings.token_secret = "token-secret";
  settings.require_token = required;
  return settings;
}

// Opens a native connection with ?id= and returns its welcome.
Json connect(Harness& h, ConnectionId id, std::string_view peer_id) {
  return only_frame(h.open(id, Protocol::native, "/ws?id=" + std::string(peer_id)), id);
}

void expect_error(const Json& frame, std::string_view code, const Json& ref = nullptr) {
  EXPECT_EQ(frame["type"], "error") << frame;
  EXPECT_EQ(frame["code"], code) << frame;
  EXPECT_TRUE(frame["message"].is_string()) << frame;
  if (!ref.is_null()) {
    EXPECT_EQ(frame["ref"], ref) << frame;
  } else {
    EXPECT_FALSE(frame.contains("ref")) << frame;
  }
}

Settings development_settings() {
  Settings settings;
  settings.development_mode = true;
  return settings;
}

TEST(NativeWelcome, RandomIdWithIceServersBoundToIt) {
  Harness h(development_settings());
  Json welcome = only_frame(h.open(1, Protocol::native, "/ws"), 1);
  EXPECT_EQ(welcome["type"], "welcome");
  // CountingRandom's first 16 bytes are 00..0f; version and variant bits set.
  EXPECT_EQ(welcome["id"], "00010203-0405-4607-8809-0a0b0c0d0e0f");
  EXPECT_EQ(welcome["ttl"], 3600);
  ASSERT_TRUE(welcome["iceServers"].is_array());
  EXPECT_EQ(welcome["iceServers"][0]["username"],
            std::to_string(h.unix_now + 3600) + ":00010203-0405-4607-8809-0a0b0c0d0e0f");
  EXPECT_EQ(h.registry().holder(Protocol::native, "00010203-0405-4607-8809-0a0b0c0d0e0f"), ConnectionId{1});
}

TEST(NativeWelcome, RequestedId) {
  Harness h(development_settings());
  Json welcome = connect(h, 1, "alice");
  EXPECT_EQ(welcome["id"], "alice");
  EXPECT_EQ(welcome["iceServers"][0]["credential"], "secret-for-alice");
}

// SPEC §2: outside development mode, /ws?id=alice must not hand a stranger alice's credentials.
TEST(NativeWelcome, AnonymousClientGetsOnlyPublicServersOutsideDevelopmentMode) {
  Harness h;
  Json welcome = connect(h, 1, "alice");
  EXPECT_EQ(welcome["id"], "alice");
  EXPECT_EQ(welcome["iceServers"], FakeIceServers().public_ice_servers());
  EXPECT_EQ(welcome["ttl"], 0);
  EXPECT_EQ(welcome.dump().find("credential"), std::string::npos) << welcome;
  // A random id is anonymous too.
  EXPECT_EQ(only_frame(h.open(2, Protocol::native, "/ws"), 2)["iceServers"], FakeIceServers().public_ice_servers());
}

TEST(NativeWelcome, WhoGetsCredentials) {
  struct Case {
    const char* name;
    bool development_mode;
    bool anonymous_credentials;
    bool with_token;
    bool gets_credentials;
  };
  const std::vector<Case> cases = {
      {"anonymous, production", false, false, false, false},
      {"token, production", false, false, true, true},
      {"anonymous, anonymous_credentials on", false, true, false, true},
      {"anonymous, development mode", true, false, false, true},
      {"token, development mode", true, false, true, true},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    Settings settings = token_settings(false);
    settings.development_mode = c.development_mode;
    settings.anonymous_credentials = c.anonymous_credentials;
    Harness h(settings);
    const std::string target =
        c.with_token ? "/ws?token=" + sign_token("token-secret", {"bob", std::nullopt, h.unix_now + 60, std::nullopt})
                     : std::string("/ws?id=bob");
    Json welcome = only_frame(h.open(1, Protocol::native, target), 1);
    EXPECT_EQ(welcome["id"], "bob");
    if (c.gets_credentials) {
      EXPECT_EQ(welcome["iceServers"][0]["username"], std::to_string(h.unix_now + 3600) + ":bob");
      EXPECT_EQ(welcome["ttl"], 3600);
    } else {
      EXPECT_EQ(welcome["iceServers"], FakeIceServers().public_ice_servers());
      EXPECT_EQ(welcome["ttl"], 0);
    }
  }
}

TEST(NativeWelcome, InvalidRequestedIdIsBadRequestAndClosed) {
  Harness h;
  for (const char* target : {"/ws?id=a%20b", "/ws?id=%22quoted%22", "/ws?id=%FF"}) {
    SCOPED_TRACE(target);
    auto out = h.open(1, Protocol::native, target);
    expect_error(only_frame(out, 1), "bad-request");
    ASSERT_TRUE(close_for(out, 1));
    EXPECT_EQ(close_for(out, 1)->code, close_code::policy_violation);
    EXPECT_EQ(h.registry().connection_count(), 0u);
  }
}

TEST(NativeWelcome, TakenIdIsRefusedAndTheHolderKeepsIt) {
  Harness h;
  connect(h, 1, "alice");
  auto out = h.open(2, Protocol::native, "/ws?id=alice");
  expect_error(only_frame(out, 2), "id-taken");
  EXPECT_TRUE(close_for(out, 2));
  EXPECT_FALSE(close_for(out, 1));
  EXPECT_EQ(h.registry().holder(Protocol::native, "alice"), ConnectionId{1});
  EXPECT_EQ(h.counters().error_count(ErrorCode::id_taken), 1u);
  // Once alice leaves, the id is free again.
  h.close(1);
  EXPECT_EQ(connect(h, 3, "alice")["type"], "welcome");
}

TEST(NativeToken, SubjectIsTheIdAndIdParameterIsIgnored) {
  Harness h(token_settings(false));
  const std::string token = sign_token("token-secret", {"bob", std::nullopt, h.unix_now + 60, std::nullopt});
  Json welcome = only_frame(h.open(1, Protocol::native, "/ws?id=mallory&token=" + token), 1);
  EXPECT_EQ(welcome["id"], "bob");
}

TEST(NativeToken, Refusals) {
  struct Case {
    const char* name;
    bool required;
    std::string query;
  };
  const UnixSeconds now = Harness().unix_now;
  const Case cases[] = {
      {"required but absent", true, "/ws?id=bob"},
      {"wrong secret", false, "/ws?token=" + sign_token("other", {"bob", std::nullopt, now + 60, std::nullopt})},
      {"expired", false, "/ws?token=" + sign_token("token-secret", {"bob", std::nullopt, now, std::nullopt})},
      {"garbage", false, "/ws?token=not-a-jwt"},
      {"subject not a valid id", false,
       "/ws?token=" + sign_token("token-secret", {"bad id", std::nullopt, now + 60, std::nullopt})},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    Harness h(token_settings(c.required));
    auto out = h.open(1, Protocol::native, c.query);
    expect_error(only_frame(out, 1), "unauthorized");
    ASSERT_TRUE(close_for(out, 1));
    EXPECT_EQ(close_for(out, 1)->code, close_code::policy_violation);
    EXPECT_EQ(h.counters().error_count(ErrorCode::unauthorized), 1u);
  }
}

TEST(NativeToken, RequiredTokenAccepted) {
  Harness h(token_settings(true));
  const std::string token = sign_token("token-secret", {"bob", std::nullopt, h.unix_now + 60, std::nullopt});
  EXPECT_EQ(only_frame(h.open(1, Protocol::native, "/ws?token=" + token), 1)["id"], "bob");
}

TEST(NativeToken, RoomsClaimRestrictsJoin) {
  Harness h(token_settings(false));
  const std::string token =
      sign_token("token-secret", {"bob", std::vector<std::string>{"allowed"}, h.unix_now + 60, std::nullopt});
  h.open(1, Protocol::native, "/ws?token=" + token);
  expect_error(only_frame(h.send(1, R"({"type":"join","room":"other","ref":7})"), 1), "unauthorized", 7);
  EXPECT_EQ(only_frame(h.send(1, R"({"type":"join","room":"allowed"})"), 1)["type"], "joined");
  EXPECT_TRUE(h.registry().find(1));  // a refused join does not close the connection
}

TEST(NativeRooms, JoinAnnouncesAndListsPeers) {
  Harness h;
  connect(h, 1, "alice");
  connect(h, 2, "bob");
  Json joined = only_frame(h.send(1, R"({"type":"join","room":"call","ref":"j1"})"), 1);
  EXPECT_EQ(joined, Json::parse(R"({"type":"joined","room":"call","peers":[],"ref":"j1"})"));

  auto out = h.send(2, R"({"type":"join","room":"call"})");
  EXPECT_EQ(only_frame(out, 2), Json::parse(R"({"type":"joined","room":"call","peers":["alice"]})"));
  EXPECT_EQ(only_frame(out, 1), Json::parse(R"({"type":"peer-joined","room":"call","id":"bob"})"));
}

TEST(NativeRooms, JoiningAgainAnswersButDoesNotAnnounce) {
  Harness h;
  connect(h, 1, "alice");
  connect(h, 2, "bob");
  h.send(1, R"({"type":"join","room":"call"})");
  h.send(2, R"({"type":"join","room":"call"})");
  auto out = h.send(2, R"({"type":"join","room":"call"})");
  EXPECT_EQ(only_frame(out, 2)["peers"], Json::array({"alice"}));
  EXPECT_TRUE(frames_for(out, 1).empty());
}

TEST(NativeRooms, LeaveAnswersAndAnnounces) {
  Harness h;
  connect(h, 1, "alice");
  connect(h, 2, "bob");
  h.send(1, R"({"type":"join","room":"call"})");
  h.send(2, R"({"type":"join","room":"call"})");
  auto out = h.send(2, R"({"type":"leave","room":"call","ref":3})");
  EXPECT_EQ(only_frame(out, 2), Json::parse(R"({"type":"left","room":"call","ref":3})"));
  EXPECT_EQ(only_frame(out, 1), Json::parse(R"({"type":"peer-left","room":"call","id":"bob"})"));
  expect_error(only_frame(h.send(2, R"({"type":"leave","room":"call","ref":4})"), 2), "not-in-room", 4);
}

TEST(NativeRooms, DisconnectAnnouncesInEveryRoom) {
  Harness h;
  connect(h, 1, "alice");
  connect(h, 2, "bob");
  connect(h, 3, "carol");
  h.send(1, R"({"type":"join","room":"a"})");
  h.send(1, R"({"type":"join","room":"b"})");
  h.send(2, R"({"type":"join","room":"a"})");
  h.send(3, R"({"type":"join","room":"b"})");
  auto out = h.close(1);
  EXPECT_EQ(only_frame(out, 2), Json::parse(R"({"type":"peer-left","room":"a","id":"alice"})"));
  EXPECT_EQ(only_frame(out, 3), Json::parse(R"({"type":"peer-left","room":"b","id":"alice"})"));
  EXPECT_TRUE(out.closes.empty());
  EXPECT_FALSE(h.registry().holder(Protocol::native, "alice"));
}

TEST(NativeRooms, RoomFullAndTooManyRooms) {
  Settings settings;
  settings.max_peers_per_room = 2;
  settings.max_rooms_per_connection = 1;
  Harness h(settings);
  connect(h, 1, "alice");
  connect(h, 2, "bob");
  connect(h, 3, "carol");
  h.send(1, R"({"type":"join","room":"r"})");
  h.send(2, R"({"type":"join","room":"r"})");
  expect_error(only_frame(h.send(3, R"({"type":"join","room":"r","ref":1})"), 3), "room-full", 1);
  expect_error(only_frame(h.send(1, R"({"type":"join","room":"other","ref":2})"), 1), "too-many-rooms", 2);
  EXPECT_EQ(h.counters().error_count(ErrorCode::room_full), 1u);
  EXPECT_EQ(h.counters().error_count(ErrorCode::too_many_rooms), 1u);
}

TEST(NativeSignal, DeliveredWithSenderAndDataUntouched) {
  Harness h;
  connect(h, 1, "alice");
  connect(h, 2, "bob");
  const Json data = Json::parse(R"({"sdp":"v=0\r\no=- 1 2 IN IP4 0.0.0.0\r\n","type":"offer","n":[1,2.5,null,true]})");
  auto out = h.send_json(1, Json{{"type", "signal"}, {"to", "bob"}, {"data", data}});
  Json frame = only_frame(out, 2);
  EXPECT_EQ(frame["type"], "signal");
  EXPECT_EQ(frame["from"], "alice");
  EXPECT_EQ(frame["data"], data);
  EXPECT_FALSE(frame.contains("to"));
  EXPECT_TRUE(frames_for(out, 1).empty());  // no echo, no ack
}

TEST(NativeSignal, Refusals) {
  Harness h;
  connect(h, 1, "alice");
  struct Case {
    const char* message;
    const char* code;
  };
  const Case cases[] = {
      {R"({"type":"signal","to":"nobody","data":1,"ref":"r"})", "peer-unavailable"},
      {R"({"type":"signal","data":1,"ref":"r"})", "bad-request"},
      {R"({"type":"signal","to":42,"data":1,"ref":"r"})", "bad-request"},
      {R"({"type":"signal","to":"alice","ref":"r"})", "bad-request"},
      {R"({"type":"broadcast","room":"r","data":1,"ref":"r"})", "not-in-room"},
      {R"({"type":"broadcast","data":1,"ref":"r"})", "bad-request"},
      {R"({"type":"join","room":"","ref":"r"})", "bad-request"},
      {R"({"type":"leave","ref":"r"})", "bad-request"},
      {R"({"type":"dance","ref":"r"})", "bad-request"},
      {R"({"ref":"r"})", "bad-request"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.message);
    expect_error(only_frame(h.send(1, c.message), 1), c.code, "r");
  }
  EXPECT_TRUE(h.registry().find(1));
}

TEST(NativeSignal, PeerUnavailableAfterTheTargetLeft) {
  Harness h;
  connect(h, 1, "alice");
  connect(h, 2, "bob");
  h.close(2);
  expect_error(only_frame(h.send(1, R"({"type":"signal","to":"bob","data":"bye"})"), 1), "peer-unavailable");
  EXPECT_EQ(h.counters().error_count(ErrorCode::peer_unavailable), 1u);
}

TEST(NativeSignal, MessagesFromOneSenderKeepTheirOrder) {
  Harness h;
  connect(h, 1, "alice");
  connect(h, 2, "bob");
  h.send(1, R"({"type":"join","room":"call"})");
  h.send(2, R"({"type":"join","room":"call"})");
  // Signals and broadcasts interleaved, as an offer, candidates and a room-wide note would be.
  std::vector<int> received;
  for (int seq = 0; seq < 40; ++seq) {
    const Json message = seq % 3 == 0 ? Json{{"type", "broadcast"}, {"room", "call"}, {"data", seq}}
                                      : Json{{"type", "signal"}, {"to", "bob"}, {"data", seq}};
    for (const auto& frame : frames_for(h.send_json(1, message), 2)) received.push_back(frame["data"].get<int>());
  }
  ASSERT_EQ(received.size(), 40u);
  for (int seq = 0; seq < 40; ++seq) EXPECT_EQ(received[seq], seq);
}

TEST(NativeBroadcast, GoesToOtherMembersOnly) {
  Harness h;
  connect(h, 1, "alice");
  connect(h, 2, "bob");
  connect(h, 3, "carol");
  connect(h, 4, "dave");
  for (ConnectionId id : {1, 2, 3}) h.send(id, R"({"type":"join","room":"r"})");
  auto out = h.send(1, R"({"type":"broadcast","room":"r","data":{"hello":1}})");
  const Json expected = Json::parse(R"({"type":"broadcast","room":"r","from":"alice","data":{"hello":1}})");
  EXPECT_EQ(only_frame(out, 2), expected);
  EXPECT_EQ(only_frame(out, 3), expected);
  EXPECT_TRUE(frames_for(out, 1).empty());
  EXPECT_TRUE(frames_for(out, 4).empty());
  // One frame, shared by every member.
  EXPECT_EQ(out.deliveries[0].frame.get(), out.deliveries[1].frame.get());
}

TEST(NativePing, PongEchoesRef) {
  Harness h;
  connect(h, 1, "alice");
  EXPECT_EQ(only_frame(h.send(1, R"({"type":"ping","ref":{"n":1}})"), 1), Json::parse(R"({"type":"pong","ref":{"n":1}})"));
  EXPECT_EQ(only_frame(h.send(1, R"({"type":"ping"})"), 1), Json::parse(R"({"type":"pong"})"));
}

// A NUL after a valid object used to end nlohmann's input early, so the frame was taken and the
// rest silently dropped.
TEST(NativeErrors, NulByteAfterTheObjectIsNotValidJson) {
  Harness h;
  connect(h, 1, "alice");
  for (const std::string& frame : {std::string("{\"type\":\"ping\"}\0", 16),
                                  std::string("{\"type\":\"ping\"}\0{\"type\":\"ping\"}", 31)}) {
    auto out = h.send(1, frame);
    const Json error = only_frame(out, 1);
    expect_error(error, "bad-request");
    EXPECT_EQ(error["message"], "message is not valid JSON");
  }
  EXPECT_EQ(h.counters().message_count(Protocol::native, native_type::ping), 0u);
}

TEST(NativeCounters, MessagesByType) {
  Harness h;
  connect(h, 1, "alice");
  h.send(1, R"({"type":"ping"})");
  h.send(1, R"({"type":"ping"})");
  h.send(1, R"({"type":"join","room":"r"})");
  h.send(1, R"({"type":"broadcast","room":"r","data":0})");
  h.send(1, R"({"type":"signal","to":"alice","data":0})");
  h.send(1, R"({"type":"leave","room":"r"})");
  h.send(1, R"({"type":"what"})");
  h.send(1, "not json");
  EXPECT_EQ(h.counters().message_count(Protocol::native, native_type::ping), 2u);
  EXPECT_EQ(h.counters().message_count(Protocol::native, native_type::join), 1u);
  EXPECT_EQ(h.counters().message_count(Protocol::native, native_type::broadcast), 1u);
  EXPECT_EQ(h.counters().message_count(Protocol::native, native_type::signal), 1u);
  EXPECT_EQ(h.counters().message_count(Protocol::native, native_type::leave), 1u);
  EXPECT_EQ(h.counters().message_count(Protocol::native, native_type::invalid), 2u);
  EXPECT_EQ(h.counters().connections_active[index(Protocol::native)].value(), 1);
}

}  // namespace
}  // namespace iceway::signaling
