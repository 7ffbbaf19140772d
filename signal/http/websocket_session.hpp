#pragma once
// One WebSocket connection (internal to signal/http/). It owns its socket and a bounded outgoing
// queue and writes one message at a time, as Beast's examples do, into a layer that gathers the
// writes of one event-loop turn into one system call (coalescing_stream.hpp); its io_context is run by one
// thread, so its handlers never run concurrently. It talks to the registry only through the Hub:
//   - a frame read is handed to the Hub, and the next read starts when the Hub has handled it,
//     so one connection never has more than one frame waiting on the registry. When the session
//     and the Hub share a thread (app/server.cpp), every hand-over below is a direct call: the
//     frame is read in place, relayed and written without a copy, a queue or a wake-up;
//   - frames from the Hub are queued; past max_send_queue_bytes the reader is too slow, the
//     queue is dropped and the connection closed with 1008 (a slow reader cannot grow memory);
//   - a ping goes out after ping_interval of silence, and idle_timeout of silence (no frame, no
//     pong) ends the connection.
#include <chrono>
#include <cstdint>
#include <iterator>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include "signal/http/coalescing_stream.hpp"
#include "signal/http/frame_queue.hpp"
#include "signal/http/hub.hpp"

namespace iceway::signaling {

// How long a close handshake (or a write stuck behind a slow reader) may take before the socket
// is simply closed.
inline constexpr std::chrono::seconds kCloseGrace{5};

// Reads ask for at most this much while no message is under way, so an idle connection's read
// buffer is this small; within a message they ask for a TCP frame's worth (Beast's own read
// buffer size), and after a larger message the buffer is given back (docs/BENCHMARKS.md).
inline constexpr std::size_t kIdleReadBytes = 256;
inline constexpr std::size_t kMessageReadBytes = 1536;

template <class NextLayer>
class WebSocketSession final : public WebSocketSink,
                               public std::enable_shared_from_this<WebSocketSession<NextLayer>> {
 public:
  using Request = boost::beast::http::request<boost::beast::http::string_body>;

  // `keep_alive` holds whatever the stream depends on (the TLS context) for the session's life.
  WebSocketSession(NextLayer&& stream, std::shared_ptr<Hub> hub, const Settings& settings, Protocol protocol,
                   IpAddress remote, Counters& counters, std::shared_ptr<void> keep_alive)
      : ws_(std::move(stream)),
        hub_(std::move(hub)),
        counters_(counters),
        protocol_(protocol),
        remote_(remote),
        max_queue_bytes_(settings.max_send_queue_bytes),
        ping_interval_(settings.ping_interval),
        idle_timeout_(settings.idle_timeout),
        timer_(ws_.get_executor()),
        keep_alive_(std::move(keep_alive)) {
    namespace websocket = boost::beast::websocket;
    // Plain sessions run on a bare socket; a TLS stream keeps the tcp_stream its handshake used,
    // whose timeouts are switched off here: the WebSocket has its own.
    auto& lowest = boost::beast::get_lowest_layer(ws_);
    if constexpr (requires { lowest.expires_never(); }) lowest.expires_never();
    ws_.set_option(websocket::stream_base::timeout{settings.handshake_timeout, websocket::stream_base::none(), false});
    ws_.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& response) { response.set(boost::beast::http::field::server, "iceway"); }));
    websocket::permessage_deflate deflate;
    deflate.server_enable = settings.permessage_deflate;
    ws_.set_option(deflate);
    // Frames up to twice the core's limit are read, so the core can answer "too-large" instead of
    // the connection just dropping; anything bigger ends the connection with 1009.
    ws_.read_message_max(settings.max_frame_bytes * 2);
  }

  void run(Request request) {
    target_ = std::string(request.target());
    ws_.control_callback([this](boost::beast::websocket::frame_type, boost::beast::string_view) {
      // A pong (or ping) proves the peer is there. Runs inside our own read, on our thread.
      last_activity_ = Clock::now();
    });
    ws_.async_accept(request, boost::beast::bind_front_handler(&WebSocketSession::on_accept, this->shared_from_this()));
  }

  // Both run inline when called on our own thread (see hub.hpp about re-entrancy: they only
  // start asynchronous operations, never call the Hub).
  void deliver(std::span<Frame> frames) override {
    if (on_own_thread()) return enqueue(frames);
    std::vector<Frame> owned(std::make_move_iterator(frames.begin()), std::make_move_iterator(frames.end()));
    boost::asio::post(ws_.get_executor(), [self = this->shared_from_this(), owned = std::move(owned)]() mutable {
      self->enqueue(owned);
    });
  }

  void close(std::uint16_t code, std::string reason) override {
    boost::asio::dispatch(ws_.get_executor(), [self = this->shared_from_this(), code, reason = std::move(reason)]() mutable {
      self->start_close(code, std::move(reason));
    });
  }

 private:
  void on_accept(boost::beast::error_code ec) {
    if (ec) return;  // handshake failed or timed out: nothing was registered
    id_ = hub_->next_connection_id();
    opened_ = true;
    last_activity_ = Clock::now();
    hub_->open(id_, this->weak_from_this(), protocol_, std::move(target_), remote_);
    schedule_ping();
    do_read();
  }

  void do_read() {
    if (finished_) return;
    const std::size_t limit = buffer_.size() == 0 ? kIdleReadBytes : kMessageReadBytes;
    ws_.async_read_some(buffer_, limit,
                        boost::beast::bind_front_handler(&WebSocketSession::on_read, this->shared_from_this()));
  }

  void on_read(boost::beast::error_code ec, std::size_t /*bytes*/) {
    if (ec) {
      // Beyond read_message_max Beast has already closed with 1009; count it with the others.
      if (ec == boost::beast::websocket::error::message_too_big) counters_.count_error(ErrorCode::too_large);
      return finish();  // websocket::error::closed is the normal end
    }
    last_activity_ = Clock::now();
    if (closing_) {
      // After our close frame, keep reading (and discarding) until the peer's close arrives.
      buffer_.consume(buffer_.size());
      return do_read();
    }
    if (!ws_.is_message_done()) return do_read();
    // The Hub reads the frame where it lies (or copies it, from another thread); the buffer is
    // emptied only when the Hub is done with it.
    const auto data = buffer_.data();
    hub_->message(id_, std::string_view(static_cast<const char*>(data.data()), data.size()),
                  [self = this->shared_from_this()] {
                    if (self->on_own_thread()) return self->next_message();
                    boost::asio::post(self->ws_.get_executor(), [self] { self->next_message(); });
                  });
  }

  void next_message() {
    buffer_.consume(buffer_.size());
    if (buffer_.capacity() > kIdleReadBytes) buffer_.shrink_to_fit();
    do_read();
  }

  // Sessions are created on a plain io_context executor (http_server.cpp); anything else is
  // treated as another thread, which is always correct, only slower.
  bool on_own_thread() {
    auto executor = ws_.get_executor();
    if constexpr (std::is_same_v<decltype(executor), boost::asio::io_context::executor_type>) {
      return executor.running_in_this_thread();
    } else {
      const auto* context = executor.template target<boost::asio::io_context::executor_type>();
      return context != nullptr && context->running_in_this_thread();
    }
  }

  void enqueue(std::span<Frame> frames) {
    if (closing_ || finished_) return;
    for (auto& frame : frames) {
      if (queued_bytes() + frame->size() > max_queue_bytes_) {
        counters_.count_error(ErrorCode::slow_reader);
        // Drop what waits; the frame being written (in_flight_) stays alive until its write ends.
        queue_.clear();
        return start_close(close_code::policy_violation, "slow reader: outgoing queue full");
      }
      queue_.push(std::move(frame));
    }
    do_write();
  }

  // Everything this connection holds for its reader: the queue, the frame Beast is writing, and
  // what the coalescing layer has gathered and not yet written.
  std::size_t queued_bytes() const {
    return queue_.bytes() + (in_flight_ ? in_flight_->size() : 0) + ws_.next_layer().buffered_bytes();
  }

  void do_write() {
    if (writing_ || queue_.empty() || finished_) return;
    writing_ = true;
    in_flight_ = queue_.pop();
    ws_.text(true);
    ws_.async_write(boost::asio::buffer(*in_flight_),
                    boost::beast::bind_front_handler(&WebSocketSession::on_write, this->shared_from_this()));
  }

  void on_write(boost::beast::error_code ec, std::size_t /*bytes*/) {
    writing_ = false;
    in_flight_.reset();
    if (ec) return teardown();
    if (!queue_.empty()) return do_write();
    if (closing_ && !close_sent_) do_close();
  }

  void start_close(std::uint16_t code, std::string reason) {
    if (closing_ || finished_) return;
    closing_ = true;
    close_code_ = code;
    // RFC 6455 §5.5: a control frame payload is at most 125 bytes, 2 of them the code.
    if (reason.size() > 123) reason.resize(123);
    close_text_ = std::move(reason);
    // The ping timer is not needed any more (its handler stops once closing_ is set): it now
    // bounds the close handshake, so an idle session carries one timer, not two.
    timer_.expires_after(kCloseGrace);
    timer_.async_wait([self = this->shared_from_this()](boost::beast::error_code ec) {
      if (!ec) self->teardown();
    });
    if (!writing_ && queue_.empty()) do_close();
  }

  void do_close() {
    close_sent_ = true;
    const boost::beast::websocket::close_reason reason(static_cast<boost::beast::websocket::close_code>(close_code_),
                                                       close_text_);
    ws_.async_close(reason, [self = this->shared_from_this()](boost::beast::error_code ec) {
      // On success the pending read finishes the handshake; on failure there is nothing to wait for.
      if (ec) self->teardown();
    });
  }

  void schedule_ping() {
    timer_.expires_after(ping_interval_);
    timer_.async_wait(boost::beast::bind_front_handler(&WebSocketSession::on_ping_timer, this->shared_from_this()));
  }

  void on_ping_timer(boost::beast::error_code ec) {
    if (ec || finished_ || closing_) return;
    const auto silent = Clock::now() - last_activity_;
    if (silent >= idle_timeout_) {  // no frame and no pong: the peer is gone
      counters_.count_error(ErrorCode::idle_timeout);
      return teardown();
    }
    if (silent >= ping_interval_ - std::chrono::milliseconds(50) && !ping_in_flight_) {
      ping_in_flight_ = true;
      ws_.async_ping({}, [self = this->shared_from_this()](boost::beast::error_code) { self->ping_in_flight_ = false; });
    }
    schedule_ping();
  }

  // Ends the connection without ceremony; the pending read then completes and calls finish().
  void teardown() {
    boost::beast::error_code ignored;
    auto& lowest = boost::beast::get_lowest_layer(ws_);
    if constexpr (requires { lowest.socket(); }) {
      lowest.socket().close(ignored);
    } else {
      lowest.close(ignored);
    }
    finish();
  }

  void finish() {
    if (finished_) return;
    finished_ = true;
    timer_.cancel();
    queue_.clear();
    if (opened_) hub_->closed(id_);
  }

  boost::beast::websocket::stream<CoalescingStream<NextLayer>> ws_;
  boost::beast::flat_buffer buffer_;
  std::shared_ptr<Hub> hub_;
  Counters& counters_;
  Protocol protocol_;
  IpAddress remote_;
  std::string target_;
  ConnectionId id_ = 0;
  const std::size_t max_queue_bytes_;
  const std::chrono::seconds ping_interval_;
  const std::chrono::seconds idle_timeout_;
  FrameQueue queue_;
  Frame in_flight_;  // the frame async_write is sending; its buffer must outlive the write
  boost::asio::steady_timer timer_;  // pings while open, then the close handshake's bound
  TimePoint last_activity_{};
  std::string close_text_;  // a close_reason is 130 bytes; kept only once a close starts
  std::uint16_t close_code_ = 0;
  std::shared_ptr<void> keep_alive_;
  bool opened_ = false;
  bool writing_ = false;
  bool closing_ = false;
  bool close_sent_ = false;
  bool ping_in_flight_ = false;
  bool finished_ = false;
};

}  // namespace iceway::signaling
