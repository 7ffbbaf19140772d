// SendBatch (net/send_batch.hpp): what one sendmmsg per descriptor sends, in which order, and
// that a flush leaves nothing behind; with a recording sender, then over real loopback sockets.
#include "net/send_batch.hpp"

#include <arpa/inet.h>
#include <netinet/udp.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "net/address.hpp"

namespace iceway::net {
namespace {

const Endpoint kPeerA = *Endpoint::parse("192.0.2.1:1000");
const Endpoint kPeerB = *Endpoint::parse("192.0.2.2:2000");

struct Call {
  int fd;
  std::vector<std::string> payloads;  // the datagrams, as the kernel cuts them
  std::vector<Endpoint> destinations;
  std::vector<std::size_t> segment_sizes;  // per message: its UDP_SEGMENT size, 0 without one
};

// UDP_SEGMENT's size in a message's control data, 0 when it has none.
std::size_t segment_size(const msghdr& header) {
  if (header.msg_controllen == 0) return 0;
  for (cmsghdr* c = CMSG_FIRSTHDR(&header); c != nullptr; c = CMSG_NXTHDR(const_cast<msghdr*>(&header), c)) {
    if (c->cmsg_level == SOL_UDP && c->cmsg_type == UDP_SEGMENT) {
      std::uint16_t size = 0;
      std::memcpy(&size, CMSG_DATA(c), sizeof size);
      return size;
    }
  }
  return 0;
}

// Stands in for sendmmsg, as the kernel does it: a message is one datagram of all its iovecs,
// or with UDP_SEGMENT, those bytes cut into datagrams of that size (the last may be shorter).
struct Recorder {
  std::vector<Call> calls;
  std::string refuse;  // a payload the "kernel" refuses every time (sendmmsg stops there)
  int refuse_errno = ECONNREFUSED;
  int refuse_gso = 0;  // when set, every UDP_SEGMENT message is refused with this errno

  // Every datagram sent, over all calls, in order.
  std::vector<std::string> all_payloads() const {
    std::vector<std::string> out;
    for (const auto& call : calls) out.insert(out.end(), call.payloads.begin(), call.payloads.end());
    return out;
  }

  SendBatch::Sender sender() {
    return [this](int fd, mmsghdr* messages, unsigned count) {
      Call call{fd, {}, {}, {}};
      int sent = 0;
      int error = 0;
      for (unsigned i = 0; i < count && error == 0; ++i) {
        const msghdr& header = messages[i].msg_hdr;
        std::string bytes_of_message;
        for (std::size_t v = 0; v < header.msg_iovlen; ++v) {
          bytes_of_message.append(static_cast<const char*>(header.msg_iov[v].iov_base), header.msg_iov[v].iov_len);
        }
        const std::size_t segment = segment_size(header);
        if (segment != 0 && refuse_gso != 0) {
          error = refuse_gso;
          break;
        }
        std::vector<std::string> datagrams;
        if (segment == 0) {
          datagrams.push_back(bytes_of_message);
        } else {
          for (std::size_t at = 0; at < bytes_of_message.size(); at += segment) {
            datagrams.push_back(bytes_of_message.substr(at, segment));
          }
        }
        for (const auto& datagram : datagrams) {
          if (!refuse.empty() && datagram == refuse) error = refuse_errno;
        }
        if (error != 0) break;
        const Endpoint destination = from_sockaddr(static_cast<const sockaddr*>(header.msg_name));
        for (auto& datagram : datagrams) {
          call.payloads.push_back(std::move(datagram));
          call.destinations.push_back(destination);
        }
        call.segment_sizes.push_back(segment);
        ++sent;
      }
      calls.push_back(std::move(call));
      if (sent > 0) return sent;
      errno = error;
      return -1;
    };
  }
};

ByteSpan bytes(const std::string& text) { return as_byte_span(text); }

TEST(SendBatch, OneCallPerDescriptorInQueueOrderAndNothingLeftAfterAFlush) {
  Recorder recorder;
  SendBatch batch(recorder.sender());
  const std::string a1 = "a1", b1 = "b1", a2 = "a2", c1 = "c1", a3 = "a3";
  batch.add(7, bytes(a1), kPeerA);
  batch.add(8, bytes(b1), kPeerB);
  batch.add(7, bytes(a2), kPeerB);
  batch.add(9, bytes(c1), kPeerA);
  batch.add(7, bytes(a3), kPeerA);
  EXPECT_EQ(batch.pending(), 5u);
  EXPECT_TRUE(recorder.calls.empty()) << "nothing leaves before the flush";

  batch.flush();
  ASSERT_EQ(recorder.calls.size(), 3u);
  EXPECT_EQ(recorder.calls[0].fd, 7);
  EXPECT_EQ(recorder.calls[0].payloads, (std::vector<std::string>{"a1", "a2", "a3"}));
  EXPECT_EQ(recorder.calls[0].destinations, (std::vector<Endpoint>{kPeerA, kPeerB, kPeerA}));
  EXPECT_EQ(recorder.calls[1].fd, 8);
  EXPECT_EQ(recorder.calls[2].fd, 9);
  EXPECT_EQ(batch.pending(), 0u);
  EXPECT_EQ(batch.sent(), 5u);

  batch.flush();
  EXPECT_EQ(recorder.calls.size(), 3u) << "a second flush sends nothing again";
}

TEST(SendBatch, AFullBatchFlushesBeforeTakingMore) {
  Recorder recorder;
  SendBatch batch(recorder.sender());
  std::vector<std::string> payloads;
  for (std::size_t i = 0; i <= SendBatch::kCapacity; ++i) payloads.push_back(std::to_string(i));
  for (const auto& payload : payloads) batch.add(5, bytes(payload), kPeerA);
  ASSERT_EQ(recorder.calls.size(), 1u);
  EXPECT_EQ(recorder.calls[0].payloads.size(), SendBatch::kCapacity);
  EXPECT_EQ(batch.pending(), 1u);
  batch.flush();
  ASSERT_EQ(recorder.calls.size(), 2u);
  EXPECT_EQ(recorder.calls[1].payloads, (std::vector<std::string>{std::to_string(SendBatch::kCapacity)}));
}

TEST(SendBatch, ARefusedDatagramCostsOnlyItself) {
  Recorder recorder;
  recorder.refuse = "y";
  SendBatch batch(recorder.sender());
  const std::string x = "x", y = "y", z = "z";
  batch.add(4, bytes(x), kPeerA);
  batch.add(4, bytes(y), kPeerA);
  batch.add(4, bytes(z), kPeerA);
  batch.flush();
  const std::vector<std::string> sent = recorder.all_payloads();
  EXPECT_EQ(sent, (std::vector<std::string>{"x", "z"}));
  EXPECT_EQ(batch.sent(), 2u);
  EXPECT_EQ(batch.dropped(), 1u);
}

TEST(SendBatch, FlushingOneDescriptorBeforeItClosesSendsEverythingQueued) {
  Recorder recorder;
  SendBatch batch(recorder.sender());
  const std::string a = "a", b = "b";
  batch.add(3, bytes(a), kPeerA);
  batch.flush(11);  // nothing queued for 11: nothing sent
  EXPECT_TRUE(recorder.calls.empty());
  batch.add(11, bytes(b), kPeerA);
  batch.flush(11);
  EXPECT_EQ(recorder.calls.size(), 2u);
  EXPECT_EQ(batch.pending(), 0u);
}

// An answer is built in a buffer the next request reuses: the batch keeps its own copy, in
// order with the views queued around it.
TEST(SendBatch, ACopiedDatagramKeepsItsBytesWhenTheCallerReusesItsBuffer) {
  Recorder recorder;
  SendBatch batch(recorder.sender());
  std::string answer = "answer-1";
  const std::string relayed = "relayed";
  EXPECT_TRUE(batch.add_copy(7, bytes(answer), kPeerA));
  batch.add(7, bytes(relayed), kPeerA);
  answer = "answer-2";
  EXPECT_TRUE(batch.add_copy(7, bytes(answer), kPeerB));
  answer = "overwritten";
  batch.flush();
  ASSERT_EQ(recorder.calls.size(), 1u);
  EXPECT_EQ(recorder.calls[0].payloads, (std::vector<std::string>{"answer-1", "relayed", "answer-2"}));
  EXPECT_EQ(recorder.calls[0].destinations, (std::vector<Endpoint>{kPeerA, kPeerA, kPeerB}));
}

TEST(SendBatch, ACopyLargerThanItsStorageIsRefusedAndQueuesNothing) {
  Recorder recorder;
  SendBatch batch(recorder.sender());
  const std::string largest(SendBatch::kCopyBytes, 'x');
  const std::string too_large(SendBatch::kCopyBytes + 1, 'y');
  EXPECT_FALSE(batch.add_copy(7, bytes(too_large), kPeerA));
  EXPECT_EQ(batch.pending(), 0u);
  EXPECT_TRUE(batch.add_copy(7, bytes(largest), kPeerA));
  batch.flush();
  ASSERT_EQ(recorder.calls.size(), 1u);
  EXPECT_EQ(recorder.calls[0].payloads, std::vector<std::string>{largest});
}

// A full batch flushes before taking the next copy, whose slot is then the first again.
TEST(SendBatch, CopiesSurviveAFlushForAFullBatch) {
  Recorder recorder;
  SendBatch batch(recorder.sender());
  std::vector<std::string> expected;
  for (std::size_t i = 0; i <= SendBatch::kCapacity; ++i) {
    const std::string text = "copy-" + std::to_string(i);
    expected.push_back(text);
    EXPECT_TRUE(batch.add_copy(7, bytes(text), kPeerA));
  }
  batch.flush();
  const std::vector<std::string> sent = recorder.all_payloads();
  EXPECT_EQ(sent, expected);
}

TEST(SendBatch, ClosingARoundSendsWhatItQueuedAndEndsIt) {
  Recorder recorder;
  SendBatch batch(recorder.sender());
  EXPECT_FALSE(batch.in_round());
  batch.open_round();
  EXPECT_TRUE(batch.in_round());
  const std::string one = "one";
  batch.add(7, bytes(one), kPeerA);
  batch.close_round();
  EXPECT_FALSE(batch.in_round());
  EXPECT_EQ(batch.pending(), 0u);
  ASSERT_EQ(recorder.calls.size(), 1u);
}

// A UDP socket bound to 127.0.0.1 on a port the kernel picks, and that address.
std::pair<int, Endpoint> open_bound() {
  const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  socklen_t length = sizeof address;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  return std::pair{fd, Endpoint{*IpAddress::parse("127.0.0.1"), ntohs(address.sin_port)}};
}

// The real ::sendmmsg: datagrams to two loopback receivers arrive in order, each once.
TEST(SendBatch, RealSocketsReceiveWhatWasQueuedInOrder) {
  auto [sender_fd, sender_at] = open_bound();
  auto [first_fd, first_at] = open_bound();
  auto [second_fd, second_at] = open_bound();
  (void)sender_at;
  SendBatch batch;
  const std::string one = "one", two = "two", three = "three";
  batch.add(sender_fd, bytes(one), first_at);
  batch.add(sender_fd, bytes(two), second_at);
  batch.add(sender_fd, bytes(three), first_at);
  batch.flush();
  EXPECT_EQ(batch.sent(), 3u);
  auto receive = [](int fd) {
    char buffer[64];
    const ssize_t n = ::recv(fd, buffer, sizeof buffer, MSG_DONTWAIT);
    return n < 0 ? std::string("<none>") : std::string(buffer, static_cast<std::size_t>(n));
  };
  EXPECT_EQ(receive(first_fd), "one");
  EXPECT_EQ(receive(first_fd), "three");
  EXPECT_EQ(receive(first_fd), "<none>");
  EXPECT_EQ(receive(second_fd), "two");
  for (int fd : {sender_fd, first_fd, second_fd}) ::close(fd);
}

// UDP GSO: a run of datagrams for one destination, of one size but the last, is one message.
TEST(SendBatch, ARunOfDatagramsForOneDestinationLeavesAsOneSegmentedMessage) {
  Recorder recorder;
  SendBatch batch(recorder.sender());
  std::vector<std::string> expected;
  for (int i = 0; i < 5; ++i) expected.push_back(std::string(100, static_cast<char>('a' + i)));
  expected.push_back(std::string(40, 'z'));  // shorter: may end the run
  for (const auto& payload : expected) batch.add(6, bytes(payload), kPeerA);
  const std::string other(100, 'b');
  batch.add(6, bytes(other), kPeerB);  // another destination: a message of its own
  batch.flush();
  ASSERT_EQ(recorder.calls.size(), 1u);
  EXPECT_EQ(recorder.calls[0].segment_sizes, (std::vector<std::size_t>{100, 0}));
  expected.push_back(other);
  EXPECT_EQ(recorder.calls[0].payloads, expected) << "every datagram, in order";
  EXPECT_EQ(recorder.calls[0].destinations.back(), kPeerB);
  EXPECT_EQ(batch.sent(), 7u) << "counted in datagrams, not messages";
  EXPECT_EQ(batch.gso_messages(), 1u);
}

TEST(SendBatch, ARunEndsAtADatagramLargerThanItsSegmentsOrAfterAShorterOne) {
  Recorder recorder;
  SendBatch batch(recorder.sender());
  const std::vector<std::string> payloads = {std::string(50, 'a'), std::string(50, 'b'), std::string(80, 'c'),
                                             std::string(80, 'd'), std::string(30, 'e'), std::string(30, 'f')};
  for (const auto& payload : payloads) batch.add(6, bytes(payload), kPeerA);
  batch.flush();
  ASSERT_EQ(recorder.calls.size(), 1u);
  // 50,50 | 80,80,30 | 30: a larger one opens a new run, and nothing follows a shorter one.
  EXPECT_EQ(recorder.calls[0].segment_sizes, (std::vector<std::size_t>{50, 80, 0}));
  EXPECT_EQ(recorder.calls[0].payloads, payloads);
}

TEST(SendBatch, ARunDoesNotJoinDatagramsFromAnotherSourceAddress) {
  Recorder recorder;
  SendBatch batch(recorder.sender());
  const auto first_source = *IpAddress::parse("192.0.2.10");
  const auto second_source = *IpAddress::parse("192.0.2.11");
  const std::string a(20, 'a'), b(20, 'b'), c(20, 'c');
  batch.add(6, bytes(a), kPeerA, &first_source);
  batch.add(6, bytes(b), kPeerA, &first_source);
  batch.add(6, bytes(c), kPeerA, &second_source);
  batch.flush();
  ASSERT_EQ(recorder.calls.size(), 1u);
  EXPECT_EQ(recorder.calls[0].segment_sizes, (std::vector<std::size_t>{20, 0}));
  EXPECT_EQ(recorder.calls[0].payloads, (std::vector<std::string>{a, b, c}));
}

TEST(SendBatch, ARunJoinsOnlyOneAddressAndPortFromOneSourceAndEachMessageNamesItsOwn) {
  Recorder recorder;
  SendBatch batch(recorder.sender());
  const Endpoint other_port{kPeerA.address, 1001};
  const Endpoint v6 = *Endpoint::parse("[2001:db8::1]:1000");
  const auto source = *IpAddress::parse("192.0.2.10");
  const std::string a(20, 'a'), b(20, 'b'), c(20, 'c'), d(20, 'd'), e(20, 'e'), f(20, 'f');
  batch.add(6, bytes(a), kPeerA);
  batch.add(6, bytes(b), other_port);           // the same address, another port
  batch.add(6, bytes(c), other_port, &source);  // the same destination from a given source
  batch.add(6, bytes(d), v6);
  batch.add(6, bytes(e), v6);
  batch.add(6, bytes(f), kPeerA);
  batch.flush();
  ASSERT_EQ(recorder.calls.size(), 1u);
  EXPECT_EQ(recorder.calls[0].segment_sizes, (std::vector<std::size_t>{0, 0, 0, 20, 0}));
  EXPECT_EQ(recorder.calls[0].payloads, (std::vector<std::string>{a, b, c, d, e, f}));
  EXPECT_EQ(recorder.calls[0].destinations,
            (std::vector<Endpoint>{kPeerA, other_port, other_port, v6, v6, kPeerA}));
}

TEST(SendBatch, ARunStopsAtTheKernelsSegmentAndByteLimits) {
  {
    Recorder recorder;
    SendBatch batch(recorder.sender());
    // A full batch is as many datagrams as the kernel takes in one message, and no more.
    static_assert(SendBatch::kCapacity <= SendBatch::kMaxSegments);
    const std::string payload(10, 'x');
    for (std::size_t i = 0; i < SendBatch::kCapacity; ++i) batch.add(6, bytes(payload), kPeerA);
    batch.flush();
    ASSERT_EQ(recorder.calls.size(), 1u);
    EXPECT_EQ(recorder.calls[0].segment_sizes, (std::vector<std::size_t>{10}));
    EXPECT_EQ(recorder.calls[0].payloads.size(), SendBatch::kCapacity);
  }
  {
    Recorder recorder;
    SendBatch batch(recorder.sender());
    const std::string payload(1400, 'y');
    for (int i = 0; i < 50; ++i) batch.add(6, bytes(payload), kPeerA);
    batch.flush();
    // 46 x 1,400 = 64,400 bytes fit in kMaxGsoBytes; the 47th would not.
    ASSERT_EQ(recorder.calls.size(), 1u);
    EXPECT_EQ(recorder.calls[0].segment_sizes, (std::vector<std::size_t>{1400, 1400}));
    EXPECT_EQ(recorder.calls[0].payloads.size(), 50u);
    EXPECT_EQ(batch.sent(), 50u);
  }
}

TEST(SendBatch, WithoutChecksumOffloadTheRunIsResentOneByOneAndGsoStaysOff) {
  Recorder recorder;
  recorder.refuse_gso = EIO;  // what a device without checksum offload answers
  SendBatch batch(recorder.sender());
  const std::string a(30, 'a'), b(30, 'b'), c(30, 'c');
  batch.add(6, bytes(a), kPeerA);
  batch.add(6, bytes(b), kPeerA);
  batch.flush();
  const std::vector<std::string> sent = recorder.all_payloads();
  EXPECT_EQ(sent, (std::vector<std::string>{a, b}));
  EXPECT_EQ(batch.sent(), 2u);
  EXPECT_EQ(batch.dropped(), 0u);
  EXPECT_FALSE(batch.gso());
  recorder.calls.clear();
  batch.add(6, bytes(a), kPeerA);
  batch.add(6, bytes(c), kPeerA);
  batch.flush();
  ASSERT_EQ(recorder.calls.size(), 1u);
  EXPECT_EQ(recorder.calls[0].segment_sizes, (std::vector<std::size_t>{0, 0})) << "no GSO after EIO";
}

TEST(SendBatch, ARunLargerThanThePathMtuIsResentOneByOneAndGsoStaysOn) {
  Recorder recorder;
  recorder.refuse_gso = EINVAL;  // a segment larger than the path MTU
  SendBatch batch(recorder.sender());
  const std::string a(30, 'a'), b(30, 'b');
  batch.add(6, bytes(a), kPeerA);
  batch.add(6, bytes(b), kPeerA);
  batch.flush();
  const std::vector<std::string> sent = recorder.all_payloads();
  EXPECT_EQ(sent, (std::vector<std::string>{a, b}));
  EXPECT_EQ(batch.sent(), 2u);
  EXPECT_TRUE(batch.gso()) << "only this message was refused";
}

// On a real loopback socket the kernel cuts the message: the receiver sees each datagram.
TEST(SendBatch, RealSocketsReceiveEachDatagramOfASegmentedMessage) {
  const int sender_fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  const auto [receiver_fd, receiver_at] = open_bound();
  SendBatch batch;
  std::vector<std::string> payloads;
  for (int i = 0; i < 10; ++i) payloads.push_back(std::string(100, static_cast<char>('0' + i)));
  payloads.push_back("tail");
  for (const auto& payload : payloads) batch.add(sender_fd, bytes(payload), receiver_at);
  batch.flush();
  EXPECT_EQ(batch.sent(), payloads.size());
  EXPECT_EQ(batch.gso_messages(), 1u) << "Linux has sent UDP_SEGMENT on loopback since 4.18";
  for (const auto& expected : payloads) {
    char buffer[2048];
    const ssize_t n = ::recv(receiver_fd, buffer, sizeof buffer, MSG_DONTWAIT);
    ASSERT_GT(n, 0);
    EXPECT_EQ(std::string(buffer, static_cast<std::size_t>(n)), expected);
  }
  char buffer[16];
  EXPECT_LT(::recv(receiver_fd, buffer, sizeof buffer, MSG_DONTWAIT), 0) << "nothing more";
  ::close(sender_fd);
  ::close(receiver_fd);
}

}  // namespace
}  // namespace iceway::net
