// [cluster] (issue 13): the bus codec, cluster.redis' forms, the pure cluster core (presence as
// soft state, id ownership, one publish per receiving node) and the native protocol on two
// nodes, each a Dispatcher with its own core, joined by a fake bus that does what Redis pub/sub
// does: the presence channel to every other node, a node's channel to that node only.
#include <gtest/gtest.h>

#include <map>

#include "signal/cluster/bus_message.hpp"
#include "signal/cluster/cluster_core.hpp"
#include "signal/cluster/redis_url.hpp"
#include "test_support.hpp"

namespace iceway::signaling {
namespace {

using cluster::BusMessage;
using cluster::BusType;
using cluster::ClusterCore;
using cluster::ClusterCounters;
using cluster::RemoteEvent;
using testing::frames_for;
using testing::Harness;
using testing::only_frame;

constexpr Duration kHeartbeat = std::chrono::seconds(2);

// --- codec ------------------------------------------------------------------------------------

TEST(BusMessage, EveryTypeRoundTrips) {
  BusMessage state;
  state.type = BusType::state;
  state.node = "node-a:8080";
  state.heartbeat = std::chrono::milliseconds(2000);
  state.holdings[index(Protocol::native)].ids = {"alice", "bob"};
  state.holdings[index(Protocol::native)].rooms = {{"r1", {"bob", "alice"}}};
  auto decoded = cluster::decode(cluster::encode(state));
  ASSERT_TRUE(decoded) << decoded.error();
  EXPECT_EQ(decoded.value().node, "node-a:8080");
  EXPECT_EQ(decoded.value().heartbeat, std::chrono::milliseconds(2000));
  EXPECT_EQ(decoded.value().holdings[index(Protocol::native)].ids, (std::vector<std::string>{"alice", "bob"}));
  ASSERT_EQ(decoded.value().holdings[index(Protocol::native)].rooms.size(), 1u);
  EXPECT_EQ(decoded.value().holdings[index(Protocol::native)].rooms[0].members, (std::vector<std::string>{"bob", "alice"}));
  EXPECT_TRUE(decoded.value().holdings[index(Protocol::peerjs)].empty());

  for (BusType type : {BusType::claim, BusType::release, BusType::join, BusType::leave, BusType::peer, BusType::room}) {
    BusMessage message;
    message.type = type;
    message.node = "b";
    message.protocol = Protocol::peerjs;
    if (type != BusType::room) message.id = "peer-1";
    if (type == BusType::join || type == BusType::leave || type == BusType::room) message.room = "room \"1\"";
    if (type == BusType::peer || type == BusType::room) message.frame = R"({"type":"signal","data":"\u0000é"})";
    auto back = cluster::decode(cluster::encode(message));
    ASSERT_TRUE(back) << cluster::encode(message) << ": " << back.error();
    EXPECT_EQ(back.value().type, type);
    EXPECT_EQ(back.value().protocol, Protocol::peerjs);
    EXPECT_EQ(back.value().id, message.id);
    EXPECT_EQ(back.value().room, message.room);
    EXPECT_EQ(back.value().frame, message.frame);
  }
}

TEST(BusMessage, AFrameKeepsEveryByteOfItsTargetAndItselfAndIsNotJson) {
  BusMessage message;
  message.type = BusType::peer;
  message.node = "node-a:8080";
  message.protocol = Protocol::profile;
  message.id = "小明 2:x \n";
  // sizeof - 1: the frame's own bytes, its NUL and 0xff included, and not the literal's terminator.
  static constexpr char kFrame[] = "{\"sdp\":\"v=0\r\n\"}\0 \xff";
  message.frame = std::string(kFrame, sizeof kFrame - 1);
  const std::string encoded = cluster::encode(message);
  EXPECT_EQ(encoded.rfind("F1 p node-a:8080 profile ", 0), 0u) << encoded;
  EXPECT_EQ(encoded.substr(encoded.size() - message.frame.size()), message.frame) << "the frame's own bytes, unescaped";
  auto back = cluster::decode(encoded);
  ASSERT_TRUE(back) << back.error();
  EXPECT_EQ(back.value().id, message.id);
  EXPECT_EQ(back.value().frame, message.frame);
  EXPECT_EQ(back.value().protocol, Protocol::profile);
}

TEST(BusMessage, RefusesWhatIsNotABusMessage) {
  for (const char* text : {
           "", "[]", "not json", R"({"v":2,"t":"claim","n":"a","p":"native","id":"x"})",
           R"({"v":1,"t":"shout","n":"a"})", R"({"v":1,"t":"claim","n":"a b","p":"native","id":"x"})",
           R"({"v":1,"t":"claim","n":"a","p":"smtp","id":"x"})", R"({"v":1,"t":"claim","n":"a","p":"native"})",
           R"({"v":1,"t":"join","n":"a","p":"native","id":"x"})", R"({"v":1,"t":"peer","n":"a","p":"native","to":"x"})",
           R"({"v":1,"t":"state","n":"a","h":{}})", R"({"v":1,"t":"state","n":"a","hb":0,"h":{}})",
           // A heartbeat past the bound would keep the node (and its peers) present for hours.
           R"({"v":1,"t":"state","n":"a","hb":60001,"h":{}})",
           R"({"v":1,"t":"state","n":"a","hb":1000,"h":{"native":{"ids":[1]}}})",
           // Frames travel only in their envelope, and a broken envelope is refused whole.
           "F1 x a native 1:x {}", "F1 p a smtp 1:x {}", "F1 p a b native 1:x {}", "F1 p a native 0: {}",
           "F1 p a native 5:x {}", "F1 p a native 1:x{}", "F1 p a native 123456:x {}", "F1 p a native -1:x {}",
           "F1 p a native x {}", "F1 p", "F1 ",
       }) {
    EXPECT_FALSE(cluster::decode(text)) << text;
  }
}

// --- cluster.redis ------------------------------------------------------------------------------

TEST(RedisUrl, TakesAnAddressOrAUnixSocket) {
  auto tcp = cluster::parse_redis_url("redis://10.0.0.5:6380");
  ASSERT_TRUE(tcp) << tcp.error();
  EXPECT_EQ(tcp.value().tcp.to_string(), "10.0.0.5:6380");
  EXPECT_TRUE(tcp.value().unix_path.empty());
  EXPECT_EQ(cluster::parse_redis_url("redis://[fd00::5]").value().tcp.to_string(), "[fd00::5]:6379");
  EXPECT_EQ(cluster::parse_redis_url("redis://localhost").value().tcp.to_string(), "127.0.0.1:6379");
  EXPECT_EQ(cluster::parse_redis_url("unix:///run/redis/redis.sock").value().unix_path, "/run/redis/redis.sock");
}

TEST(RedisUrl, RefusesNamesTlsPasswordsAndNonsense) {
  for (const char* text : {"redis://redis.internal:6379", "rediss://10.0.0.5:6379", "redis://:secret@10.0.0.5",
                           "10.0.0.5:6379", "redis://0.0.0.0:6379", "redis://10.0.0.5:0", "unix://relative.sock", ""}) {
    auto parsed = cluster::parse_redis_url(text);
    EXPECT_FALSE(parsed) << text;
    if (!parsed) {
      EXPECT_FALSE(parsed.error().empty());
    }
  }
}

// --- the core, between two or three nodes ------------------------------------------------------

// What Redis pub/sub does with each node's publishes: the presence channel reaches every
// subscribed node (the sender too, which ignores its own), a node channel only that node.
struct Bus {
  std::map<std::string, ClusterCore*> nodes;
  std::vector<cluster::Publish> published;  // everything that went over it, for the hot-path checks

  void add(ClusterCore& core) { nodes[core.node_id()] = &core; }
  // Delivers what `from` published; returns each receiver's events.
  std::map<std::string, std::vector<RemoteEvent>> pump(ClusterCore& from, TimePoint now) {
    std::map<std::string, std::vector<RemoteEvent>> events;
    for (auto& publish : from.take_outgoing()) {
      published.push_back(publish);
      for (auto& [id, node] : nodes) {
        if (publish.channel == cluster::kPresenceChannel || publish.channel == node->own_channel())
          node->receive(publish.payload, now, events[id]);
      }
    }
    return events;
  }
  // Pumps every node until nothing is left to publish (the states nodes answer a new node with).
  void settle(TimePoint now) {
    for (bool any = true; any;) {
      any = false;
      for (auto& [id, node] : nodes) {
        auto events = pump(*node, now);
        any = any || !events.empty();  // an entry per receiver of anything published
      }
    }
  }
};

struct Node {
  explicit Node(std::string id) : core(std::move(id), kHeartbeat, counters) {}
  ClusterCounters counters;
  ClusterCore core;
};

TEST(ClusterCore, AClaimReachesTheOtherNodesAndAReleaseFreesTheId) {
  Node a("a"), b("b");
  Bus bus;
  bus.add(a.core);
  bus.add(b.core);
  const TimePoint now{};
  a.core.claimed(Protocol::native, "alice");
  bus.pump(a.core, now);
  EXPECT_TRUE(b.core.held_elsewhere(Protocol::native, "alice"));
  EXPECT_FALSE(b.core.held_elsewhere(Protocol::peerjs, "alice"));  // one namespace per protocol
  EXPECT_FALSE(a.core.held_elsewhere(Protocol::native, "alice"));  // its own echo is ignored
  EXPECT_EQ(b.counters.remote_peers.value(), 1);
  EXPECT_EQ(b.counters.nodes.value(), 1);
  a.core.released(Protocol::native, "alice");
  bus.pump(a.core, now);
  EXPECT_FALSE(b.core.held_elsewhere(Protocol::native, "alice"));
}

TEST(ClusterCore, AFrameForARemotePeerIsOnePublishToItsNodeOnly) {
  Node a("a"), b("b"), c("c");
  Bus bus;
  for (Node* node : {&a, &b, &c}) bus.add(node->core);
  const TimePoint now{};
  b.core.claimed(Protocol::native, "bob");
  bus.pump(b.core, now);
  bus.settle(now);
  bus.published.clear();
  EXPECT_TRUE(a.core.send_to_peer(Protocol::native, "bob", R"({"type":"signal"})"));
  auto events = bus.pump(a.core, now);
  ASSERT_EQ(bus.published.size(), 1u);
  EXPECT_EQ(bus.published[0].channel, cluster::node_channel("b"));
  ASSERT_EQ(events["b"].size(), 1u);
  EXPECT_EQ(events["b"][0].kind, RemoteEvent::Kind::deliver_to_peer);
  EXPECT_EQ(events["b"][0].id, "bob");
  EXPECT_EQ(events["b"][0].frame, R"({"type":"signal"})");
  EXPECT_TRUE(events["c"].empty());
  EXPECT_FALSE(a.core.send_to_peer(Protocol::native, "nobody", "{}"));
  EXPECT_TRUE(a.core.take_outgoing().empty());
  EXPECT_EQ(a.counters.frames_sent.value(), 1);
  EXPECT_EQ(b.counters.frames_received.value(), 1);
}

TEST(ClusterCore, ARoomFrameGoesOnlyToNodesWithMembers) {
  Node a("a"), b("b"), c("c");
  Bus bus;
  for (Node* node : {&a, &b, &c}) bus.add(node->core);
  const TimePoint now{};
  b.core.joined(Protocol::native, "r", "bob");
  auto joined = bus.pump(b.core, now);
  ASSERT_EQ(joined["a"].size(), 1u);
  EXPECT_EQ(joined["a"][0].kind, RemoteEvent::Kind::peer_joined);
  EXPECT_EQ(a.core.remote_members(Protocol::native, "r"), std::vector<std::string>{"bob"});
  bus.settle(now);  // a and c answered b, new to them, with their states
  bus.published.clear();
  a.core.send_to_room(Protocol::native, "r", "frame");
  auto events = bus.pump(a.core, now);
  ASSERT_EQ(bus.published.size(), 1u);
  EXPECT_EQ(bus.published[0].channel, cluster::node_channel("b"));
  ASSERT_EQ(events["b"].size(), 1u);
  EXPECT_EQ(events["b"][0].kind, RemoteEvent::Kind::deliver_to_room);
  EXPECT_EQ(events["b"][0].room, "r");
  b.core.left(Protocol::native, "r", "bob");
  auto left = bus.pump(b.core, now);
  ASSERT_EQ(left["a"].size(), 1u);
  EXPECT_EQ(left["a"][0].kind, RemoteEvent::Kind::peer_left);
  EXPECT_TRUE(a.core.remote_members(Protocol::native, "r").empty());
}

TEST(ClusterCore, ASilentNodeDisappearsAfterThreeOfItsHeartbeatsAndItsMembersLeave) {
  Node a("a"), b("b");
  Bus bus;
  bus.add(a.core);
  bus.add(b.core);
  TimePoint now{};
  b.core.claimed(Protocol::native, "bob");
  b.core.joined(Protocol::native, "r", "bob");
  std::vector<RemoteEvent> events;
  b.core.heartbeat(now, events);
  bus.pump(b.core, now);
  a.core.expire(now + cluster::kMissedHeartbeats * kHeartbeat, events);
  EXPECT_TRUE(events.empty()) << "gone before its third missed heartbeat";
  EXPECT_TRUE(a.core.held_elsewhere(Protocol::native, "bob"));
  a.core.expire(now + cluster::kMissedHeartbeats * kHeartbeat + std::chrono::milliseconds(1), events);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].kind, RemoteEvent::Kind::peer_left);
  EXPECT_EQ(events[0].room, "r");
  EXPECT_EQ(events[0].id, "bob");
  EXPECT_EQ(events[1].kind, RemoteEvent::Kind::peer_released) << "its ids go too (PeerJS tells LEAVE)";
  EXPECT_EQ(events[1].id, "bob");
  EXPECT_FALSE(a.core.held_elsewhere(Protocol::native, "bob"));
  EXPECT_EQ(a.counters.nodes.value(), 0);
}

TEST(ClusterCore, AStateAfterMissedDeltasResynchronisesJoinsAndDepartures) {
  Node a("a"), b("b");
  Bus bus;
  bus.add(a.core);
  bus.add(b.core);
  const TimePoint now{};
  b.core.claimed(Protocol::native, "old");
  b.core.joined(Protocol::native, "r", "old");
  bus.pump(b.core, now);
  // Redis was away: these deltas never arrive.
  b.core.left(Protocol::native, "r", "old");
  b.core.released(Protocol::native, "old");
  b.core.claimed(Protocol::native, "new");
  b.core.joined(Protocol::native, "r", "new");
  b.core.take_outgoing();
  // Back: the next state says what b holds now.
  b.core.publish_state();
  auto events = bus.pump(b.core, now);
  ASSERT_EQ(events["a"].size(), 4u);
  EXPECT_EQ(events["a"][0].kind, RemoteEvent::Kind::peer_claimed);
  EXPECT_EQ(events["a"][0].id, "new");
  EXPECT_EQ(events["a"][1].kind, RemoteEvent::Kind::peer_released);
  EXPECT_EQ(events["a"][1].id, "old");
  EXPECT_EQ(events["a"][2].kind, RemoteEvent::Kind::peer_left);
  EXPECT_EQ(events["a"][2].id, "old");
  EXPECT_EQ(events["a"][3].kind, RemoteEvent::Kind::peer_joined);
  EXPECT_EQ(events["a"][3].id, "new");
  EXPECT_FALSE(a.core.held_elsewhere(Protocol::native, "old"));
  EXPECT_TRUE(a.core.held_elsewhere(Protocol::native, "new"));
  // The same state again changes nothing.
  b.core.publish_state();
  EXPECT_TRUE(bus.pump(b.core, now)["a"].empty());
}

TEST(ClusterCore, ANodeThatStartsLearnsTheOthersWithinARoundTripNotAHeartbeat) {
  Node a("a"), b("b");
  Bus bus;
  bus.add(a.core);
  const TimePoint now{};
  a.core.claimed(Protocol::yjs, "alice");
  a.core.joined(Protocol::yjs, "topic", "alice");
  bus.pump(a.core, now);  // before b existed
  // b starts: its state reaches a, which answers with its own at once.
  bus.add(b.core);
  b.core.publish_state();
  bus.pump(b.core, now);
  EXPECT_FALSE(b.core.held_elsewhere(Protocol::yjs, "alice"));
  bus.pump(a.core, now);
  EXPECT_TRUE(b.core.held_elsewhere(Protocol::yjs, "alice"));
  EXPECT_EQ(b.core.remote_members(Protocol::yjs, "topic"), std::vector<std::string>{"alice"});
  EXPECT_EQ(b.counters.nodes.value(), 1);
  // a was new to b too, so b answers once more; a knows b already, and it ends there.
  bus.pump(b.core, now);
  EXPECT_TRUE(a.core.take_outgoing().empty());
  EXPECT_TRUE(b.core.take_outgoing().empty());
  // A node already known gets no extra state: only heartbeats and deltas.
  b.core.claimed(Protocol::yjs, "bob");
  bus.pump(b.core, now);
  EXPECT_TRUE(a.core.take_outgoing().empty());
}

TEST(ClusterCore, NodesThatStartTogetherGetOneStateNotOneEach) {
  Node a("a"), b("b"), c("c");
  Bus bus;
  bus.add(a.core);
  const TimePoint now{};
  std::vector<RemoteEvent> events;
  b.core.publish_state();
  c.core.publish_state();
  for (Node* node : {&b, &c})
    for (auto& publish : node->core.take_outgoing()) a.core.receive(publish.payload, now, events);
  const auto out = a.core.take_outgoing();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].channel, cluster::kPresenceChannel);
  EXPECT_EQ(a.counters.nodes.value(), 2);
}

TEST(ClusterCore, AnIdLetInOnTwoNodesAtOnceStaysWithTheNodeThatSortsFirst) {
  Node a("a"), b("b");
  Bus bus;
  bus.add(a.core);
  bus.add(b.core);
  const TimePoint now{};
  a.core.claimed(Protocol::native, "x");
  b.core.claimed(Protocol::native, "x");
  auto from_a = bus.pump(a.core, now);
  auto from_b = bus.pump(b.core, now);
  ASSERT_EQ(from_a["b"].size(), 2u);
  EXPECT_EQ(from_a["b"][0].kind, RemoteEvent::Kind::peer_claimed);
  EXPECT_EQ(from_a["b"][1].kind, RemoteEvent::Kind::id_conflict);
  EXPECT_EQ(from_a["b"][1].id, "x");
  ASSERT_EQ(from_b["a"].size(), 1u);
  EXPECT_EQ(from_b["a"][0].kind, RemoteEvent::Kind::peer_claimed) << "a keeps its holder";
}

TEST(ClusterCore, ABadBusMessageIsCountedAndChangesNothing) {
  Node a("a");
  std::vector<RemoteEvent> events;
  a.core.receive(R"({"v":1,"t":"join","n":"b"})", TimePoint{}, events);
  a.core.receive("garbage", TimePoint{}, events);
  EXPECT_TRUE(events.empty());
  EXPECT_EQ(a.counters.bus_refused.value(), 2);
  EXPECT_EQ(a.core.node_count(), 0u);
}

// --- the native protocol on two nodes -----------------------------------------------------------

struct NativeNode {
  explicit NativeNode(std::string id, Settings settings = {})
      : core(std::move(id), kHeartbeat, counters), harness(std::move(settings)) {
    harness.dispatcher().attach_cluster(core);
  }
  ClusterCounters counters;
  ClusterCore core;
  Harness harness;
};

// Carries `from`'s publishes to the other node and returns the frames that causes there.
Outbox carry(NativeNode& from, NativeNode& to) {
  Outbox out;
  std::vector<RemoteEvent> events;
  for (auto& publish : from.core.take_outgoing()) {
    if (publish.channel == cluster::kPresenceChannel || publish.channel == to.core.own_channel())
      to.core.receive(publish.payload, to.harness.now, events);
  }
  to.harness.dispatcher().remote(events, to.harness.now, out);
  return out;
}

// Carries `from`'s publishes to `to` (whose own frames are not looked at) and returns `to`, so
// the frames `to` publishes in answer can be carried on.
NativeNode& carry_publishes(NativeNode& from, NativeNode& to) {
  carry(from, to);
  return to;
}

Json welcome(NativeNode& node, ConnectionId id, std::string_view peer_id) {
  return only_frame(node.harness.open(id, Protocol::native, "/ws?id=" + std::string(peer_id)), id);
}

TEST(ClusterNative, IdsRoomsSignalAndBroadcastSpanTwoNodes) {
  NativeNode a("a"), b("b");
  EXPECT_EQ(welcome(a, 1, "alice")["type"], "welcome");
  carry(a, b);
  // Taken on the other node.
  Json taken = only_frame(b.harness.open(2, Protocol::native, "/ws?id=alice"), 2);
  EXPECT_EQ(taken["code"], "id-taken") << taken;
  EXPECT_EQ(welcome(b, 3, "bob")["type"], "welcome");
  carry(b, a);

  a.harness.send_json(1, {{"type", "join"}, {"room", "r"}});
  EXPECT_TRUE(carry(a, b).empty()) << "nobody on b is in r yet";
  Json joined = only_frame(b.harness.send_json(3, {{"type", "join"}, {"room", "r"}}), 3);
  EXPECT_EQ(joined["peers"], Json::array({"alice"})) << joined;
  Json announced = only_frame(carry(b, a), 1);
  EXPECT_EQ(announced, (Json{{"type", "peer-joined"}, {"room", "r"}, {"id", "bob"}}));

  // signal {to}: nothing local, one frame on the other node.
  Outbox local = a.harness.send_json(1, {{"type", "signal"}, {"to", "bob"}, {"data", {{"sdp", "x"}}}});
  EXPECT_TRUE(local.empty());
  EXPECT_EQ(only_frame(carry(a, b), 3), (Json{{"type", "signal"}, {"from", "alice"}, {"data", {{"sdp", "x"}}}}));

  // broadcast reaches the other node's members.
  b.harness.send_json(3, {{"type", "broadcast"}, {"room", "r"}, {"data", 7}});
  EXPECT_EQ(only_frame(carry(b, a), 1), (Json{{"type", "broadcast"}, {"room", "r"}, {"from", "bob"}, {"data", 7}}));

  // bob's socket drops: alice hears peer-left, and alice's id... still hers.
  b.harness.close(3);
  EXPECT_EQ(only_frame(carry(b, a), 1), (Json{{"type", "peer-left"}, {"room", "r"}, {"id", "bob"}}));
  Json gone = only_frame(a.harness.send_json(1, {{"type", "signal"}, {"to", "bob"}, {"data", 1}}), 1);
  EXPECT_EQ(gone["code"], "peer-unavailable") << gone;
}

TEST(ClusterNative, TwoPeersOnOneNodeNeverTouchTheBus) {
  NativeNode a("a"), b("b");
  welcome(a, 1, "alice");
  welcome(a, 2, "amy");
  a.harness.send_json(1, {{"type", "join"}, {"room", "r"}});
  a.harness.send_json(2, {{"type", "join"}, {"room", "r"}});
  a.core.take_outgoing();  // the presence announcements
  EXPECT_EQ(frames_for(a.harness.send_json(1, {{"type", "signal"}, {"to", "amy"}, {"data", 1}}), 2).size(), 1u);
  EXPECT_EQ(frames_for(a.harness.send_json(1, {{"type", "broadcast"}, {"room", "r"}, {"data", 1}}), 2).size(), 1u);
  EXPECT_TRUE(a.core.take_outgoing().empty());
}

TEST(ClusterNative, TheLoserOfAnIdRaceIsToldIdTakenAndClosed) {
  NativeNode a("a"), b("b");
  welcome(a, 1, "x");
  welcome(b, 2, "x");
  Outbox on_b = carry(a, b);
  Json error = only_frame(on_b, 2);
  EXPECT_EQ(error["code"], "id-taken") << error;
  ASSERT_EQ(on_b.closes.size(), 1u);
  EXPECT_EQ(on_b.closes[0].connection, 2u);
  EXPECT_TRUE(carry(b, a).empty()) << "a keeps x";
  EXPECT_TRUE(b.core.held_elsewhere(Protocol::native, "x")) << "b now knows a holds x";
}

// --- PeerJS on two nodes -----------------------------------------------------------------------

Outbox peerjs_open(NativeNode& node, ConnectionId id, std::string_view peer_id) {
  return node.harness.open(id, Protocol::peerjs, "/peerjs/peerjs?key=peerjs&token=t&id=" + std::string(peer_id));
}

TEST(ClusterPeerJs, IdsAreUniqueAndOffersReachAPeerOnTheOtherNodeWithoutQueueing) {
  NativeNode a("a"), b("b");
  EXPECT_EQ(only_frame(peerjs_open(a, 1, "pa"), 1)["type"], "OPEN");
  carry(a, b);
  EXPECT_EQ(only_frame(peerjs_open(b, 2, "pa"), 2)["type"], "ID-TAKEN");
  EXPECT_EQ(only_frame(peerjs_open(b, 3, "pb"), 3)["type"], "OPEN");
  carry(b, a);
  const Json offer{{"type", "OFFER"}, {"dst", "pb"}, {"payload", {{"sdp", "v=0"}, {"connectionId", "c1"}}}};
  EXPECT_TRUE(a.harness.send_json(1, offer).empty());
  Json relayed = only_frame(carry(a, b), 3);
  EXPECT_EQ(relayed["type"], "OFFER");
  EXPECT_EQ(relayed["src"], "pa");
  EXPECT_EQ(relayed["payload"]["sdp"], "v=0");
  // Nothing waits in a queue for a peer that is somewhere: no EXPIRE after expire_timeout.
  EXPECT_TRUE(a.harness.advance(std::chrono::seconds(10)).empty());
  // LEAVE crosses too.
  a.harness.send_json(1, {{"type", "LEAVE"}, {"dst", "pb"}});
  EXPECT_EQ(only_frame(carry(a, b), 3)["type"], "LEAVE");
}

TEST(ClusterPeerJs, AMessageQueuedForAnAbsentPeerFollowsItToTheNodeItAppearsOn) {
  NativeNode a("a"), b("b");
  peerjs_open(a, 1, "pa");
  carry(a, b);
  EXPECT_TRUE(a.harness.send_json(1, {{"type", "OFFER"}, {"dst", "late"}, {"payload", {{"sdp", "q"}}}}).empty());
  peerjs_open(b, 2, "late");
  Json delivered = only_frame(carry(carry_publishes(b, a), b), 2);
  EXPECT_EQ(delivered["type"], "OFFER");
  EXPECT_EQ(delivered["payload"]["sdp"], "q");
  EXPECT_TRUE(a.harness.advance(std::chrono::seconds(10)).empty()) << "no EXPIRE: the queue went to node b";
}

// --- the named relay, app profiles and y-webrtc on two nodes -----------------------------------

TEST(ClusterRelay, NamesAreUniqueAndMessagesReachANameOnTheOtherNode) {
  NativeNode a("a"), b("b");
  EXPECT_TRUE(a.harness.open(1, Protocol::relay, "/relay?name=alice").empty());
  carry(a, b);
  Json taken = only_frame(b.harness.open(2, Protocol::relay, "/relay?name=alice"), 2);
  EXPECT_EQ(taken["code"], "id-taken") << taken;
  EXPECT_TRUE(b.harness.open(3, Protocol::relay, "/relay?name=bob").empty());
  carry(b, a);
  // Not online here, online there: no peer-unavailable, one frame on b with the sender stamped.
  EXPECT_TRUE(a.harness.send_json(1, {{"type", "offer"}, {"toUser", "bob"}, {"fromUser", "mallory"}, {"sdp", "v=0"}}).empty());
  Json relayed = only_frame(carry(a, b), 3);
  EXPECT_EQ(relayed["fromUser"], "alice");
  EXPECT_EQ(relayed["from"], "alice");
  EXPECT_EQ(relayed["sdp"], "v=0");
  // bob leaves: his name is free on a, and a message for him is answered as offline.
  b.harness.close(3);
  carry(b, a);
  Json offline = only_frame(a.harness.send_json(1, {{"toUser", "bob"}, {"msg", "?"}}), 1);
  EXPECT_EQ(offline["code"], "peer-unavailable") << offline;
  EXPECT_TRUE(a.harness.open(4, Protocol::relay, "/relay?name=bob").empty());
}

TEST(ClusterRelay, TheLoserOfANameRaceIsToldIdTakenAndClosed) {
  NativeNode a("a"), b("b");
  a.harness.open(1, Protocol::relay, "/relay?name=x");
  b.harness.open(2, Protocol::relay, "/relay?name=x");
  Outbox on_b = carry(a, b);
  EXPECT_EQ(only_frame(on_b, 2)["code"], "id-taken");
  ASSERT_EQ(on_b.closes.size(), 1u);
  EXPECT_EQ(on_b.closes[0].connection, 2u);
  EXPECT_TRUE(carry(b, a).empty()) << "a keeps x";
}

TEST(ClusterProfile, TheOfflineAnswerComesOnlyWhenTheNameIsOnNoNode) {
  JsonProfile chat;
  chat.path = "/device/chat";
  chat.name_query = {"name"};
  chat.receiver_fields = {"toUser"};
  chat.sender_field = "fromUser";
  chat.offline = R"({"type":"call_back","msg":"offline"})";
  Settings settings;
  settings.json_profiles = {chat};
  NativeNode a("a", settings), b("b", settings);
  a.harness.open(1, Protocol::profile, "/device/chat?name=fanly");
  carry(a, b);
  Json taken = only_frame(b.harness.open(2, Protocol::profile, "/device/chat?name=fanly"), 2);
  EXPECT_EQ(taken["code"], "id-taken") << taken;
  b.harness.open(3, Protocol::profile, "/device/chat?name=lily");
  carry(b, a);
  EXPECT_TRUE(a.harness.send(1, R"({"type":"call_start","toUser":"lily","fromUser":"x"})").empty());
  Outbox on_b = carry(a, b);
  ASSERT_EQ(on_b.deliveries.size(), 1u);
  EXPECT_EQ(on_b.deliveries[0].to, 3u);
  // The app's JSON as written, keys in order, only the sender field set.
  EXPECT_EQ(*on_b.deliveries[0].frame, R"({"type":"call_start","toUser":"lily","fromUser":"fanly"})");
  Json offline = only_frame(a.harness.send(1, R"({"type":"call_start","toUser":"nobody"})"), 1);
  EXPECT_EQ(offline["type"], "call_back") << offline;
}

TEST(ClusterYjs, APublishReachesEveryNodesSubscribersAndCountsThemAll) {
  NativeNode a("a"), b("b");
  a.harness.open(1, Protocol::yjs, "/yjs");
  b.harness.open(2, Protocol::yjs, "/yjs");
  b.harness.open(3, Protocol::yjs, "/yjs");
  a.harness.send_json(1, {{"type", "subscribe"}, {"topics", {"doc"}}});
  b.harness.send_json(2, {{"type", "subscribe"}, {"topics", {"doc"}}});
  b.harness.send_json(3, {{"type", "subscribe"}, {"topics", {"doc", "other"}}});
  carry(a, b);
  carry(b, a);
  const Json publish{{"type", "publish"}, {"topic", "doc"}, {"data", {{"type", "announce"}}}};
  Json echoed = only_frame(a.harness.send_json(1, publish), 1);
  EXPECT_EQ(echoed["clients"], 3) << "one subscriber here, two on b";
  Outbox on_b = carry(a, b);
  EXPECT_EQ(only_frame(on_b, 2)["data"]["type"], "announce");
  EXPECT_EQ(only_frame(on_b, 3)["clients"], 3);
  // Unsubscribed and closed subscribers stop counting, and nothing more crosses for them.
  b.harness.send_json(2, {{"type", "unsubscribe"}, {"topics", {"doc"}}});
  b.harness.close(3);
  carry(b, a);
  EXPECT_EQ(only_frame(a.harness.send_json(1, publish), 1)["clients"], 1);
  EXPECT_TRUE(a.core.take_outgoing().empty()) << "no node has other subscribers of doc";
}

TEST(ClusterPeerJs, ACallerNegotiatingWithAPeerWhoseNodeLetsItGoHearsLeave) {
  NativeNode a("a"), b("b");
  peerjs_open(a, 1, "caller");
  peerjs_open(b, 2, "callee");
  carry(a, b);
  carry(b, a);
  a.harness.send_json(1, {{"type", "OFFER"}, {"dst", "callee"}, {"payload", {{"sdp", "v=0"}, {"connectionId", "mc_1"}}}});
  carry(a, b);
  // The callee's socket drops before it answers: node b releases it, node a tells the caller.
  b.harness.close(2);
  Json leave = only_frame(carry(b, a), 1);
  EXPECT_EQ(leave, (Json{{"type", "LEAVE"}, {"src", "callee"}, {"dst", "caller"}}));
  // Told once: the negotiation is gone.
  peerjs_open(b, 3, "callee");
  b.harness.close(3);
  EXPECT_TRUE(carry(b, a).empty());
}

}  // namespace
}  // namespace iceway::signaling
