// ClusterService, [cluster]'s I/O side, against a Redis stand-in on loopback that the test
// answers by hand: it can hold back the SUBSCRIBE answer or cut a link, which a real
// redis-server does not do on cue, and see what the node publishes meanwhile. The integration
// tests (tests/integration/cluster*.test.mjs) run real redis-server; the pure core has its own
// unit tests (cluster_test.cpp). hiredis' own reader parses what the node sends.
#include <hiredis/hiredis.h>

#include <array>
#include <chrono>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <gtest/gtest.h>

#include "signal/cluster/bus_message.hpp"
#include "signal/cluster/cluster_core.hpp"
#include "signal/cluster/cluster_service.hpp"
#include "signal/cluster/redis_url.hpp"

namespace iceway::signaling::cluster {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using Command = std::vector<std::string>;

// One accepted connection: every command the node sent on it, in order.
struct Link {
  explicit Link(tcp::socket s) : socket(std::move(s)), reader(redisReaderCreate()) {}
  ~Link() { redisReaderFree(reader); }
  tcp::socket socket;
  redisReader* reader;
  std::array<char, 4096> buffer{};
  std::vector<Command> commands;
  bool closed = false;

  bool subscriber() const { return !commands.empty() && commands.front().front() == "SUBSCRIBE"; }
  void send(const std::string& resp) { asio::write(socket, asio::buffer(resp)); }
};

std::string bulk(std::string_view text) { return "$" + std::to_string(text.size()) + "\r\n" + std::string(text) + "\r\n"; }

class FakeRedis {
 public:
  explicit FakeRedis(asio::io_context& io) : acceptor_(io, tcp::endpoint(asio::ip::address_v4::loopback(), 0)) {
    accept();
  }
  std::string url() const { return "redis://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()); }

  std::vector<std::unique_ptr<Link>> links;  // in the order accepted

  Link* subscriber() {
    for (auto& link : links)
      if (!link->closed && link->subscriber()) return link.get();
    return nullptr;
  }
  Link* publisher() {
    for (auto& link : links)
      if (!link->closed && !link->subscriber()) return link.get();
    return nullptr;
  }
  // What a real Redis answers to SUBSCRIBE with two channels: one confirmation per channel.
  static void confirm_subscribe(Link& link) {
    const Command& subscribe = link.commands.front();
    for (std::size_t i = 1; i < subscribe.size(); ++i)
      link.send("*3\r\n" + bulk("subscribe") + bulk(subscribe[i]) + ":" + std::to_string(i) + "\r\n");
  }
  static void push_message(Link& link, std::string_view channel, std::string_view payload) {
    link.send("*3\r\n" + bulk("message") + bulk(channel) + bulk(payload));
  }
  // PUBLISH answers: the number of receivers.
  static void answer_publishes(Link& link, std::size_t count) {
    for (std::size_t i = 0; i < count; ++i) link.send(":1\r\n");
  }

 private:
  void accept() {
    acceptor_.async_accept([this](boost::system::error_code error, tcp::socket socket) {
      if (error) return;
      links.push_back(std::make_unique<Link>(std::move(socket)));
      read(*links.back());
      accept();
    });
  }
  void read(Link& link) {
    link.socket.async_read_some(asio::buffer(link.buffer), [this, &link](boost::system::error_code error, std::size_t n) {
      if (error) {
        link.closed = true;
        return;
      }
      ASSERT_EQ(redisReaderFeed(link.reader, link.buffer.data(), n), REDIS_OK);
      void* reply = nullptr;
      while (redisReaderGetReply(link.reader, &reply) == REDIS_OK && reply != nullptr) {
        const auto* array = static_cast<const redisReply*>(reply);
        Command command;
        for (std::size_t i = 0; i < array->elements; ++i)
          command.emplace_back(array->element[i]->str, array->element[i]->len);
        link.commands.push_back(std::move(command));
        freeReplyObject(reply);
      }
      read(link);
    });
  }

  tcp::acceptor acceptor_;
};

// A Hub or Socket.IO mount, as the service sees one: it keeps the port and records events.
struct RecordingMember final : ClusterMember {
  ClusterPort* port = nullptr;
  std::vector<RemoteEvent> events;
  void attach_cluster(ClusterPort& cluster) override { port = &cluster; }
  void remote(std::span<const RemoteEvent> received) override { events.insert(events.end(), received.begin(), received.end()); }
};

// Runs the loop until `done`, for at most 5 s (loopback answers in microseconds).
bool run_until(asio::io_context& io, const std::function<bool()>& done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    io.run_one_for(std::chrono::milliseconds(10));
  }
  return true;
}

// Runs every handler that is ready, and those they make ready, until none is left: one thread
// and loopback TCP, so whatever the node would write by now has been read by the fake.
void settle(asio::io_context& io) {
  for (int idle = 0; idle < 3;) idle = io.poll() == 0 ? idle + 1 : 0;
}

std::vector<BusMessage> published(const Link& link, std::string_view channel) {
  std::vector<BusMessage> out;
  for (const Command& command : link.commands) {
    if (command.size() != 3 || command[0] != "PUBLISH" || command[1] != channel) continue;
    auto decoded = decode(command[2]);
    EXPECT_TRUE(decoded) << command[2] << ": " << (decoded ? "" : decoded.error());
    if (decoded) out.push_back(std::move(decoded.value()));
  }
  return out;
}

struct Node {
  explicit Node(FakeRedis& redis, std::size_t buffer_bytes = 1024 * 1024) {
    settings.redis = redis.url();
    settings.redis_tcp = parse_redis_url(settings.redis).value().tcp;
    settings.node_id = "n1";
    settings.heartbeat = std::chrono::seconds(60);  // the longest allowed: no heartbeat during a test
    settings.publish_buffer_bytes = buffer_bytes;
  }
  ClusterSettings settings;
  ClusterCounters counters;
  RecordingMember member;
};

class ClusterServiceTest : public ::testing::Test {
 protected:
  asio::io_context io;
  FakeRedis redis{io};

  // Starts `service` and runs until both links are open and the SUBSCRIBE has arrived.
  void start(ClusterService& service) {
    service.start();
    ASSERT_TRUE(run_until(io, [&] { return redis.subscriber() != nullptr && redis.publisher() != nullptr; }));
    EXPECT_EQ(redis.subscriber()->commands.front(),
              (Command{"SUBSCRIBE", std::string(kPresenceChannel), node_channel("n1")}));
  }
};

TEST_F(ClusterServiceTest, NothingIsPublishedUntilTheSubscriptionIsInPlace) {
  Node node(redis);
  ClusterService service(io, node.settings, node.counters);
  service.add_member(node.member);
  start(service);
  ASSERT_NE(node.member.port, nullptr);
  node.member.port->claimed(Protocol::native, "alice");
  settle(io);
  // The publishing link is up, but an answer to this node would come back on its own channel,
  // which it does not hear yet: the claim waits.
  EXPECT_TRUE(redis.publisher()->commands.empty());
  EXPECT_EQ(node.counters.redis_connected.value(), 0);

  FakeRedis::confirm_subscribe(*redis.subscriber());
  Link& publisher = *redis.publisher();
  ASSERT_TRUE(run_until(io, [&] { return published(publisher, kPresenceChannel).size() >= 2; }));
  const auto sent = published(publisher, kPresenceChannel);
  EXPECT_EQ(sent[0].type, BusType::claim) << "what waited goes first, in order";
  EXPECT_EQ(sent[0].id, "alice");
  EXPECT_EQ(sent[1].type, BusType::state) << "then the whole state, so nobody waits for a heartbeat";
  EXPECT_EQ(node.counters.redis_connected.value(), 1);
  service.stop();
}

TEST_F(ClusterServiceTest, AnotherNodesMessageReachesEveryMemberAndANewNodeGetsThisNodesState) {
  Node node(redis);
  RecordingMember second;
  ClusterService service(io, node.settings, node.counters);
  service.add_member(node.member);
  service.add_member(second);
  start(service);
  FakeRedis::confirm_subscribe(*redis.subscriber());
  Link& publisher = *redis.publisher();
  ASSERT_TRUE(run_until(io, [&] { return published(publisher, kPresenceChannel).size() == 1; }));  // its state

  BusMessage claim;
  claim.type = BusType::claim;
  claim.node = "n2";
  claim.protocol = Protocol::native;
  claim.id = "bob";
  FakeRedis::push_message(*redis.subscriber(), kPresenceChannel, encode(claim));
  ASSERT_TRUE(run_until(io, [&] { return !second.events.empty(); }));
  for (const RecordingMember* member : {&node.member, &second}) {
    ASSERT_EQ(member->events.size(), 1u);
    EXPECT_EQ(member->events[0].kind, RemoteEvent::Kind::peer_claimed);
    EXPECT_EQ(member->events[0].id, "bob");
  }
  EXPECT_TRUE(node.member.port->held_elsewhere(Protocol::native, "bob"));
  // n2 was new here: this node's state goes out at once, not at its next heartbeat (a minute).
  ASSERT_TRUE(run_until(io, [&] { return published(publisher, kPresenceChannel).size() == 2; }));
  EXPECT_EQ(published(publisher, kPresenceChannel)[1].type, BusType::state);

  // A message on the presence channel that does not decode is counted and changes nothing.
  FakeRedis::push_message(*redis.subscriber(), kPresenceChannel, "not a bus message");
  ASSERT_TRUE(run_until(io, [&] { return node.counters.bus_refused.value() == 1; }));
  EXPECT_EQ(second.events.size(), 1u);
  service.stop();
}

TEST_F(ClusterServiceTest, WhatWaitsForRedisIsBoundedAndTheRestIsDroppedAndCounted) {
  // Room for a few claims, counting those written but not yet answered.
  Node node(redis, 300);
  ClusterService service(io, node.settings, node.counters);
  service.add_member(node.member);
  start(service);
  for (int i = 0; i < 20; ++i) {
    node.member.port->claimed(Protocol::native, "peer-" + std::to_string(i));
    settle(io);
  }
  const auto dropped = node.counters.publish_dropped.value();
  EXPECT_GT(dropped, 0);
  EXPECT_LT(dropped, 20);
  FakeRedis::confirm_subscribe(*redis.subscriber());
  Link& publisher = *redis.publisher();
  const auto kept = static_cast<std::size_t>(20 - dropped);
  ASSERT_TRUE(run_until(io, [&] { return published(publisher, kPresenceChannel).size() >= kept; }));
  settle(io);
  // What was kept went out in order, oldest first. The state the node publishes on coming up
  // did not fit beside them while Redis had not answered them: dropped and counted too (the
  // next heartbeat carries it).
  const auto sent = published(publisher, kPresenceChannel);
  ASSERT_EQ(sent.size(), kept);
  for (std::size_t i = 0; i < kept; ++i) EXPECT_EQ(sent[i].id, "peer-" + std::to_string(i));
  EXPECT_EQ(node.counters.publish_dropped.value(), dropped + 1);
  // Once Redis answers, the room is free again.
  FakeRedis::answer_publishes(publisher, publisher.commands.size());
  settle(io);
  node.member.port->claimed(Protocol::native, "late");
  ASSERT_TRUE(run_until(io, [&] { return published(publisher, kPresenceChannel).size() == kept + 1; }));
  EXPECT_EQ(published(publisher, kPresenceChannel).back().id, "late");
  EXPECT_EQ(node.counters.publish_dropped.value(), dropped + 1);
  service.stop();
}

TEST_F(ClusterServiceTest, ALostLinkIsCountedOnceAndTheStateGoesOutAgainWhenItIsBack) {
  Node node(redis);
  ClusterService service(io, node.settings, node.counters);
  service.add_member(node.member);
  start(service);
  FakeRedis::confirm_subscribe(*redis.subscriber());
  ASSERT_TRUE(run_until(io, [&] { return node.counters.redis_connected.value() == 1; }));
  EXPECT_EQ(node.counters.redis_losses.value(), 0);

  Link* old_publisher = redis.publisher();
  old_publisher->socket.close();
  old_publisher->closed = true;
  ASSERT_TRUE(run_until(io, [&] { return node.counters.redis_connected.value() == 0; }));
  EXPECT_EQ(node.counters.redis_losses.value(), 1);
  // Meanwhile local news waits for the link.
  node.member.port->claimed(Protocol::native, "carol");
  // The link retries by itself (100 ms back-off first) and, the subscription being still in
  // place, the node is up again: what waited goes out, then its whole state.
  ASSERT_TRUE(run_until(io, [&] {
    Link* publisher = redis.publisher();
    return publisher != nullptr && published(*publisher, kPresenceChannel).size() >= 2;
  }));
  const auto sent = published(*redis.publisher(), kPresenceChannel);
  EXPECT_EQ(sent[0].type, BusType::claim);
  EXPECT_EQ(sent[0].id, "carol");
  EXPECT_EQ(sent[1].type, BusType::state);
  EXPECT_EQ(node.counters.redis_connected.value(), 1);
  EXPECT_EQ(node.counters.redis_losses.value(), 1);
  service.stop();
}

}  // namespace
}  // namespace iceway::signaling::cluster
