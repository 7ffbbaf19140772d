// SendBatch (net/send_batch.hpp): what one sendmmsg per descriptor sends, in which order, and
// that a flush leaves nothing behind; with a recording sender, then over real loopback sockets.
#include "net/send_batch.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <unistd.h>

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
  std::vector<std::string> payloads;
  std::vector<Endpoint> destinations;
};

struct Recorder {
  std::vector<Call> calls;
  std::string refuse;  // a payload the "kernel" refuses every time (sendmmsg stops there)

  SendBatch::Sender sender() {
    return [this](int fd, mmsghdr* messages, unsigned count) {
      Call call{fd, {}, {}};
      int sent = 0;
      for (unsigned i = 0; i < count; ++i) {
        const iovec& v = *messages[i].msg_hdr.msg_iov;
        std::string payload(static_cast<const char*>(v.iov_base), v.iov_len);
        if (!refuse.empty() && payload == refuse) break;
        call.payloads.push_back(std::move(payload));
        call.destinations.push_back(from_sockaddr(static_cast<const sockaddr*>(messages[i].msg_hdr.msg_name)));
        ++sent;
      }
      calls.push_back(std::move(call));
      return sent > 0 ? sent : -1;
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
  std::vector<std::string> sent;
  for (const auto& call : recorder.calls) sent.insert(sent.end(), call.payloads.begin(), call.payloads.end());
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
  std::vector<std::string> sent;
  for (const auto& call : recorder.calls) sent.insert(sent.end(), call.payloads.begin(), call.payloads.end());
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

// The real ::sendmmsg: datagrams to two loopback receivers arrive in order, each once.
TEST(SendBatch, RealSocketsReceiveWhatWasQueuedInOrder) {
  auto open_bound = [] {
    const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    socklen_t length = sizeof address;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
    return std::pair{fd, Endpoint{*IpAddress::parse("127.0.0.1"), ntohs(address.sin_port)}};
  };
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

}  // namespace
}  // namespace iceway::net
