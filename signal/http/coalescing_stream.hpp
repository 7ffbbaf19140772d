#pragma once
// The layer under Beast's websocket::stream that gathers a connection's writes (internal to
// signal/http/). Beast writes one frame at a time and waits for each write to finish before the
// next, so a receiver with eight frames queued cost eight write system calls. This layer takes
// every write Beast makes, in order (data frames, pings, pongs, the close frame, the upgrade
// response alike), copies it into a buffer and completes it at once while the buffer holds less
// than kCoalesceBytes. The buffer goes to the layer below in one write when the writers go quiet:
// a flush posted to the event loop waits one more turn whenever a write arrived since it was
// posted, so a burst of frames for one receiver leaves in one sendmsg (or one run of TLS records).
// A full buffer is written at once and the next write waits for it, so the memory held is bounded
// and counted: WebSocket sessions add buffered_bytes() to their slow-reader limit.
//
// Reads pass straight through. Beast's teardown (after a close handshake) is customised below to
// flush first, so the close frame leaves before the socket closes.
//
// One writer at a time, as Beast guarantees (its write lock covers every frame it sends). The
// buffers and flags live in a CoalescingState taken from a per-thread stock while there is work
// and given back when everything is written, so an idle connection holds none
// (coalescing_state.hpp).
#include <algorithm>
#include <cstddef>
#include <memory>
#include <utility>

#include <boost/asio/async_result.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/role.hpp>
#include <boost/beast/websocket/teardown.hpp>

#include "signal/http/coalescing_state.hpp"

namespace iceway::signaling {

// Bytes a connection gathers before they go out regardless of quiet: bounds the memory and the
// delay one flush adds.
inline constexpr std::size_t kCoalesceBytes = 64 * 1024;

template <class Next>
class CoalescingStream {
 public:
  using next_layer_type = Next;
  using executor_type = typename Next::executor_type;
  using error_code = boost::beast::error_code;

  explicit CoalescingStream(Next&& next) : next_(std::move(next)) {}
  // websocket::stream constructs its next layer in place and never moves it; the state points
  // back here, so the layer stays where it was made.
  CoalescingStream(const CoalescingStream&) = delete;
  CoalescingStream& operator=(const CoalescingStream&) = delete;
  ~CoalescingStream() {
    if (state_) state_->stream = nullptr;  // pending completions find it gone
  }

  executor_type get_executor() noexcept { return next_.get_executor(); }
  Next& next_layer() noexcept { return next_; }
  const Next& next_layer() const noexcept { return next_; }

  // Bytes accepted from writers and not yet written to the layer below.
  std::size_t buffered_bytes() const noexcept {
    return state_ ? state_->pending.size() + state_->sending.size() : 0;
  }
  // Whether the layer holds a state (and so its buffers): only while it has work.
  bool holds_state() const noexcept { return state_ != nullptr; }

  template <class MutableBuffers, class Token>
  auto async_read_some(const MutableBuffers& buffers, Token&& token) {
    return next_.async_read_some(buffers, std::forward<Token>(token));
  }

  template <class ConstBuffers, class Token>
  auto async_write_some(const ConstBuffers& buffers, Token&& token) {
    return boost::asio::async_initiate<Token, void(error_code, std::size_t)>(
        [this](auto handler, const ConstBuffers& data) { write(data, std::move(handler)); }, token, buffers);
  }

  // Calls `done(error_code)` once everything accepted so far has been written to the layer below
  // (or writing failed): at once if nothing is buffered, else when the last write ends. Not an
  // Asio operation: `done` runs inside this call or inside a completion of this layer, and not
  // at all if the stream is destroyed first. For callers that close the connection next.
  template <class Done>
  void when_flushed(Done done) {
    if (!state_) return done(error_code{});
    auto& s = *state_;
    if (s.error || (s.pending.empty() && !s.sending_active)) return done(s.error);
    s.flushed = make_waiter([done = std::move(done)](CoalescingStream& stream) mutable {
      done(stream.state_ ? stream.state_->error : error_code{});
    });
    if (!s.sending_active) start_flush();
  }

 private:
  template <class F>
  struct WaiterOf final : CoalescingWaiter {
    explicit WaiterOf(F function) : f(std::move(function)) {}
    void run(void* stream) override { f(*static_cast<CoalescingStream*>(stream)); }
    F f;
  };
  template <class F>
  static std::unique_ptr<CoalescingWaiter> make_waiter(F f) {
    return std::make_unique<WaiterOf<F>>(std::move(f));
  }

  template <class Handler, class... Args>
  void complete(Handler&& handler, Args... args) {
    boost::asio::post(next_.get_executor(), boost::beast::bind_front_handler(std::forward<Handler>(handler), args...));
  }

  CoalescingState& state() {
    if (!state_) {
      state_ = take_coalescing_state();
      state_->stream = this;
    }
    return *state_;
  }

  // Back to the stock once nothing is buffered, under way or waiting, so an idle connection
  // holds no state. A failed layer keeps its state: the error answers every later write.
  void release_if_idle() {
    auto& s = *state_;
    if (s.error || s.sending_active || s.turn_posted || !s.pending.empty() || s.blocked || s.flushed) return;
    give_back_coalescing_state(std::move(state_));
    state_.reset();
  }

  template <class ConstBuffers, class Handler>
  void write(const ConstBuffers& buffers, Handler handler) {
    auto& s = state();
    if (s.error) return complete(std::move(handler), s.error, std::size_t{0});
    const std::size_t size = boost::asio::buffer_size(buffers);
    if (size == 0) {
      complete(std::move(handler), error_code{}, std::size_t{0});
      return release_if_idle();
    }
    if (s.pending.size() >= kCoalesceBytes) {
      // Full, so a write below is under way (a full buffer is handed down at once): wait for it.
      s.blocked = make_waiter([buffers, handler = std::move(handler)](CoalescingStream& stream) mutable {
        stream.write(buffers, std::move(handler));
      });
      return;
    }
    const std::size_t taken = std::min(size, kCoalesceBytes - s.pending.size());
    const std::size_t before = s.pending.size();
    s.pending.resize(before + taken);
    boost::asio::buffer_copy(boost::asio::buffer(s.pending.data() + before, taken), buffers, taken);
    complete(std::move(handler), error_code{}, taken);
    if (s.sending_active) return;  // its completion writes what gathered meanwhile
    if (s.pending.size() >= kCoalesceBytes) return start_flush();
    if (s.turn_posted) {
      ++s.writes_since_post;
    } else {
      post_turn();
    }
  }

  void post_turn() {
    state_->turn_posted = true;
    state_->writes_since_post = 0;
    boost::asio::post(next_.get_executor(), [state = state_] {
      if (state->stream != nullptr) static_cast<CoalescingStream*>(state->stream)->on_turn();
    });
  }

  void on_turn() {
    auto& s = *state_;
    s.turn_posted = false;
    if (s.sending_active) return;
    if (s.pending.empty()) return release_if_idle();
    // A write arrived after this turn was posted: the writer is still going (Beast writes the
    // next queued frame from the previous one's completion), so wait one more turn.
    if (s.writes_since_post > 0) return post_turn();
    start_flush();
  }

  void start_flush() {
    auto& s = *state_;
    s.sending_active = true;
    std::swap(s.pending, s.sending);
    boost::asio::async_write(next_, boost::asio::buffer(s.sending), [state = state_](error_code ec, std::size_t) {
      // A destroyed layer's socket is closed, so this is the aborted write; the buffer goes
      // with the state.
      if (state->stream != nullptr) static_cast<CoalescingStream*>(state->stream)->on_written(ec);
    });
  }

  void on_written(error_code ec) {
    auto& s = *state_;
    s.sending_active = false;
    s.sending.clear();
    if (ec && !s.error) s.error = ec;
    if (s.error) {
      s.pending.clear();  // nothing more reaches this peer
    } else if (!s.pending.empty()) {
      start_flush();
    }
    if (s.blocked) std::exchange(s.blocked, nullptr)->run(this);
    if (!state_) return;
    if (s.flushed && (s.error || (s.pending.empty() && !s.sending_active))) {
      std::exchange(s.flushed, nullptr)->run(this);
    }
    if (state_) release_if_idle();
  }

  Next next_;
  std::shared_ptr<CoalescingState> state_;  // null while idle
};

// Beast's teardown after a close handshake (found by argument-dependent lookup): write what is
// buffered, the close frame among it, then tear down the layer below as Beast would.
template <class Next, class Handler>
void async_teardown(boost::beast::role_type role, CoalescingStream<Next>& stream, Handler&& handler) {
  stream.when_flushed([&stream, role, handler = std::forward<Handler>(handler)](boost::beast::error_code) mutable {
    using boost::beast::websocket::async_teardown;
    async_teardown(role, stream.next_layer(), std::move(handler));
  });
}

}  // namespace iceway::signaling
