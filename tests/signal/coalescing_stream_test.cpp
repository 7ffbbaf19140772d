// The coalescing write layer under the WebSocket sessions (signal/http/coalescing_stream.hpp):
// against a layer below that records every write and completes it when the test says, and under
// Beast's websocket::stream on a loopback socket.
#include "signal/http/coalescing_stream.hpp"

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>
#include <gtest/gtest.h>

namespace iceway::signaling {
namespace {

namespace net = boost::asio;
using error_code = boost::beast::error_code;

// What the layer below saw; outlives the stream so a test can look after destroying it.
struct Below {
  std::vector<std::string> writes;  // the bytes of each write, in order
  bool hold = false;                // keep completions until release()
  std::vector<std::function<void(error_code)>> held;
  error_code fail;  // every write fails with this when set

  void release(error_code ec = {}) {
    auto completions = std::move(held);
    held.clear();
    for (auto& done : completions) done(ec);
  }
  std::string all() const {
    std::string joined;
    for (const auto& write : writes) joined += write;
    return joined;
  }
};

class RecordingStream {
 public:
  using executor_type = net::io_context::executor_type;

  RecordingStream(net::io_context& io, Below& below) : io_(&io), below_(&below) {}
  executor_type get_executor() { return io_->get_executor(); }

  template <class ConstBuffers, class Token>
  auto async_write_some(const ConstBuffers& buffers, Token&& token) {
    return net::async_initiate<Token, void(error_code, std::size_t)>(
        [this](auto handler, const ConstBuffers& data) {
          std::string bytes(net::buffer_size(data), '\0');
          net::buffer_copy(net::buffer(bytes), data);
          const std::size_t size = bytes.size();
          below_->writes.push_back(std::move(bytes));
          auto shared = std::make_shared<decltype(handler)>(std::move(handler));
          auto done = [shared, size](error_code ec) {
            auto h = std::move(*shared);
            h(ec, ec ? 0 : size);
          };
          if (below_->hold) {
            below_->held.emplace_back(std::move(done));
          } else {
            net::post(*io_, [done, ec = below_->fail] { done(ec); });
          }
        },
        token, buffers);
  }

 private:
  net::io_context* io_;
  Below* below_;
};

using Layer = CoalescingStream<RecordingStream>;

// Writes `parts` one after another, each from the previous one's completion, as Beast writes
// the frames of a session's queue.
void write_chain(Layer& layer, std::vector<std::string> parts, std::vector<error_code>& results) {
  auto texts = std::make_shared<std::vector<std::string>>(std::move(parts));
  auto next = std::make_shared<std::function<void(std::size_t)>>();
  *next = [&layer, texts, next, &results](std::size_t index) {
    if (index == texts->size()) {
      *next = nullptr;  // break the cycle
      return;
    }
    net::async_write(layer, net::buffer((*texts)[index]), [next, index, &results](error_code ec, std::size_t) {
      results.push_back(ec);
      if (*next) (*next)(index + 1);
    });
  };
  (*next)(0);
}

TEST(CoalescingStream, TheFramesOfOneBurstLeaveInOneWriteBelow) {
  net::io_context io;
  Below below;
  Layer layer(RecordingStream(io, below));
  std::vector<error_code> results;
  write_chain(layer, {"one", "two", "three", "four"}, results);
  io.run();
  ASSERT_EQ(results.size(), 4u);
  for (const auto& ec : results) EXPECT_FALSE(ec);
  ASSERT_EQ(below.writes.size(), 1u);
  EXPECT_EQ(below.writes[0], "onetwothreefour");
  EXPECT_EQ(layer.buffered_bytes(), 0u);
  EXPECT_FALSE(layer.holds_state()) << "an idle layer holds no state and no buffer";
  EXPECT_GE(coalescing_states_in_stock(), 1u) << "the state went back to the thread's stock";
}

TEST(CoalescingStream, AWriteCompletesBeforeItLeavesAndTheBytesAreCounted) {
  net::io_context io;
  Below below;
  Layer layer(RecordingStream(io, below));
  bool completed = false;
  const std::string text = "hello";
  layer.async_write_some(net::buffer(text), [&](error_code ec, std::size_t n) {
    EXPECT_FALSE(ec);
    EXPECT_EQ(n, 5u);
    completed = true;
  });
  EXPECT_FALSE(completed) << "never completed inside the initiating call";
  EXPECT_EQ(layer.buffered_bytes(), 5u);
  io.run_one();
  EXPECT_TRUE(completed);
  EXPECT_TRUE(below.writes.empty()) << "the write waits for the writer to go quiet";
  io.run();
  ASSERT_EQ(below.writes.size(), 1u);
  EXPECT_EQ(below.writes[0], "hello");
}

TEST(CoalescingStream, WritesSeparatedByAQuietTurnLeaveSeparately) {
  net::io_context io;
  Below below;
  Layer layer(RecordingStream(io, below));
  std::vector<error_code> results;
  write_chain(layer, {"a"}, results);
  io.run();
  io.restart();
  write_chain(layer, {"b"}, results);
  io.run();
  EXPECT_EQ(below.writes, (std::vector<std::string>{"a", "b"}));
}

TEST(CoalescingStream, WritesDuringAWriteBelowLeaveTogetherWhenItEnds) {
  net::io_context io;
  Below below;
  below.hold = true;
  Layer layer(RecordingStream(io, below));
  std::vector<error_code> results;
  write_chain(layer, {"first"}, results);
  io.run();
  io.restart();
  ASSERT_EQ(below.writes.size(), 1u);
  write_chain(layer, {"x", "y", "z"}, results);
  io.run();
  io.restart();
  EXPECT_EQ(results.size(), 4u) << "accepted while the write below is under way";
  EXPECT_EQ(layer.buffered_bytes(), 8u);
  below.release();
  io.run();
  io.restart();
  EXPECT_EQ(below.writes, (std::vector<std::string>{"first", "xyz"}));
  below.release();
  io.run();
  EXPECT_FALSE(layer.holds_state());
}

TEST(CoalescingStream, AFullBufferLeavesAtOnceAndTheNextWriterWaitsForIt) {
  net::io_context io;
  Below below;
  below.hold = true;
  Layer layer(RecordingStream(io, below));
  std::string big(3 * kCoalesceBytes + 100, '\0');
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>('a' + i % 26);
  std::optional<std::size_t> written;
  net::async_write(layer, net::buffer(big), [&](error_code ec, std::size_t n) {
    EXPECT_FALSE(ec);
    written = n;
  });
  io.run();
  io.restart();
  // The first kCoalesceBytes went down at once; the next filled the buffer; the rest waits.
  ASSERT_EQ(below.writes.size(), 1u);
  EXPECT_EQ(below.writes[0].size(), kCoalesceBytes);
  EXPECT_EQ(layer.buffered_bytes(), 2 * kCoalesceBytes) << "bounded: one buffer below, one gathering";
  EXPECT_FALSE(written);
  for (int round = 0; round < 8 && !below.held.empty(); ++round) {
    below.release();
    io.run();
    io.restart();
  }
  ASSERT_TRUE(written);
  EXPECT_EQ(*written, big.size());
  EXPECT_EQ(below.all(), big) << "every byte, in order";
  for (const auto& write : below.writes) EXPECT_LE(write.size(), kCoalesceBytes);
  EXPECT_FALSE(layer.holds_state());
}

TEST(CoalescingStream, AnErrorBelowFailsEveryLaterWrite) {
  net::io_context io;
  Below below;
  below.fail = net::error::broken_pipe;
  Layer layer(RecordingStream(io, below));
  std::vector<error_code> results;
  write_chain(layer, {"lost"}, results);
  io.run();
  io.restart();
  ASSERT_EQ(results.size(), 1u);
  EXPECT_FALSE(results[0]) << "accepted before the write below failed";
  write_chain(layer, {"after"}, results);
  io.run();
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[1], net::error::broken_pipe);
  EXPECT_EQ(below.writes, (std::vector<std::string>{"lost"})) << "nothing is written after the failure";
  EXPECT_EQ(layer.buffered_bytes(), 0u);
}

TEST(CoalescingStream, WhenFlushedWaitsForTheWriteBelow) {
  net::io_context io;
  Below below;
  below.hold = true;
  Layer layer(RecordingStream(io, below));
  std::optional<error_code> idle_flush;
  layer.when_flushed([&](error_code ec) { idle_flush = ec; });
  ASSERT_TRUE(idle_flush) << "nothing buffered: at once";
  EXPECT_FALSE(*idle_flush);

  std::vector<error_code> results;
  write_chain(layer, {"bye"}, results);
  io.run_one();  // the write's completion; the gathered bytes have not gone down yet
  io.restart();
  ASSERT_TRUE(below.writes.empty());
  std::optional<error_code> flushed;
  layer.when_flushed([&](error_code ec) { flushed = ec; });
  ASSERT_EQ(below.writes, (std::vector<std::string>{"bye"})) << "a flush request writes at once";
  EXPECT_FALSE(flushed);
  below.release();
  io.run();
  ASSERT_TRUE(flushed);
  EXPECT_FALSE(*flushed);
}

TEST(CoalescingStream, ALayerDestroyedWithWorkUnderWayLeavesNothingBehind) {
  net::io_context io;
  Below below;
  below.hold = true;
  std::vector<error_code> results;
  {
    Layer layer(RecordingStream(io, below));
    write_chain(layer, {"gone"}, results);
    io.run();  // the write below is held
    io.restart();
    ASSERT_EQ(below.writes.size(), 1u);
    std::string more = "queued";
    layer.async_write_some(net::buffer(more), [](error_code, std::size_t) {});  // a flush turn is posted
  }
  below.release(net::error::operation_aborted);  // as a closed socket completes it
  io.run();  // the posted turn finds the layer gone
  EXPECT_EQ(below.writes.size(), 1u);
}

// Beast's WebSocket on top: a server that writes several messages back to back and then closes
// delivers all of them and its close frame (teardown flushes first).
TEST(CoalescingStream, UnderBeastsWebSocketEveryFrameAndTheCloseArrive) {
  namespace websocket = boost::beast::websocket;
  using tcp = net::ip::tcp;
  using Socket = net::basic_stream_socket<tcp, net::io_context::executor_type>;
  net::io_context io;
  tcp::acceptor acceptor(io, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
  websocket::stream<tcp::socket> client(io);
  std::unique_ptr<websocket::stream<CoalescingStream<Socket>>> server;
  const std::vector<std::string> messages = {"alpha", "beta", std::string(3000, 'g'), "delta"};
  std::vector<std::string> received;
  std::optional<websocket::close_reason> close_seen;
  boost::beast::flat_buffer client_buffer;

  std::function<void()> write_next;
  std::size_t written = 0;
  write_next = [&] {
    if (written == messages.size()) {
      server->async_close(websocket::close_code::going_away, [](error_code) {});
      // keep reading so Beast sees the client's close and tears down
      auto buffer = std::make_shared<boost::beast::flat_buffer>();
      server->async_read(*buffer, [buffer](error_code, std::size_t) {});
      return;
    }
    server->async_write(net::buffer(messages[written]), [&](error_code ec, std::size_t) {
      ASSERT_FALSE(ec);
      ++written;
      write_next();
    });
  };
  acceptor.async_accept([&](error_code ec, tcp::socket socket) {
    ASSERT_FALSE(ec);
    auto handle = socket.release();
    server = std::make_unique<websocket::stream<CoalescingStream<Socket>>>(Socket(io.get_executor(), tcp::v4(), handle));
    server->async_accept([&](error_code accept_ec) {
      ASSERT_FALSE(accept_ec);
      write_next();
    });
  });
  std::function<void()> read_next = [&] {
    client.async_read(client_buffer, [&](error_code ec, std::size_t) {
      if (ec == websocket::error::closed) {
        close_seen = client.reason();
        return;
      }
      ASSERT_FALSE(ec) << ec.message();
      received.push_back(boost::beast::buffers_to_string(client_buffer.data()));
      client_buffer.consume(client_buffer.size());
      read_next();
    });
  };
  client.next_layer().async_connect(acceptor.local_endpoint(), [&](error_code ec) {
    ASSERT_FALSE(ec);
    client.async_handshake("127.0.0.1", "/", [&](error_code handshake_ec) {
      ASSERT_FALSE(handshake_ec) << handshake_ec.message();
      read_next();
    });
  });
  io.run_for(std::chrono::seconds(10));
  EXPECT_EQ(received, messages);
  ASSERT_TRUE(close_seen);
  EXPECT_EQ(close_seen->code, websocket::close_code::going_away);
}

TEST(CoalescingStream, AWriterWaitingOnAFullBufferGetsTheErrorOfTheWriteBelow) {
  net::io_context io;
  Below below;
  below.hold = true;
  Layer layer(RecordingStream(io, below));
  const std::string big(3 * kCoalesceBytes, 'x');
  std::optional<error_code> result;
  net::async_write(layer, net::buffer(big), [&](error_code ec, std::size_t) { result = ec; });
  io.run();
  io.restart();
  ASSERT_FALSE(result) << "waiting: one buffer below, one full";
  below.release(net::error::connection_reset);
  io.run();
  ASSERT_TRUE(result);
  EXPECT_EQ(*result, net::error::connection_reset);
  EXPECT_EQ(below.writes.size(), 1u) << "nothing more is written after the failure";
  EXPECT_EQ(layer.buffered_bytes(), 0u);
}

// The per-thread stock of states (coalescing_state.hpp) is bounded in count and in buffer size.
TEST(CoalescingState, TheStockKeepsAtMostItsCountAndNoLargeBuffer) {
  while (coalescing_states_in_stock() > 0) take_coalescing_state();
  std::vector<std::shared_ptr<CoalescingState>> states;
  for (std::size_t i = 0; i < kKeptCoalescingStates + 5; ++i) states.push_back(take_coalescing_state());
  for (auto& state : states) give_back_coalescing_state(std::move(state));
  EXPECT_EQ(coalescing_states_in_stock(), kKeptCoalescingStates);

  while (coalescing_states_in_stock() > 0) take_coalescing_state();
  auto large = take_coalescing_state();
  large->pending.resize(kKeptCoalescingBytes + 1);
  large->sending.resize(16);
  give_back_coalescing_state(std::move(large));
  auto again = take_coalescing_state();
  EXPECT_EQ(again->pending.capacity(), 0u) << "a buffer past kKeptCoalescingBytes is freed";
  EXPECT_TRUE(again->sending.empty());
  EXPECT_GE(again->sending.capacity(), 16u) << "a small one is kept for the next burst";
}

TEST(CoalescingState, AStateStillHeldByACompletionIsNotHandedOutAgain) {
  while (coalescing_states_in_stock() > 0) take_coalescing_state();
  auto state = take_coalescing_state();
  const std::shared_ptr<CoalescingState> held_by_completion = state;
  give_back_coalescing_state(std::move(state));
  ASSERT_EQ(coalescing_states_in_stock(), 1u);
  const auto fresh = take_coalescing_state();
  EXPECT_NE(fresh.get(), held_by_completion.get());
  EXPECT_EQ(held_by_completion->stream, nullptr);
}

}  // namespace
}  // namespace iceway::signaling
