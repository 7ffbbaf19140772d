// A TURN client's TCP or TLS connection (turn/io/client_connection.hpp) on loopback: what it
// queues while a write is in flight leaves in order, up to kMaxQueuedBytes and no further, and
// over TLS every frame is a record of its own (a reader that takes one SSL_read per frame, as
// turnutils_uclient does, gets every frame).
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/write.hpp>
#include <array>
#include <chrono>
#include <cstring>
#include <memory>
#include <vector>

#include "tests/common/self_signed_certificate.hpp"
#include "turn/io/client_connection.hpp"

namespace iceway::turn::io {
namespace {

using namespace std::chrono_literals;
using boost::asio::ip::tcp;

// Frame `index`: a ChannelData header (channel 0x4000, 1,000 bytes) and its number repeated.
constexpr std::size_t kPayload = 1000;
std::vector<std::byte> frame(std::uint32_t index) {
  std::vector<std::byte> bytes(4 + kPayload);
  bytes[0] = std::byte{0x40};
  bytes[2] = std::byte{kPayload >> 8};
  bytes[3] = std::byte{kPayload & 0xff};
  for (std::size_t at = 4; at + 4 <= bytes.size(); at += 4) std::memcpy(bytes.data() + at, &index, 4);
  return bytes;
}

// A Binding request: the frame the client sends to make the server answer.
std::array<std::byte, 20> binding_request() {
  std::array<std::byte, 20> bytes{};
  bytes[1] = std::byte{0x01};
  bytes[4] = std::byte{0x21};
  bytes[5] = std::byte{0x12};
  bytes[6] = std::byte{0xA4};
  bytes[7] = std::byte{0x42};
  return bytes;
}

// Answers the first frame with as many frames as the connection accepts, all queued at once
// (the first starts a write, the rest wait behind it).
struct Flooder final : FrameHandler {
  void on_frame(ByteSpan, ClientConnection& connection) override {
    if (accepted > 0) return;
    for (std::uint32_t index = 0;; ++index) {
      const auto bytes = frame(index);
      if (!connection.send(ByteSpan(bytes.data(), 4), ByteSpan(bytes.data() + 4, kPayload))) break;
      ++accepted;
    }
  }
  void on_closed(ClientConnection&) override { closed = true; }
  Duration on_piped(ClientConnection&, std::size_t, std::size_t) override { return {}; }

  std::uint32_t accepted = 0;
  bool closed = false;
};

constexpr std::size_t kFrameSize = 4 + kPayload;
constexpr std::size_t kMostFrames = ClientConnection::kMaxQueuedBytes / kFrameSize;

struct Loopback {
  Loopback() {
    acceptor.open(tcp::v4());
    acceptor.bind(tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
    acceptor.listen();
    client.connect(acceptor.local_endpoint());
    server = acceptor.accept();
  }
  boost::asio::io_context context;
  tcp::acceptor acceptor{context};
  tcp::socket client{context};
  tcp::socket server{context};
};

// Runs `context` until `done` or ten seconds have passed (a bound, not a wait for anything).
template <class Done>
void run_until(boost::asio::io_context& context, Done done) {
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!done() && std::chrono::steady_clock::now() < deadline) {
    context.restart();
    context.run_for(50ms);
  }
}

// Checks the bytes of `count` frames, in order, from `received`.
void expect_frames_in_order(const std::vector<std::byte>& received, std::uint32_t count) {
  ASSERT_EQ(received.size(), count * kFrameSize);
  for (std::uint32_t index = 0; index < count; ++index) {
    const auto expected = frame(index);
    ASSERT_EQ(0, std::memcmp(received.data() + index * kFrameSize, expected.data(), kFrameSize)) << "frame " << index;
  }
}

// Reads `stream` until an error, appending what arrives to `received` and each read's size to
// `reads` (over TLS one read is one record's plaintext at most).
struct Reader {
  template <class Stream>
  void start(Stream& stream) {
    stream.async_read_some(boost::asio::buffer(buffer), [this, &stream](const boost::system::error_code& error,
                                                                         std::size_t n) {
      if (error) {
        failed = true;
        return;
      }
      reads.push_back(n);
      received.insert(received.end(), buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(n));
      start(stream);
    });
  }
  std::array<std::byte, 65536> buffer;
  std::vector<std::byte> received;
  std::vector<std::size_t> reads;
  bool failed = false;
};

TEST(ClientConnection, TcpSendsEverythingQueuedInOrderUpToTheBound) {
  Loopback loop;
  Flooder flooder;
  auto connection = start_tcp_connection(std::move(loop.server), flooder, StreamAdmission{});
  const auto request = binding_request();
  boost::asio::write(loop.client, boost::asio::buffer(request));

  Reader reader;
  reader.start(loop.client);
  run_until(loop.context, [&] {
    return reader.failed || (flooder.accepted > 0 && reader.received.size() >= flooder.accepted * kFrameSize);
  });

  EXPECT_FALSE(reader.failed);
  EXPECT_FALSE(flooder.closed);
  EXPECT_EQ(flooder.accepted, kMostFrames);  // the frame after the bound was refused
  expect_frames_in_order(reader.received, flooder.accepted);
  connection->close();
}

TEST(ClientConnection, TlsWritesEachQueuedFrameAsARecordOfItsOwn) {
  Loopback loop;
  auto server_tls = std::make_shared<boost::asio::ssl::context>(boost::asio::ssl::context::tls_server);
  iceway::testing::use_self_signed_certificate(server_tls->native_handle(), "iceway-test");
  boost::asio::ssl::context client_tls(boost::asio::ssl::context::tls_client);
  client_tls.set_verify_mode(boost::asio::ssl::verify_none);
  boost::asio::ssl::stream<tcp::socket> client(std::move(loop.client), client_tls);

  Flooder flooder;
  auto connection = start_tls_connection(std::move(loop.server), server_tls, flooder, StreamAdmission{});
  bool handshaken = false;
  bool failed = false;
  client.async_handshake(boost::asio::ssl::stream_base::client, [&](const boost::system::error_code& error) {
    failed = static_cast<bool>(error);
    handshaken = !error;
  });
  run_until(loop.context, [&] { return handshaken || failed; });
  ASSERT_TRUE(handshaken);

  const auto request = binding_request();
  boost::asio::async_write(client, boost::asio::buffer(request), [&](const boost::system::error_code& error, std::size_t) {
    if (error) failed = true;
  });
  // One read returns the plaintext of at most one record: each read must be exactly one frame.
  Reader reader;
  reader.start(client);
  run_until(loop.context, [&] {
    return failed || reader.failed || (flooder.accepted > 0 && reader.received.size() >= flooder.accepted * kFrameSize);
  });

  EXPECT_FALSE(failed);
  EXPECT_FALSE(reader.failed);
  EXPECT_FALSE(flooder.closed);
  EXPECT_EQ(flooder.accepted, kMostFrames);
  expect_frames_in_order(reader.received, flooder.accepted);
  ASSERT_EQ(reader.reads.size(), flooder.accepted);
  for (std::size_t size : reader.reads) EXPECT_EQ(size, kFrameSize);
  connection->close();
}

}  // namespace
}  // namespace iceway::turn::io
