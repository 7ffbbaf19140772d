#include "turn/io/client_connection.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <unistd.h>

#include "common/clock.hpp"
#include "net/address.hpp"
#include "stun/stream_framer.hpp"

namespace iceway::turn::io {

namespace {

template <class Stream>
class Connection final : public ClientConnection, public std::enable_shared_from_this<Connection<Stream>> {
 public:
  static constexpr bool kTls = std::is_same_v<Stream, boost::asio::ssl::stream<boost::asio::ip::tcp::socket>>;

  Connection(Stream stream, FiveTuple tuple, FrameHandler& handler, StreamAdmission admission,
             std::shared_ptr<void> keep_alive = {}, std::vector<std::byte> initial = {})
      : ClientConnection(tuple),
        keep_alive_(std::move(keep_alive)),
        stream_(std::move(stream)),
        timer_(stream_.get_executor()),
        handler_(&handler),
        slot_(std::move(admission.connection)),
        handshake_slot_(std::move(admission.handshake)),
        deadlines_(admission.timeouts, Clock::now(), kTls) {
    buffer_.resize(std::max(stun::kStreamBufferInitialSize, initial.size()));
    std::copy(initial.begin(), initial.end(), buffer_.begin());
    filled_ = initial.size();
  }

  void start() {
    schedule_timer();
    if constexpr (kTls) {
      stream_.async_handshake(boost::asio::ssl::stream_base::server,
                              [self = this->shared_from_this()](const boost::system::error_code& error) {
                                if (error || self->closed_) return self->close();
                                self->handshake_slot_.release();
                                self->deadlines_.handshake_done(Clock::now());
                                self->schedule_timer();
                                self->do_read();
                              });
    } else if (filled_ > 0) {
      // Bytes another worker read already, handled from the event loop: the caller registers
      // the connection first, so a frame that closes it at once finds it to remove.
      boost::asio::post(stream_.get_executor(), [self = this->shared_from_this()] { self->on_read({}, 0); });
    } else {
      do_read();
    }
  }

  bool send(ByteSpan bytes) override { return send(bytes, {}); }

  bool send(ByteSpan first, ByteSpan second) override {
    std::size_t size = first.size() + second.size();
    if (closed_ || queued_bytes() + size > kMaxQueuedBytes) return false;
    // Appended to the buffer that is not being written: its capacity stays from frame to
    // frame, so relaying to a stream client allocates nothing per packet, and everything that
    // queued up during one write leaves in the next single write.
    const std::size_t at = pending_.size();
    pending_.resize(at + size);
    if (!first.empty()) std::memcpy(pending_.data() + at, first.data(), first.size());
    if (!second.empty()) std::memcpy(pending_.data() + at + first.size(), second.data(), second.size());
    if constexpr (kTls) pending_sizes_.push_back(static_cast<std::uint32_t>(size));
    if (!writing_in_flight_) start_write();
    return true;
  }

  void close() override {
    if (closed_) return;
    closed_ = true;
    timer_.cancel();
    boost::system::error_code ignored;
    lowest_layer().shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
    lowest_layer().close(ignored);
    pending_.clear();
    pending_sizes_.clear();
    if (peer_) peer_->close(ignored);
    client_pause_.cancel();
    peer_pause_.cancel();
    // The caps count open connections: give the slots back now, not when the last pending
    // operation lets go of this object.
    slot_.release();
    handshake_slot_.release();
    if (auto* handler = std::exchange(handler_, nullptr)) handler->on_closed(*this);
  }

  void set_idle_timeout(std::chrono::seconds timeout) override {
    deadlines_.set_idle_timeout(timeout);
    if (!closed_) schedule_timer();
  }

  void prove() override {
    proved_ = true;
    deadlines_.on_proved();
  }

  void become_pipe(boost::asio::ip::tcp::socket peer) override {
    boost::system::error_code ignored;
    if (closed_) return peer.close(ignored);
    peer_.emplace(std::move(peer));
    pipe_ = true;  // on_read() stops framing and starts the pipe after this frame
  }

  void pause_reading() override { paused_ = true; }

  void resume_reading() override {
    if (!paused_ || closed_) return;
    paused_ = false;
    if (pipe_) return start_pipe(0);
    on_read({}, 0);  // the frames that waited, then reading on
  }

  std::optional<HandedOver> hand_over() override {
    if constexpr (kTls) {
      return std::nullopt;
    } else {
      if (closed_) return std::nullopt;
      HandedOver moved;
      moved.fd = ::dup(stream_.native_handle());
      if (moved.fd < 0) return std::nullopt;
      moved.bytes.assign(buffer_.begin() + static_cast<std::ptrdiff_t>(frame_offset_),
                         buffer_.begin() + static_cast<std::ptrdiff_t>(filled_));
      moved.slot = std::move(slot_);
      // Finished here without on_closed(): the worker that takes it over counts it.
      handler_ = nullptr;
      closed_ = true;
      timer_.cancel();
      boost::system::error_code ignored;
      stream_.close(ignored);  // the dup()ed descriptor keeps the connection open
      return moved;
    }
  }

 private:
  boost::asio::ip::tcp::socket& lowest_layer() {
    if constexpr (std::is_same_v<Stream, boost::asio::ip::tcp::socket>) return stream_;
    else return stream_.next_layer();
  }

  void close(turn::StreamClose reason) {
    if (closed_) return;
    close_reason_ = reason;
    close();
  }

  // One timer per connection, armed for the earliest deadline. Deadlines that move later
  // (the idle clock on every frame) do not re-arm it: when it fires early, on_timer() finds
  // nothing expired and arms it again, so a busy connection costs no timer operation per read.
  void schedule_timer() {
    const TimePoint next = deadlines_.next();
    if (next == TimePoint::max() || (timer_armed_ && armed_for_ <= next)) return;
    timer_armed_ = true;
    armed_for_ = next;
    timer_.expires_at(next);
    timer_.async_wait([self = this->shared_from_this()](const boost::system::error_code& error) {
      if (!error) self->on_timer();
    });
  }

  void on_timer() {
    timer_armed_ = false;
    if (closed_) return;
    if (auto reason = deadlines_.expired(Clock::now())) return close(*reason);
    schedule_timer();
  }

  void do_read() {
    if (closed_) return;
    stream_.async_read_some(
        boost::asio::buffer(buffer_.data() + filled_, buffer_.size() - filled_),
        [self = this->shared_from_this()](const boost::system::error_code& error, std::size_t count) {
          self->on_read(error, count);
        });
  }

  void on_read(const boost::system::error_code& error, std::size_t count) {
    if (error || closed_) return close();  // peer closed or reset: an expected ending
    filled_ += count;
    std::size_t offset = 0;
    std::size_t needed = 0;
    bool completed = false;
    while (!closed_) {
      auto frame = stun::next_frame(ByteSpan(buffer_.data() + offset, filled_ - offset));
      if (frame.status == stun::FrameStatus::invalid) return close(turn::StreamClose::invalid_frame);
      if (frame.kind == stun::FrameKind::channel_data && !channel_data_allowed_ && filled_ > offset)
        return close(turn::StreamClose::invalid_frame);
      if (frame.status == stun::FrameStatus::need_more) {
        needed = frame.size;
        break;
      }
      frame_offset_ = offset;
      handler_->on_frame(ByteSpan(buffer_.data() + offset, frame.size), *this);
      offset += frame.size;
      completed = true;
      if (pipe_ && !closed_) return start_pipe(offset);
      if (paused_ && !closed_) {  // kept at the front of the buffer for resume_reading()
        std::memmove(buffer_.data(), buffer_.data() + offset, filled_ - offset);
        filled_ -= offset;
        frame_offset_ = 0;
        return;
      }
    }
    if (closed_) return;
    // Keep the partial frame at the front of the buffer for the next read.
    if (offset > 0) {
      std::memmove(buffer_.data(), buffer_.data() + offset, filled_ - offset);
      filled_ -= offset;
    }
    // Issue 11: the buffer follows the bytes received, not the length the header announced.
    const std::size_t size = stun::stream_buffer_size(buffer_.size(), filled_, needed);
    if (size > buffer_.size()) buffer_.resize(size);
    else if (size < buffer_.size()) std::vector<std::byte>(size).swap(buffer_);  // empty: give the memory back
    deadlines_.on_read(Clock::now(), completed, filled_ > 0);
    schedule_timer();
    do_read();
  }

  std::size_t queued_bytes() const { return pending_.size() + writing_.size() - written_; }

  // RFC 6062 data connection. Client to peer: read a chunk, write it all to the peer, read
  // again. Peer to client: read a chunk, queue it with send(), read again once the queue has
  // drained (on_write). Either side ending, or an error, closes both.
  void start_pipe(std::size_t offset) {
    std::memmove(buffer_.data(), buffer_.data() + offset, filled_ - offset);
    filled_ -= offset;
    if (buffer_.size() < kPipeChunk) buffer_.resize(kPipeChunk);
    peer_buffer_.resize(kPipeChunk);
    deadlines_.on_read(Clock::now(), true, false);
    schedule_timer();
    if (filled_ > 0) write_to_peer();
    else read_client();
    read_peer();
  }

  // Runs `next` now, or after `wait` on `timer` (a bandwidth cap slowing that direction).
  template <class Next>
  void after(boost::asio::steady_timer& timer, Duration wait, Next next) {
    if (wait <= Duration::zero()) return next();
    timer.expires_after(wait);
    timer.async_wait([self = this->shared_from_this(), next](const boost::system::error_code& error) {
      if (!error && !self->closed_) next();
    });
  }

  void read_client() {
    if (closed_) return;
    stream_.async_read_some(boost::asio::buffer(buffer_.data(), kPipeChunk),
                            [self = this->shared_from_this()](const boost::system::error_code& error, std::size_t count) {
                              if (error || self->closed_) return self->close();
                              self->filled_ = count;
                              self->deadlines_.on_read(Clock::now(), true, false);
                              self->write_to_peer();
                            });
  }

  void write_to_peer() {
    boost::asio::async_write(*peer_, boost::asio::buffer(buffer_.data(), filled_),
                             [self = this->shared_from_this()](const boost::system::error_code& error, std::size_t count) {
                               if (error || self->closed_) return self->close();
                               self->filled_ = 0;
                               const Duration wait = self->handler_ ? self->handler_->on_piped(*self, count, 0) : Duration{};
                               self->after(self->client_pause_, wait, [self] { self->read_client(); });
                             });
  }

  void read_peer() {
    if (closed_) return;
    peer_->async_read_some(boost::asio::buffer(peer_buffer_.data(), peer_buffer_.size()),
                           [self = this->shared_from_this()](const boost::system::error_code& error, std::size_t count) {
                             if (error || self->closed_) return self->close();
                             self->deadlines_.on_read(Clock::now(), true, false);
                             self->peer_wait_ = self->handler_ ? self->handler_->on_piped(*self, 0, count) : Duration{};
                             self->peer_waiting_ = true;  // read again once this is written
                             self->send(ByteSpan(self->peer_buffer_.data(), count));
                           });
  }

  // Plain TCP: everything queued while a write was in flight leaves in the next single write.
  // TLS: the same bytes, but each frame in a record of its own (one SSL_write each). A stream
  // has no message boundaries and iceway's own reader needs none, but clients built against
  // coturn, which writes every frame with its own SSL_write, take one SSL_read for one frame
  // and drop the rest of a record that carries two (turnutils_uclient does, silently).
  void start_write() {
    if (written_ == writing_.size()) {  // the write in flight is done: take what queued since
      writing_.clear();
      writing_.swap(pending_);
      writing_sizes_.clear();
      writing_sizes_.swap(pending_sizes_);
      written_ = 0;
      next_frame_ = 0;
    }
    std::size_t length = writing_.size() - written_;
    if constexpr (kTls) length = writing_sizes_[next_frame_++];
    writing_in_flight_ = true;
    boost::asio::async_write(stream_, boost::asio::buffer(writing_.data() + written_, length),
                             [self = this->shared_from_this(), length](const boost::system::error_code& error,
                                                                       std::size_t) { self->on_write(error, length); });
  }

  void on_write(const boost::system::error_code& error, std::size_t length) {
    writing_in_flight_ = false;
    if (error || closed_) return close();
    written_ += length;
    if (written_ < writing_.size()) return start_write();  // TLS: the next frame of this batch
    writing_.clear();
    written_ = 0;
    // A burst may have grown the buffer to kMaxQueuedBytes; an idle connection should not
    // keep that much, so a buffer well past the usual size is given back.
    if (writing_.capacity() > kKeptCapacity) std::vector<std::byte>().swap(writing_);
    if (writing_sizes_.capacity() > kKeptFrames) std::vector<std::uint32_t>().swap(writing_sizes_);
    if (!pending_.empty()) return start_write();
    if (peer_waiting_) {
      peer_waiting_ = false;
      after(peer_pause_, peer_wait_, [self = this->shared_from_this()] { self->read_peer(); });
    }
  }

  static constexpr std::size_t kKeptCapacity = 64 * 1024;
  static constexpr std::size_t kKeptFrames = 1024;  // TLS: sizes kept, as kKeptCapacity for bytes

  std::shared_ptr<void> keep_alive_;  // the TLS context this connection's SSL object came from
  Stream stream_;
  boost::asio::steady_timer timer_;
  FrameHandler* handler_;
  turn::StreamSlot slot_;            // this connection's share of the stream caps
  turn::StreamSlot handshake_slot_;  // TLS: held while the handshake is in progress
  turn::StreamDeadlines deadlines_;
  TimePoint armed_for_{};
  bool timer_armed_ = false;
  std::vector<std::byte> buffer_;
  std::size_t filled_ = 0;
  std::size_t frame_offset_ = 0;  // where the frame on_frame() is handling starts in buffer_
  // RFC 6062 data connection: the peer's TCP connection and what was read from it.
  std::optional<boost::asio::ip::tcp::socket> peer_;
  std::vector<std::byte> peer_buffer_;
  bool peer_waiting_ = false;
  Duration peer_wait_{};
  boost::asio::steady_timer client_pause_{stream_.get_executor()};
  boost::asio::steady_timer peer_pause_{stream_.get_executor()};
  std::vector<std::byte> pending_;  // queued while a write is in flight
  std::vector<std::byte> writing_;  // the bytes being written, written_ of them already
  std::size_t written_ = 0;
  // TLS only: the frames' sizes in pending_ and writing_, and which of writing_'s is next.
  std::vector<std::uint32_t> pending_sizes_;  // a frame or pipe chunk: under 4 GiB
  std::vector<std::uint32_t> writing_sizes_;
  std::size_t next_frame_ = 0;
  bool writing_in_flight_ = false;
  bool closed_ = false;
  bool paused_ = false;  // pause_reading(): no read until resume_reading()
};

FiveTuple tuple_of(boost::asio::ip::tcp::socket& socket, Transport transport) {
  boost::system::error_code ignored;
  return {net::from_asio(socket.remote_endpoint(ignored)), net::from_asio(socket.local_endpoint(ignored)), transport};
}

}  // namespace

std::shared_ptr<ClientConnection> start_tcp_connection(boost::asio::ip::tcp::socket socket, FrameHandler& handler,
                                                       StreamAdmission admission, std::vector<std::byte> initial) {
  auto tuple = tuple_of(socket, Transport::tcp);
  auto connection = std::make_shared<Connection<boost::asio::ip::tcp::socket>>(
      std::move(socket), tuple, handler, std::move(admission), nullptr, std::move(initial));
  connection->start();
  return connection;
}

std::shared_ptr<ClientConnection> start_tls_connection(boost::asio::ip::tcp::socket socket,
                                                       std::shared_ptr<boost::asio::ssl::context> tls,
                                                       FrameHandler& handler, StreamAdmission admission) {
  auto tuple = tuple_of(socket, Transport::tls);
  using TlsStream = boost::asio::ssl::stream<boost::asio::ip::tcp::socket>;
  // The connection keeps the context it started with alive, even after a reload swaps it.
  auto connection = std::make_shared<Connection<TlsStream>>(TlsStream(std::move(socket), *tls), tuple, handler,
                                                            std::move(admission), tls);
  connection->start();
  return connection;
}

}  // namespace iceway::turn::io
