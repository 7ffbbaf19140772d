// UdpSocket with batched sends (net/udp_socket.hpp, net/send_batch.hpp): what a handler
// queues while a receive round is handled leaves when the round ends, in order, without
// waiting for more input; a socket closed by its handler sends what was queued first.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "net/udp_socket.hpp"
#include "tests/net/loopback_udp.hpp"

namespace iceway::net {
namespace {

using namespace std::chrono_literals;

// Echoes every datagram through the batch, and answers it from a buffer it reuses (as the
// TURN worker answers STUN requests); closes the socket after `close_after` of them.
struct BatchedEcho final : DatagramHandler {
  void on_datagram(const Datagram& datagram, const Endpoint& from, UdpSocket& socket) override {
    socket.send_batched(datagram.data(), from);
    if (answer) {
      answer_buffer = "answer-" + std::string(reinterpret_cast<const char*>(datagram.data().data()), datagram.size);
      socket.send_copied(as_byte_span(answer_buffer), from);
    }
    received_at.push_back(datagram.received_at);
    last_from = from;
    if (++received == close_after) socket.close();
  }
  std::vector<TimePoint> received_at;
  Endpoint last_from;
  int received = 0;
  int close_after = -1;
  bool answer = false;
  std::string answer_buffer;
};

using Client = testing::LoopbackUdp;

struct Fixture {
  explicit Fixture(const UdpSocketOptions& options = {}) {
    socket = std::make_shared<UdpSocket>(poll, *batch);
    EXPECT_FALSE(socket->open(*Endpoint::parse("127.0.0.1:0"), options));
    EXPECT_FALSE(socket->start(echo));
  }
  // Runs handlers until the echo has seen `count` datagrams (or 5 s pass), and no further.
  void run_until_received(int count) {
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (echo.received < count && std::chrono::steady_clock::now() < deadline) context.run_one_for(100ms);
  }
  ~Fixture() { socket->close(); }
  // Declared in the order a worker owns them: the socket goes first, then the poll (while its
  // context still exists), and the batch the socket flushes into last.
  std::unique_ptr<ReceiveBatch> batch = std::make_unique<ReceiveBatch>();
  BatchedEcho echo;
  boost::asio::io_context context;
  ReadyPoll poll{context};
  std::shared_ptr<UdpSocket> socket;
};

TEST(UdpSocketBatchedSends, ARoundsDatagramsHaveLeftWhenItsHandlingEndsInOrder) {
  Fixture f;
  Client client;
  for (const char* text : {"a", "b", "c", "d", "e"}) client.send(text, f.socket->local_endpoint());
  f.run_until_received(5);
  ASSERT_EQ(f.echo.received, 5);
  // Nothing more arrives and no handler runs again: the echoes are already there.
  for (const char* text : {"a", "b", "c", "d", "e"}) EXPECT_EQ(client.receive_now(), text);
  EXPECT_EQ(client.receive_now(), "<none>");
  EXPECT_EQ(f.batch->sends.pending(), 0u);
  EXPECT_EQ(f.batch->sends.sent(), 5u);
}

TEST(UdpSocketBatchedSends, ASocketItsHandlerClosesSendsWhatWasQueuedFirst) {
  Fixture f;
  f.echo.close_after = 2;
  Client client;
  const Endpoint at = f.socket->local_endpoint();
  for (const char* text : {"one", "two", "three"}) client.send(text, at);
  f.run_until_received(2);
  ASSERT_EQ(f.echo.received, 2);
  EXPECT_FALSE(f.socket->is_open());
  EXPECT_EQ(client.receive_now(), "one");
  EXPECT_EQ(client.receive_now(), "two");
  EXPECT_EQ(client.receive_now(), "<none>") << "nothing after the close";
  EXPECT_EQ(f.batch->sends.pending(), 0u);
}

TEST(UdpSocketBatchedSends, AnswersFromAReusedBufferLeaveCopiedInOrderWithTheRest) {
  Fixture f;
  f.echo.answer = true;
  Client client;
  for (const char* text : {"a", "b", "c"}) client.send(text, f.socket->local_endpoint());
  f.run_until_received(3);
  ASSERT_EQ(f.echo.received, 3);
  for (const char* text : {"a", "answer-a", "b", "answer-b", "c", "answer-c"}) EXPECT_EQ(client.receive_now(), text);
  EXPECT_EQ(client.receive_now(), "<none>");
}

// Outside a receive round nothing may wait for one: both kinds of send leave at once.
TEST(UdpSocketBatchedSends, OutsideAReceiveRoundEverySendLeavesAtOnce) {
  Fixture f;
  Client client;
  const Endpoint to = client.endpoint;
  const std::string view = "view", copy = "copy";
  f.socket->send_batched(as_byte_span(view), to);
  f.socket->send_copied(as_byte_span(copy), to);
  EXPECT_EQ(f.batch->sends.pending(), 0u);
  EXPECT_EQ(client.receive_now(), "view");
  EXPECT_EQ(client.receive_now(), "copy");
  // Sends made at once are counted with the batch's, in the worker's one tally.
  EXPECT_EQ(f.batch->sends.tally().sent(), 2u);
  EXPECT_EQ(f.batch->sends.tally().dropped(), 0u);
}

// A send the kernel refuses is counted as dropped, batched or not: here a broadcast address,
// which a socket without SO_BROADCAST may not send to (EACCES).
TEST(UdpSocketBatchedSends, SendsTheKernelRefusesAreCountedAsDropped) {
  Fixture f;
  const Endpoint broadcast{*IpAddress::parse("255.255.255.255"), 9};
  const std::string text = "x";
  EXPECT_FALSE(f.socket->send_to(as_byte_span(text), broadcast));
  f.socket->send_copied(as_byte_span(text), broadcast);
  EXPECT_EQ(f.batch->sends.tally().dropped(), 2u);
  EXPECT_EQ(f.batch->sends.tally().sent(), 0u);
  f.batch->sends.open_round();
  f.socket->send_batched(as_byte_span(text), broadcast);
  f.batch->sends.close_round();
  EXPECT_EQ(f.batch->sends.tally().dropped(), 3u);
}

// The same on a wildcard socket sending from a chosen address (IP_PKTINFO, sendmsg): counted
// whether the kernel takes the datagram or refuses it.
TEST(UdpSocketBatchedSends, SendsFromAChosenSourceAreCountedToo) {
  boost::asio::io_context context;
  ReadyPoll poll{context};
  auto batch = std::make_unique<ReceiveBatch>();
  auto socket = std::make_shared<UdpSocket>(poll, *batch);
  ASSERT_FALSE(socket->open(*Endpoint::parse("0.0.0.0:0"), {}));
  Client client;
  const IpAddress source = *IpAddress::parse("127.0.0.1");
  const std::string text = "x";
  EXPECT_TRUE(socket->send_to(as_byte_span(text), {source, client.endpoint.port}, &source));
  EXPECT_EQ(client.receive_now(), "x");
  EXPECT_FALSE(socket->send_to(as_byte_span(text), {*IpAddress::parse("255.255.255.255"), 9}, &source));
  EXPECT_EQ(batch->sends.tally().sent(), 1u);
  EXPECT_EQ(batch->sends.tally().dropped(), 1u);
  socket->close();
}

// The datagrams the kernel dropped at the socket's full receive buffer are counted in the
// worker's ReceiveTally: read from the kernel when the socket first receives (and then at most
// once a second). On loopback every datagram is either queued or dropped there, so the count
// is exact.
TEST(UdpSocketReceiveDrops, DatagramsDroppedAtAFullReceiveBufferAreCounted) {
  Fixture f({.receive_buffer_bytes = 4096});  // the kernel's minimum, about a dozen datagrams
  Client client;
  const Endpoint at = f.socket->local_endpoint();
  constexpr int kSent = 400;
  for (int i = 0; i < kSent; ++i) client.send("datagram " + std::to_string(i), at);  // nobody reads yet
  // Read what was queued: fewer than were sent.
  for (int idle = 0; idle < 5;) idle = f.context.run_one_for(50ms) == 0 ? idle + 1 : 0;
  const int queued = f.echo.received;
  ASSERT_GT(queued, 0);
  ASSERT_LT(queued, kSent) << "nothing was dropped: the buffer did not fill";
  // One more, with the socket read again: it carries the kernel's final count.
  client.send("after", at);
  f.run_until_received(queued + 1);
  ASSERT_EQ(f.echo.received, queued + 1);
  EXPECT_EQ(f.batch->receives.overflowed(), static_cast<std::uint64_t>(kSent - queued));
}

// Drops after the last check are counted when the socket gives its port away, and only once:
// the socket that adopts the port does not count them again.
TEST(UdpSocketReceiveDrops, DropsAreCountedWhenThePortIsReleasedAndNotAgainByItsAdopter) {
  Fixture f({.receive_buffer_bytes = 4096});
  Client client;
  const Endpoint at = f.socket->local_endpoint();
  client.send("first", at);
  f.run_until_received(1);  // the first receive reads the kernel's count: nothing dropped yet
  ASSERT_EQ(f.echo.received, 1);
  ASSERT_EQ(f.batch->receives.overflowed(), 0u);
  constexpr int kSent = 400;
  for (int i = 0; i < kSent; ++i) client.send("datagram " + std::to_string(i), at);  // within the second
  auto port = f.socket->release();
  ASSERT_TRUE(port);
  const std::uint64_t counted = f.batch->receives.overflowed();
  ASSERT_GT(counted, 0u) << "nothing was dropped: the buffer did not fill";

  BatchedEcho adopter_echo;
  auto adopter = std::make_shared<UdpSocket>(f.poll, *f.batch);
  ASSERT_FALSE(adopter->adopt(std::move(*port)));
  ASSERT_FALSE(adopter->start(adopter_echo));
  for (int idle = 0; idle < 5;) idle = f.context.run_one_for(50ms) == 0 ? idle + 1 : 0;
  EXPECT_EQ(counted + static_cast<std::uint64_t>(adopter_echo.received), static_cast<std::uint64_t>(kSent))
      << "every datagram was either queued for the adopter or counted as dropped";
  adopter->close();
  EXPECT_EQ(f.batch->receives.overflowed(), counted) << "the adopter counted the same drops again";
}

// What a socket still holds unread when it is about to close is taken and counted, at most
// the number asked for per call; the rest stays for the next call.
TEST(UdpSocketReceiveDrops, DatagramsQueuedAtCloseAreDiscardedAndCountedUpToTheLimit) {
  Fixture f;
  Client client;
  for (const char* text : {"a", "b", "c", "d", "e"}) client.send(text, f.socket->local_endpoint());  // nobody reads
  EXPECT_EQ(f.socket->discard_queued(2), 2u);
  EXPECT_EQ(f.socket->discard_queued(), 3u);
  EXPECT_EQ(f.socket->discard_queued(), 0u);
  client.send("f", f.socket->local_endpoint());
  f.run_until_received(1);
  EXPECT_EQ(f.echo.received, 1) << "only the one sent after the discards is delivered";
  client.send("g", f.socket->local_endpoint());
  EXPECT_EQ(f.socket->close(), 1u) << "close() returns what it threw away unread";
  EXPECT_EQ(f.socket->discard_queued(), 0u) << "a closed socket has nothing";
  EXPECT_EQ(f.socket->close(), 0u);
}

// close() first sends what the worker's batch holds for the socket; on loopback what it sends
// to itself (as one relay of a worker to another) arrives at once, and is counted with the rest.
TEST(UdpSocketReceiveDrops, WhatItsOwnCloseSendsToItIsCountedToo) {
  Fixture f;
  const std::string text = "to itself";
  f.batch->sends.open_round();  // as while a receive round is being handled
  f.socket->send_batched(as_byte_span(text), f.socket->local_endpoint());
  EXPECT_EQ(f.socket->close(), 1u);
  f.batch->sends.close_round();
}

TEST(UdpSocketReceiveDrops, NothingIsCountedWhenNothingWasDropped) {
  Fixture f;
  Client client;
  for (const char* text : {"a", "b", "c"}) client.send(text, f.socket->local_endpoint());
  f.run_until_received(3);
  ASSERT_EQ(f.echo.received, 3);
  EXPECT_EQ(f.batch->receives.overflowed(), 0u);
}

// One wake-up drains at most kRoundsPerWakeUp rounds of kMessages datagrams, so a busy socket
// cannot starve the worker's others; what it leaves is delivered on the next wake-ups. (About
// 830 bytes of receive buffer per small datagram on loopback: 1 MiB asked for, capped at twice
// the kernel's default net.core.rmem_max, holds 512 of them.)
TEST(UdpSocketReceive, ASocketDrainsABoundedAmountPerWakeUpAndTheRestLater) {
  Fixture f({.receive_buffer_bytes = 1 << 20});
  Client client;
  const int buffer = 1 << 20;
  ASSERT_EQ(::setsockopt(client.fd, SOL_SOCKET, SO_RCVBUF, &buffer, sizeof buffer), 0);
  constexpr int kPerWakeUp = ReceiveBatch::kRoundsPerWakeUp * static_cast<int>(ReceiveBatch::kMessages);
  constexpr int kSent = kPerWakeUp + 20;
  static_assert(kSent < 512);
  for (int i = 0; i < kSent; ++i) client.send("d" + std::to_string(i), f.socket->local_endpoint());
  ASSERT_EQ(f.context.run_one_for(5s), 1u);  // one wake-up
  EXPECT_EQ(f.echo.received, kPerWakeUp);
  f.run_until_received(kSent);
  EXPECT_EQ(f.echo.received, kSent);
  EXPECT_EQ(f.batch->receives.overflowed(), 0u);
  // Every echo came back, in order.
  for (int i = 0; i < kSent; ++i) ASSERT_EQ(client.receive_now(), "d" + std::to_string(i));
}

// A handler may close the socket that delivers to it and drop the last reference to it (an
// allocation that ends): the socket lives until its delivery returns, what was queued still
// leaves, and nothing more is delivered.
TEST(UdpSocketReceive, AHandlerMayDestroyItsSocket) {
  struct Dropper final : DatagramHandler {
    void on_datagram(const Datagram& datagram, const Endpoint& from, UdpSocket& socket) override {
      socket.send_batched(datagram.data(), from);
      ++received;
      owner->close();
      owner.reset();
    }
    std::shared_ptr<UdpSocket> owner;
    int received = 0;
  };
  auto batch = std::make_unique<ReceiveBatch>();
  boost::asio::io_context context;
  ReadyPoll poll{context};
  Dropper dropper;
  dropper.owner = std::make_shared<UdpSocket>(poll, *batch);
  ASSERT_FALSE(dropper.owner->open(*Endpoint::parse("127.0.0.1:0"), {}));
  ASSERT_FALSE(dropper.owner->start(dropper));
  const Endpoint at = dropper.owner->local_endpoint();
  Client client;
  client.send("one", at);
  client.send("two", at);
  context.run_one_for(5s);
  EXPECT_EQ(dropper.received, 1) << "closed: the second is not delivered";
  EXPECT_EQ(client.receive_now(), "one");
  EXPECT_EQ(poll.watched(), 0u);
  context.restart();
  context.poll();
  EXPECT_TRUE(context.stopped()) << "nothing left to wait for";
}

// The datagrams of one receive round carry the time it was read, taken once for all of them.
TEST(UdpSocketReceive, TheDatagramsOfARoundShareItsReceiveTime) {
  Fixture f;
  Client client;
  for (const char* text : {"a", "b", "c"}) client.send(text, f.socket->local_endpoint());
  const TimePoint before = Clock::now();
  ASSERT_EQ(f.context.run_one_for(5s), 1u);
  const TimePoint after = Clock::now();
  ASSERT_EQ(f.echo.received, 3);
  for (const TimePoint at : f.echo.received_at) {
    EXPECT_EQ(at, f.echo.received_at.front());
    EXPECT_GE(at, before);
    EXPECT_LE(at, after);
  }
}

// The batch's recvmmsg headers are shared by every socket of the worker and set up once; the
// kernel shortens a header's address length to what it wrote (16 bytes for IPv4), so each
// receive resets the headers the last one filled: an IPv6 datagram after an IPv4 one must
// still arrive with its whole 28-byte source address.
TEST(UdpSocketReceive, SocketsOfOneBatchEachSeeWholeSourceAddresses) {
  auto batch = std::make_unique<ReceiveBatch>();
  boost::asio::io_context context;
  ReadyPoll poll{context};
  BatchedEcho echo;
  auto v4 = std::make_shared<UdpSocket>(poll, *batch);
  auto v6 = std::make_shared<UdpSocket>(poll, *batch);
  ASSERT_FALSE(v4->open(*Endpoint::parse("127.0.0.1:0"), {}));
  if (v6->open(*Endpoint::parse("[::1]:0"), {})) GTEST_SKIP() << "no IPv6 loopback here";
  ASSERT_FALSE(v4->start(echo));
  ASSERT_FALSE(v6->start(echo));
  Client client4;
  client4.send("four", v4->local_endpoint());
  while (echo.received < 1 && context.run_one_for(5s) > 0) {}
  ASSERT_EQ(client4.receive_now(), "four");
  const int fd6 = ::socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(fd6, 0);
  sockaddr_in6 to{};
  to.sin6_family = AF_INET6;
  to.sin6_addr = in6addr_loopback;
  to.sin6_port = htons(v6->local_endpoint().port);
  const sockaddr_in6 any{.sin6_family = AF_INET6, .sin6_port = 0, .sin6_flowinfo = 0, .sin6_addr = in6addr_loopback,
                         .sin6_scope_id = 0};
  ASSERT_EQ(::bind(fd6, reinterpret_cast<const sockaddr*>(&any), sizeof any), 0);
  sockaddr_in6 bound{};
  socklen_t bound_length = sizeof bound;
  ASSERT_EQ(::getsockname(fd6, reinterpret_cast<sockaddr*>(&bound), &bound_length), 0);
  ASSERT_EQ(::sendto(fd6, "six", 3, 0, reinterpret_cast<sockaddr*>(&to), sizeof to), 3);
  while (echo.received < 2 && context.run_one_for(5s) > 0) {}
  EXPECT_EQ(echo.last_from, (Endpoint{*IpAddress::parse("::1"), ntohs(bound.sin6_port)}));
  char buffer[8];
  const ssize_t n = ::recv(fd6, buffer, sizeof buffer, MSG_DONTWAIT);
  EXPECT_EQ(std::string(buffer, n > 0 ? static_cast<std::size_t>(n) : 0), "six") << "the echo went to a truncated address";
  ::close(fd6);
  v4->close();
  v6->close();
}

}  // namespace
}  // namespace iceway::net
