#pragma once
// One WebSocket carrying an Engine.IO session (internal to signal/http/): the socket, a bounded
// queue of text and binary frames written one at a time through the coalescing layer (as
// websocket_session.hpp, whose limits it shares), and the reads handed to the SocketIoMount. It runs on the mount's thread
// (socketio_mount.hpp), so every hand-over is a direct call. Engine.IO has its own heartbeat
// (ping/pong packets, judged by the EngineSession), so no WebSocket ping or idle timer here.
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include "signal/counters.hpp"
#include "signal/http/coalescing_stream.hpp"
#include "signal/http/socketio_mount.hpp"
#include "signal/http/websocket_session.hpp"

namespace iceway::signaling {

template <class NextLayer>
class EngineWebSocket final : public EngineSocket, public std::enable_shared_from_this<EngineWebSocket<NextLayer>> {
 public:
  using Request = boost::beast::http::request<boost::beast::http::string_body>;

  EngineWebSocket(NextLayer&& stream, std::shared_ptr<SocketIoMount> mount, const Settings& settings,
                  Counters& counters, std::shared_ptr<void> keep_alive)
      : ws_(std::move(stream)),
        mount_(std::move(mount)),
        counters_(counters),
        max_queue_bytes_(settings.max_send_queue_bytes),
        timer_(ws_.get_executor()),
        keep_alive_(std::move(keep_alive)) {
    namespace websocket = boost::beast::websocket;
    auto& lowest = boost::beast::get_lowest_layer(ws_);
    if constexpr (requires { lowest.expires_never(); }) lowest.expires_never();
    ws_.set_option(websocket::stream_base::timeout{settings.handshake_timeout, websocket::stream_base::none(), false});
    ws_.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& response) { response.set(boost::beast::http::field::server, "iceway"); }));
    // Beyond maxPayload Beast closes with 1009 ("message too big"), which ends the session.
    ws_.read_message_max(mount_->max_payload());
  }

  // `plain` is `request` as the mount reads it. The mount may refuse (unknown sid, a second
  // upgrade, the per-source cap): that answer is written instead of the upgrade.
  void run(Request request, const HttpRequest& plain) {
    if (auto refusal = mount_->open_websocket(plain, this->weak_from_this(), sid_)) {
      return refuse(request, std::move(*refusal));
    }
    opened_ = true;
    ws_.async_accept(request,
                     boost::beast::bind_front_handler(&EngineWebSocket::on_accept, this->shared_from_this()));
  }

  void send(std::vector<socketio::OutboundFrame> frames) override {
    if (closing_ || finished_) return;
    for (auto& frame : frames) {
      if (queued_bytes_ + ws_.next_layer().buffered_bytes() + frame.data.size() > max_queue_bytes_) {
        counters_.count_error(ErrorCode::slow_reader);
        queue_.clear();
        queued_bytes_ = 0;
        return close();
      }
      queued_bytes_ += frame.data.size();
      queue_.push_back(std::move(frame));
    }
    do_write();
  }

  void close() override {
    if (closing_ || finished_) return;
    closing_ = true;
    timer_.expires_after(kCloseGrace);
    timer_.async_wait([self = this->shared_from_this()](boost::beast::error_code ec) {
      if (!ec) self->teardown();
    });
    if (!accepted_) return;  // on_accept closes
    if (!writing_ && queue_.empty()) do_close();
  }

 private:
  void refuse(const Request& request, HttpResponse refusal) {
    namespace http = boost::beast::http;
    auto response = std::make_shared<http::response<http::string_body>>(static_cast<http::status>(refusal.status),
                                                                        request.version());
    response->set(http::field::server, "iceway");
    response->set(http::field::content_type, refusal.content_type);
    response->keep_alive(false);
    response->body() = std::move(refusal.body);
    response->prepare_payload();
    http::async_write(ws_.next_layer().next_layer(), *response,
                      [self = this->shared_from_this(), response](boost::beast::error_code, std::size_t) {
                        self->teardown();
                      });
  }

  void on_accept(boost::beast::error_code ec) {
    if (ec) return finish();
    accepted_ = true;
    if (closing_ && queue_.empty()) return do_close();
    do_write();
    do_read();
  }

  void do_read() {
    if (finished_) return;
    ws_.async_read(buffer_, boost::beast::bind_front_handler(&EngineWebSocket::on_read, this->shared_from_this()));
  }

  void on_read(boost::beast::error_code ec, std::size_t /*bytes*/) {
    if (ec) {
      if (ec == boost::beast::websocket::error::message_too_big) counters_.count_error(ErrorCode::too_large);
      return finish();
    }
    if (!closing_) {
      const auto data = buffer_.data();
      mount_->websocket_frame(sid_, this, std::string_view(static_cast<const char*>(data.data()), data.size()),
                              ws_.got_binary());
    }
    buffer_.consume(buffer_.size());
    if (buffer_.capacity() > kIdleReadBytes) buffer_.shrink_to_fit();
    do_read();
  }

  void do_write() {
    if (!accepted_ || writing_ || queue_.empty() || finished_) return;
    writing_ = true;
    in_flight_ = std::move(queue_.front());
    queue_.pop_front();
    ws_.binary(in_flight_.binary);
    ws_.async_write(boost::asio::buffer(in_flight_.data),
                    boost::beast::bind_front_handler(&EngineWebSocket::on_write, this->shared_from_this()));
  }

  void on_write(boost::beast::error_code ec, std::size_t /*bytes*/) {
    writing_ = false;
    queued_bytes_ -= std::min(queued_bytes_, in_flight_.data.size());
    in_flight_ = {};
    if (ec) return teardown();
    if (!queue_.empty()) return do_write();
    if (closing_ && !close_sent_) do_close();
  }

  void do_close() {
    if (close_sent_ || finished_) return;
    close_sent_ = true;
    ws_.async_close(boost::beast::websocket::close_code::normal,
                    [self = this->shared_from_this()](boost::beast::error_code ec) {
                      if (ec) self->teardown();
                    });
  }

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
    if (opened_) mount_->websocket_closed(sid_, this);
  }

  boost::beast::websocket::stream<CoalescingStream<NextLayer>> ws_;
  boost::beast::flat_buffer buffer_;
  std::shared_ptr<SocketIoMount> mount_;
  Counters& counters_;
  const std::size_t max_queue_bytes_;
  std::deque<socketio::OutboundFrame> queue_;
  std::size_t queued_bytes_ = 0;  // queue_ and in_flight_
  socketio::OutboundFrame in_flight_;
  boost::asio::steady_timer timer_;  // bounds the close handshake
  std::shared_ptr<void> keep_alive_;
  std::string sid_;
  bool opened_ = false;
  bool accepted_ = false;
  bool writing_ = false;
  bool closing_ = false;
  bool close_sent_ = false;
  bool finished_ = false;
};

}  // namespace iceway::signaling
