// The built-in tutorial server through real Engine.IO sessions and Socket.IO connections: rooms
// and names as the tutorials in ../shared/seeds use them (002 joins a room and sends
// {offer, roomId}; 004 sends {username, target, offer}), relayed payloads byte for byte, and
// every message that no rule delivers answered with a counted error.
#include "signal/socketio/tutorial_server.hpp"

#include <gtest/gtest.h>

#include "test_node.hpp"

namespace iceway::signaling::socketio {
namespace {

using testing::TestNode;
using Texts = std::vector<std::string>;

const TimePoint kStart = TimePoint{} + std::chrono::hours(1);

class Tutorial : public ::testing::Test {
 protected:
  explicit Tutorial(const TutorialLimits& limits = {}) : app(limits) {}

  // Three clients, alice, bob and carol, connected to "/".
  void SetUp() override {
    for (int i = 0; i < 3; ++i) {
      const std::size_t client = node.open_websocket(now);
      node.send(client, "40", now);
      node.take(client);
    }
  }

  Texts say(std::size_t client, std::string frame, std::size_t listener) {
    node.send(client, std::move(frame), now);
    return node.take_text(listener);
  }
  std::string id(std::size_t client) const { return *node.connection(client).socket_id("/"); }

  static constexpr std::size_t alice = 0, bob = 1, carol = 2;
  TutorialServer app;
  TestNode node{app, EngineSettings{}, ConnectionSettings{}};
  TimePoint now = kStart;
};

TEST_F(Tutorial, RoomEventsReachTheOtherMembersUnchanged) {
  // 002: joinRoom with the room as a string; another shape with a roomId field.
  node.send(alice, R"(42["joinRoom","001"])", now);
  node.send(bob, R"(42["join",{"roomId":"001"}])", now);
  EXPECT_TRUE(node.take(alice).empty());  // no ack asked, nothing answered
  const struct {
    std::string_view name;
    std::string_view frame;
  } cases[] = {
      {"roomId field", R"(42["sendOffer",{"offer":{"type":"offer","sdp":"v=0\r\n"},"roomId":"001"}])"},
      {"room field, keys in the sender's order", R"(42["candidate",{"z":1,"room":"001","a":[1.50]}])"},
      {"the room itself as the argument", R"(42["callRemote","001"])"},
      {"more than one argument", R"(42["hangUp","001",{"why":"bye"}])"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(say(alice, std::string(c.frame), bob), Texts{std::string(c.frame)});
    EXPECT_TRUE(node.take(alice).empty());  // socket.to(room): not back to the sender
    EXPECT_TRUE(node.take(carol).empty());
  }
}

TEST_F(Tutorial, NumberedRoomsMeetTheirText) {
  node.send(alice, R"(42["join",7])", now);
  node.send(bob, R"(42["joinRoom",{"room":"7"}])", now);
  EXPECT_EQ(say(alice, R"(42["msg",{"roomId":7}])", bob), Texts{R"(42["msg",{"roomId":7}])"});
}

TEST_F(Tutorial, NamedReceiversGetTheEventUnchanged) {
  // 004: every message names its receiver in `target` and its sender in `username`.
  node.send(bob, R"(42["login","bob"])", now);
  node.send(carol, R"(42["register",{"username":"carol"}])", now);
  const struct {
    std::string_view name;
    std::string_view frame;
    std::size_t receiver;
  } cases[] = {
      {"target", R"(42["offer",{"username":"alice","target":"bob","offer":{"type":"offer","sdp":"x"}}])", bob},
      {"to", R"(42["answer",{"to":"carol","answer":{}}])", carol},
      {"toUser", R"(42["candidate",{"toUser":"bob","candidate":null}])", bob},
      {"a socket id", "", carol},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const std::string frame =
        c.frame.empty() ? R"(42["signal",{"to":")" + id(carol) + R"(","data":1}])" : std::string(c.frame);
    EXPECT_EQ(say(alice, frame, c.receiver), Texts{frame});
    EXPECT_TRUE(node.take(alice).empty());
    EXPECT_TRUE(node.take(c.receiver == bob ? carol : bob).empty());
  }
}

// Relayed events are routed from the raw members of their first argument, and where those
// cannot say exactly what the parsed argument says, from the parsed argument: either way the
// receiver is the one the tree names.
TEST_F(Tutorial, ReceiversAndRoomsAreReadAsTheParsedArgumentReadsThem) {
  node.send(bob, R"(42["login","bob"])", now);
  node.send(carol, R"(42["login","42"])", now);
  node.send(bob, R"(42["join","r"])", now);
  node.send(alice, R"(42["join","r"])", now);
  node.send(bob, R"(42["join","0"])", now);
  node.send(carol, R"(42["join","-0"])", now);  // where a raw "-0" would go
  for (const std::size_t client : {alice, bob, carol}) node.take(client);
  const struct {
    std::string_view name;
    std::string_view frame;
    std::size_t receiver;
  } cases[] = {
      {"an escaped name", R"(42["offer",{"to":"bob","sdp":"x"}])", bob},
      {"a name given twice: the last one", R"(42["offer",{"to":"carol","to":"bob"}])", bob},
      {"an integer name", R"(42["offer",{"target":42}])", carol},
      {"an empty name, then another field", R"(42["offer",{"to":"","target":"bob"}])", bob},
      {"null, then another field", R"(42["offer",{"to":null,"toUser":"bob"}])", bob},
      {"an object is no name", R"(42["offer",{"to":{"name":"carol"},"room":"r"}])", bob},
      {"a float is no room", R"(42["offer",{"room":1.0,"roomId":"r"}])", bob},
      {"-0 is the room 0", R"(42["offer",{"room":-0}])", bob},
      {"more members than the raw reader takes",
       R"(42["offer",{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7,"h":8,"i":9,"j":10,"k":11,"l":12,"m":13,"n":14,"o":15,"p":16,"to":"bob"}])",
       bob},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(say(alice, std::string(c.frame), c.receiver), Texts{std::string(c.frame)});
    EXPECT_TRUE(node.take(alice).empty());
    EXPECT_TRUE(node.take(c.receiver == bob ? carol : bob).empty());
  }
  // An integer too long for the raw reader's check is still the tree's integer.
  node.send(bob, R"(42["join",12345678901234567890])", now);
  node.take(bob);
  EXPECT_EQ(say(alice, R"(42["x",{"roomId":12345678901234567890}])", bob),
            Texts{R"(42["x",{"roomId":12345678901234567890}])"});
}

TEST_F(Tutorial, JoinAndLoginAreAcknowledgedWhenAsked) {
  EXPECT_EQ(say(alice, R"(421["login",{"name":"alice"}])", alice), Texts{R"(431[{"ok":true}])"});
  EXPECT_EQ(say(alice, R"(422["join","r"])", alice), Texts{R"(432[{"ok":true}])"});
  EXPECT_EQ(say(alice, R"(423["leaveRoom","r"])", alice), Texts{R"(433[{"ok":true}])"});
  EXPECT_FALSE(app.rooms().in_room("/", id(alice), "r"));
  EXPECT_EQ(*app.socket_of("alice"), id(alice));
}

TEST_F(Tutorial, UndeliverableMessagesGetACountedError) {
  node.send(alice, R"(42["join","solo"])", now);
  const struct {
    std::string_view name;
    std::string_view frame;
    std::string_view answer;
    TutorialError error;
  } cases[] = {
      {"no receiver, no room", R"(42["hello",{"x":1}])",
       R"(42["error",{"ok":false,"error":"unknown-event","message":"no receiver: name one with to/target/toUser, or a room with room/roomId","event":"hello"}])",
       TutorialError::unknown_event},
      {"a string that is no room of the sender's", R"(42["callRemote","002"])",
       R"(42["error",{"ok":false,"error":"unknown-event","message":"no receiver: name one with to/target/toUser, or a room with room/roomId","event":"callRemote"}])",
       TutorialError::unknown_event},
      {"receiver offline, answered in the ack", R"(429["offer",{"target":"dave"}])",
       R"(439[{"ok":false,"error":"unknown-target","message":"dave is not online","event":"offer"}])",
       TutorialError::unknown_target},
      {"alone in the room", R"(42["offer",{"roomId":"solo"}])",
       R"(42["error",{"ok":false,"error":"no-recipient","message":"nobody else is in room solo","event":"offer"}])",
       TutorialError::no_recipient},
      {"join without a room", R"(42["join",{"id":1}])",
       R"(42["error",{"ok":false,"error":"bad-room","message":"a room is a non-empty string or number, or a room/roomId field","event":"join"}])",
       TutorialError::bad_room},
      {"login without a name", R"(42["login",""])",
       R"(42["error",{"ok":false,"error":"bad-name","message":"a name is a non-empty string, or a username/name field","event":"login"}])",
       TutorialError::bad_name},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const std::uint64_t before = app.errors(c.error);
    EXPECT_EQ(say(alice, std::string(c.frame), alice), Texts{std::string(c.answer)});
    EXPECT_EQ(app.errors(c.error), before + 1);
    EXPECT_TRUE(node.take(bob).empty());
  }
}

TEST_F(Tutorial, ALaterLoginTakesTheNameOver) {
  node.send(bob, R"(42["login","bob"])", now);
  node.send(carol, R"(42["login","bob"])", now);  // bob's page reloaded: its new socket
  const std::string frame = R"(42["offer",{"target":"bob"}])";
  EXPECT_EQ(say(alice, frame, carol), Texts{frame});
  EXPECT_TRUE(node.take(bob).empty());
  // Logging in again under another name frees the first.
  node.send(carol, R"(42["login","carol"])", now);
  say(alice, frame, alice);
  EXPECT_EQ(app.errors(TutorialError::unknown_target), 1u);
}

TEST_F(Tutorial, DisconnectForgetsNameAndRooms) {
  node.send(bob, R"(42["login","bob"])", now);
  node.send(bob, R"(42["join","001"])", now);
  const std::string bob_id = id(bob);
  node.send(bob, "41", now);
  EXPECT_EQ(app.socket_of("bob"), nullptr);
  EXPECT_FALSE(app.rooms().has_socket("/", bob_id));
  EXPECT_EQ(app.rooms().room_count(), 0u);
}

TEST_F(Tutorial, AttachmentsAreRelayedWithTheirEvent) {
  node.send(bob, R"(42["login","bob"])", now);
  node.send(alice, R"(451-["file",{"target":"bob"},{"_placeholder":true,"num":0}])", now);
  node.send(alice, "\x01\x02", now, true);
  EXPECT_EQ(node.take_text(bob),
            (Texts{R"(451-["file",{"target":"bob"},{"_placeholder":true,"num":0}])", "<binary>\x01\x02"}));
}

TEST_F(Tutorial, OnlyTheMainNamespaceExists) {
  node.send(alice, "40/admin,", now);
  EXPECT_EQ(node.take_text(alice), Texts{R"(44/admin,{"message":"Invalid namespace"})"});
}

class TutorialLimited : public Tutorial {
 protected:
  static TutorialLimits limits() {
    TutorialLimits limits;
    limits.max_name_bytes = 4;
    limits.max_room_bytes = 3;
    limits.rooms.max_rooms_per_socket = 2;
    limits.rooms.max_sockets_per_room = 2;
    return limits;
  }
  TutorialLimited() : Tutorial(limits()) {}
};

TEST_F(TutorialLimited, EveryLimitHoldsAtTheBoundAndRefusesOneOver) {
  const struct {
    std::string_view name;
    std::size_t client;
    std::string_view frame;
    std::optional<TutorialError> error;
  } cases[] = {
      {"name at the bound", alice, R"(421["login","abcd"])", std::nullopt},
      {"name one over", alice, R"(421["login","abcde"])", TutorialError::bad_name},
      {"room name at the bound", alice, R"(421["join","r12"])", std::nullopt},
      {"room name one over", alice, R"(421["join","r123"])", TutorialError::bad_room},
      {"second room", alice, R"(421["join","r2"])", std::nullopt},
      {"third room", alice, R"(421["join","r3"])", TutorialError::too_many_rooms},
      {"second member", bob, R"(421["join","r2"])", std::nullopt},
      {"third member", carol, R"(421["join","r2"])", TutorialError::room_full},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const Texts answer = say(c.client, std::string(c.frame), c.client);
    ASSERT_EQ(answer.size(), 1u);
    if (c.error) {
      const std::string code = "\"error\":\"" + std::string(to_string(*c.error)) + "\"";
      EXPECT_NE(answer[0].find(code), std::string::npos) << answer[0];
    } else {
      EXPECT_EQ(answer[0], R"(431[{"ok":true}])");
    }
  }
}

}  // namespace
}  // namespace iceway::signaling::socketio

namespace iceway::signaling::socketio {
namespace {

// Tutorial 002's server as a profile (deploy/profiles/tutorial-002.toml): connectionSuccess on
// connect, joinRoom, io.to(room) for the call events, sendAnswer and sendCandidate renamed and
// unwrapped, sendOffer unwrapped under its own name.
SocketIoProfile room_app() {
  using Action = SocketIoEventRule::Action;
  SocketIoProfile profile;
  profile.path = "/socket.io/";
  profile.on_connect = "connectionSuccess";
  profile.events = {
      {"joinRoom", Action::join, "", "", ""},
      {"callRemote", Action::to_room, "", "", ""},
      {"sendOffer", Action::to_room, "roomId", "", "offer"},
      {"sendAnswer", Action::to_room, "roomId", "receiveAnswer", "answer"},
      {"sendCandidate", Action::to_room_others, "roomId", "receiveCandidate", "candidate"},
  };
  return profile;
}

class RoomProfile : public ::testing::Test {
 protected:
  // alice and bob connected to "/": each got connectionSuccess, which the test reads here.
  void SetUp() override {
    for (std::size_t client : {alice, bob}) {
      EXPECT_EQ(node.open_websocket(now), client);
      node.send(client, "40", now);
      const auto greeted = node.take_text(client);
      ASSERT_EQ(greeted.size(), 3u);  // the open packet, the CONNECT answer, the profile's event
      EXPECT_EQ(greeted[1].substr(0, 2), "40");
      EXPECT_EQ(greeted[2], R"(42["connectionSuccess"])");
    }
    node.send(alice, R"(42["joinRoom","001"])", now);
    node.send(bob, R"(42["joinRoom","001"])", now);
  }

  static constexpr std::size_t alice = 0, bob = 1;
  TutorialServer app{TutorialLimits{}, room_app()};
  TestNode node{app, EngineSettings{}, ConnectionSettings{}};
  TimePoint now = kStart;
};

TEST_F(RoomProfile, IoToRoomReachesEveryMemberTheSenderToo) {
  node.send(alice, R"(42["callRemote","001"])", now);
  EXPECT_EQ(node.take_text(bob), Texts{R"(42["callRemote","001"])"});
  EXPECT_EQ(node.take_text(alice), Texts{R"(42["callRemote","001"])"});
}

TEST_F(RoomProfile, RenamedAndUnwrappedEventsArriveAsTheAppsServerSendsThem) {
  node.send(bob, R"(42["sendAnswer",{"roomId":"001","answer":{"type":"answer","sdp":"v=0\r\n"}}])", now);
  EXPECT_EQ(node.take_text(alice), Texts{R"(42["receiveAnswer",{"type":"answer","sdp":"v=0\r\n"}])"});
  node.take(bob);
  // Unwrapped under its own name; keys kept in the page's order.
  node.send(alice, R"(42["sendOffer",{"offer":{"type":"offer","sdp":"x"},"roomId":"001"}])", now);
  EXPECT_EQ(node.take_text(bob), Texts{R"(42["sendOffer",{"type":"offer","sdp":"x"}])"});
  node.take(alice);
  // socket.to(room): not back to the sender.
  node.send(alice, R"(42["sendCandidate",{"roomId":"001","candidate":{"candidate":"c","sdpMid":"0"}}])", now);
  EXPECT_EQ(node.take_text(bob), Texts{R"(42["receiveCandidate",{"candidate":"c","sdpMid":"0"}])"});
  EXPECT_TRUE(node.take(alice).empty());
}

TEST_F(RoomProfile, ARuleWhoseRoomOrFieldIsMissingIsACountedError) {
  node.send(alice, R"(42["sendAnswer",{"answer":{}}])", now);
  auto answer = node.take_text(alice);
  ASSERT_EQ(answer.size(), 1u);
  EXPECT_NE(answer[0].find("bad-room"), std::string::npos) << answer[0];
  node.send(alice, R"(42["sendAnswer",{"roomId":"001"}])", now);
  answer = node.take_text(alice);
  ASSERT_EQ(answer.size(), 1u);
  EXPECT_NE(answer[0].find("needs the field answer"), std::string::npos) << answer[0];
  EXPECT_TRUE(node.take(bob).empty());
  EXPECT_EQ(app.errors(TutorialError::bad_room), 1u);
  EXPECT_EQ(app.errors(TutorialError::unknown_event), 1u);
}

TEST_F(RoomProfile, EventsWithoutARuleGetTheTutorialServersBehaviour) {
  node.send(alice, R"(42["hangUp",{"roomId":"001"}])", now);
  EXPECT_EQ(node.take_text(bob), Texts{R"(42["hangUp",{"roomId":"001"}])"});
  EXPECT_TRUE(node.take(alice).empty());
}

// Tutorial 004's app as a profile (deploy/profiles/tutorial-004.toml): every event carries
// {username, target, ...}, relayed unchanged to `target`; a socket is named by its handshake's
// auth object or by the `username` of the first event it sends.
SocketIoProfile named_app() {
  SocketIoProfile profile;
  profile.path = "/socket.io/";
  profile.name_auth = {"username"};
  profile.name_fields = {"username"};
  return profile;
}

class NamedProfile : public ::testing::Test {
 protected:
  // Connects a client with the CONNECT packet `connect` ("40" or "40{auth}").
  std::size_t connect(std::string connect) {
    const std::size_t client = node.open_websocket(now);
    node.send(client, std::move(connect), now);
    node.take(client);
    return client;
  }

  TutorialServer app{TutorialLimits{.rooms = {}, .max_name_bytes = 8, .max_room_bytes = 256}, named_app()};
  TestNode node{app, EngineSettings{}, ConnectionSettings{}};
  TimePoint now = kStart;
};

TEST_F(NamedProfile, ACalleeNamedByItsAuthObjectGetsTheCallersEventsUnchanged) {
  const std::size_t bob = connect(R"(40{"username":"bob"})");
  const std::size_t alice = connect("40");
  const std::string offer = R"(42["offer",{"username":"alice","target":"bob","offer":{"type":"offer","sdp":"v=0\r\n"}}])";
  node.send(alice, offer, now);
  EXPECT_EQ(node.take_text(bob), Texts{offer});
  EXPECT_TRUE(node.take(alice).empty());
  // The caller was named by its offer's username: the answer finds it.
  const std::string answer = R"(42["answer",{"username":"bob","target":"alice","answer":{"type":"answer","sdp":"x"}}])";
  node.send(bob, answer, now);
  EXPECT_EQ(node.take_text(alice), Texts{answer});
  ASSERT_NE(app.socket_of("alice"), nullptr);
  EXPECT_EQ(*app.socket_of("alice"), *node.connection(alice).socket_id("/"));
}

TEST_F(NamedProfile, ACalleeThatHasSentNothingCannotBeCalledAndTheCallerIsTold) {
  // The documented limit: without auth or a login, bob has no name until he sends something.
  const std::size_t bob = connect("40");
  const std::size_t alice = connect("40");
  node.send(alice, R"(42["offer",{"username":"alice","target":"bob","offer":{}}])", now);
  EXPECT_TRUE(node.take(bob).empty());
  const auto told = node.take_text(alice);
  ASSERT_EQ(told.size(), 1u);
  EXPECT_NE(told[0].find(R"("error":"unknown-target")"), std::string::npos) << told[0];
  EXPECT_EQ(app.errors(TutorialError::unknown_target), 1u);
  // Once bob has sent anything with his username, he can be called.
  node.send(bob, R"(42["candidate",{"username":"bob","target":"nobody","candidate":null}])", now);
  node.take(bob);
  node.send(alice, R"(42["offer",{"username":"alice","target":"bob","offer":{}}])", now);
  EXPECT_EQ(node.take_text(bob), Texts{R"(42["offer",{"username":"alice","target":"bob","offer":{}}])"});
}

TEST_F(NamedProfile, TheFirstNameStaysAndALaterSocketTakesItOver) {
  const std::size_t first = connect("40");
  node.send(first, R"(42["candidate",{"username":"carol","target":"x"}])", now);
  node.take(first);
  // A later username in the same socket's events does not rename it.
  node.send(first, R"(42["candidate",{"username":"mallory","target":"x"}])", now);
  node.take(first);
  EXPECT_EQ(app.socket_of("mallory"), nullptr);
  ASSERT_NE(app.socket_of("carol"), nullptr);
  // A reloaded page's new socket takes the name from the old one, as login does.
  const std::size_t reloaded = connect(R"(40{"username":"carol"})");
  ASSERT_NE(app.socket_of("carol"), nullptr);
  EXPECT_EQ(*app.socket_of("carol"), *node.connection(reloaded).socket_id("/"));
}

TEST_F(NamedProfile, AnOverlongNameIsRefusedWithACountedErrorAndTheEventIsNotRelayed) {
  const std::size_t bob = connect(R"(40{"username":"bob"})");
  const std::size_t alice = connect("40");
  node.send(alice, R"(421["offer",{"username":"alice-the-long","target":"bob"}])", now);
  const auto told = node.take_text(alice);
  ASSERT_EQ(told.size(), 1u);
  EXPECT_NE(told[0].find(R"(431[{"ok":false,"error":"bad-name")"), std::string::npos) << told[0];
  EXPECT_TRUE(node.take(bob).empty());
  // In the auth object: the socket connects unnamed and is told why.
  const std::size_t long_auth = node.open_websocket(now);
  node.take(long_auth);
  node.send(long_auth, R"(40{"username":"much-too-long"})", now);
  const auto answered = node.take_text(long_auth);
  ASSERT_EQ(answered.size(), 2u);
  EXPECT_EQ(answered[0].substr(0, 2), "40");
  EXPECT_NE(answered[1].find(R"(42["error",{"ok":false,"error":"bad-name")"), std::string::npos) << answered[1];
  EXPECT_EQ(app.socket_of("much-too-long"), nullptr);
  EXPECT_EQ(app.errors(TutorialError::bad_name), 2u);
}

}  // namespace
}  // namespace iceway::signaling::socketio
