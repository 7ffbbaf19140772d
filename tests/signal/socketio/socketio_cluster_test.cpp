// Socket.IO across nodes ([cluster], issue 13): the bus form of an emit, and the tutorial server on
// two nodes, each with its own cluster core, joined by a fake bus that does what Redis pub/sub
// does (the presence channel to the other node, a node's channel to that node). Clients speak
// through real Engine.IO sessions and Socket.IO connections (test_node.hpp).
#include "signal/socketio/socketio_cluster_link.hpp"

#include <gtest/gtest.h>

#include "signal/cluster/cluster_core.hpp"
#include "signal/socketio/tutorial_server.hpp"
#include "test_node.hpp"

namespace iceway::signaling::socketio {
namespace {

using cluster::ClusterCore;
using cluster::ClusterCounters;
using cluster::RemoteEvent;
using testing::TestNode;
using Texts = std::vector<std::string>;

const TimePoint kStart = TimePoint{} + std::chrono::hours(1);

TEST(SocketIoClusterLink, AnEmitRoundTripsWithItsBytesAttachmentsAndExcept) {
  RemoteEmit emit;
  emit.event = "offer";
  emit.arguments = R"({"z":1,"sdp":"v=0\r\n","a":[1.50]},"\u00e9")";
  emit.attachments = {std::string("\x00\xff\x10 binary", 10), ""};
  emit.except = "sender-id";
  auto back = SocketIoClusterLink::decode(SocketIoClusterLink::encode(emit));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->event, emit.event);
  EXPECT_EQ(back->arguments, emit.arguments) << "the sender's bytes, not a re-serialisation";
  EXPECT_EQ(back->attachments, emit.attachments);
  EXPECT_EQ(back->except, "sender-id");
}

TEST(SocketIoClusterLink, AFrameThatIsNotAnEmitIsRefused) {
  for (std::string_view frame : {"", "[]", R"({"e":"x"})", R"({"e":1,"a":"","b":[]})", R"({"e":"x","a":"","b":["%%"]})",
                                 R"({"e":"x","a":"","b":[1]})", R"({"e":"x","a":"","b":[],"x":2})"}) {
    SCOPED_TRACE(frame);
    EXPECT_FALSE(SocketIoClusterLink::decode(frame));
  }
}

TEST(SocketIoClusterLink, OnlyItsOwnMountsKeysAreRead) {
  ClusterCounters counters;
  ClusterCore core("a", std::chrono::seconds(2), counters);
  SocketIoClusterLink link;
  link.attach(core, "/socket.io/");
  RemoteEvent event{RemoteEvent::Kind::deliver_to_peer, Protocol::socketio, "/socket.io/#n:bob", {},
                    SocketIoClusterLink::encode(RemoteEmit{"hi", "1", {}, {}})};
  auto delivery = link.read(event);
  ASSERT_TRUE(delivery);
  EXPECT_EQ(delivery->kind, ClusterDelivery::Kind::to_name);
  EXPECT_EQ(delivery->target, "bob");
  EXPECT_EQ(delivery->emit.event, "hi");
  event.id = "/other/#n:bob";  // another path's app
  EXPECT_FALSE(link.read(event));
  event.id = "/socket.io/#n:bob";
  event.protocol = Protocol::native;
  EXPECT_FALSE(link.read(event));
}

// --- the tutorial server on two nodes ------------------------------------------------------------

struct Node {
  Node(std::string id, std::uint8_t random_start)
      : core(std::move(id), std::chrono::seconds(2), counters), node(app, EngineSettings{}, ConnectionSettings{}, random_start) {
    app.attach_cluster(core, "/socket.io/");
  }
  // A client connected to "/"; returns its index.
  std::size_t connect(TimePoint now) {
    const std::size_t client = node.open_websocket(now);
    node.send(client, "40", now);
    node.take(client);
    return client;
  }
  std::string id(std::size_t client) const { return *node.connection(client).socket_id("/"); }

  ClusterCounters counters;
  ClusterCore core;
  TutorialServer app{TutorialLimits{}};
  TestNode node;
};

class TwoNodes : public ::testing::Test {
 protected:
  // Carries `from`'s publishes to `to` and carries out what they ask there.
  void carry(Node& from, Node& to) {
    std::vector<RemoteEvent> events;
    for (auto& publish : from.core.take_outgoing()) {
      if (publish.channel == cluster::kPresenceChannel || publish.channel == to.core.own_channel())
        to.core.receive(publish.payload, now, events);
    }
    to.node.remote(events, now);
  }
  void sync() {
    carry(a, b);
    carry(b, a);
  }

  TimePoint now = kStart;
  Node a{"a", 0};
  Node b{"b", 128};
};

TEST_F(TwoNodes, ANamedReceiverOrASocketIdOnTheOtherNodeGetsTheEventUnchanged) {
  const auto alice = a.connect(now);
  const auto bob = b.connect(now);
  b.node.send(bob, R"(42["login","bob"])", now);
  sync();
  const std::string offer = R"(42["offer",{"to":"bob","sdp":"v=0\r\n","z":[1.50]}])";
  a.node.send(alice, offer, now);
  EXPECT_TRUE(a.node.take(alice).empty()) << "no unknown-target: bob is on node b";
  carry(a, b);
  EXPECT_EQ(b.node.take_text(bob), Texts{offer});
  // By socket id, as io.to(socket.id) reaches any node with the Redis adapter.
  const std::string by_id = R"(42["answer",{"target":")" + a.id(alice) + R"(","sdp":"x"}])";
  b.node.send(bob, by_id, now);
  carry(b, a);
  EXPECT_EQ(a.node.take_text(alice), Texts{by_id});
  // Binary attachments cross too.
  a.node.send(alice, R"(451-["file",{"to":"bob"},{"_placeholder":true,"num":0}])", now);
  a.node.send(alice, std::string("\x01\x02\x00\x03", 4), now, true);
  carry(a, b);
  EXPECT_EQ(b.node.take_text(bob),
            (Texts{R"(451-["file",{"to":"bob"},{"_placeholder":true,"num":0}])", std::string("<binary>\x01\x02\x00\x03", 12)}));
}

TEST_F(TwoNodes, RoomEventsReachTheMembersOnEveryNodeButNotTheSender) {
  const auto alice = a.connect(now);
  const auto amy = a.connect(now);
  const auto bob = b.connect(now);
  a.node.send(alice, R"(42["joinRoom","001"])", now);
  a.node.send(amy, R"(42["joinRoom","001"])", now);
  b.node.send(bob, R"(42["join",{"roomId":"001"}])", now);
  sync();
  const std::string offer = R"(42["sendOffer",{"offer":{"sdp":"v=0"},"roomId":"001"}])";
  b.node.send(bob, offer, now);
  EXPECT_TRUE(b.node.take(bob).empty()) << "socket.to(room): not back to the sender, no error";
  carry(b, a);
  EXPECT_EQ(a.node.take_text(alice), Texts{offer});
  EXPECT_EQ(a.node.take_text(amy), Texts{offer});
  // From a: amy locally, bob on b, alice (the sender) nowhere.
  a.node.send(alice, R"(42["callRemote","001"])", now);
  carry(a, b);
  EXPECT_EQ(a.node.take_text(amy), Texts{R"(42["callRemote","001"])"});
  EXPECT_EQ(b.node.take_text(bob), Texts{R"(42["callRemote","001"])"});
  EXPECT_TRUE(a.node.take(alice).empty());
}

TEST_F(TwoNodes, NobodyElseInTheRoomMeansOnNoNode) {
  const auto alice = a.connect(now);
  const auto bob = b.connect(now);
  a.node.send(alice, R"(42["join","r"])", now);
  b.node.send(bob, R"(42["join","r"])", now);
  sync();
  a.node.send(alice, R"(42["ping",{"room":"r"}])", now);
  EXPECT_TRUE(a.node.take(alice).empty()) << "bob on node b is in r";
  b.node.send(bob, R"(42["leave","r"])", now);
  sync();
  a.node.send(alice, R"(42["ping",{"room":"r"}])", now);
  const Texts refused = a.node.take_text(alice);
  ASSERT_EQ(refused.size(), 1u);
  EXPECT_NE(refused[0].find("no-recipient"), std::string::npos) << refused[0];
}

TEST_F(TwoNodes, ALoginOnTheOtherNodeTakesTheNameAndADisconnectFreesIt) {
  const auto old_page = a.connect(now);
  const auto caller = a.connect(now);
  const auto new_page = b.connect(now);
  a.node.send(old_page, R"(42["login","lily"])", now);
  sync();
  b.node.send(new_page, R"(42["login","lily"])", now);  // the page reloaded, on the other node
  sync();
  a.node.send(caller, R"(42["call",{"toUser":"lily"}])", now);
  EXPECT_TRUE(a.node.take(old_page).empty()) << "the old page no longer holds the name";
  carry(a, b);
  EXPECT_EQ(b.node.take_text(new_page), Texts{R"(42["call",{"toUser":"lily"}])"});
  // The new page goes: lily is on no node, and the caller is told.
  b.node.send(new_page, "41", now);
  sync();
  a.node.send(caller, R"(42["call",{"toUser":"lily"}])", now);
  const Texts refused = a.node.take_text(caller);
  ASSERT_EQ(refused.size(), 1u);
  EXPECT_NE(refused[0].find("unknown-target"), std::string::npos) << refused[0];
  EXPECT_TRUE(a.core.take_outgoing().empty()) << "nothing was published for a name on no node";
}

}  // namespace
}  // namespace iceway::signaling::socketio
