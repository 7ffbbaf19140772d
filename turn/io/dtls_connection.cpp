#include "turn/io/dtls_connection.hpp"

#include <array>
#include <cstring>

#include "common/clock.hpp"
#include "stun/message.hpp"

namespace iceway::turn::io {

namespace {
// A ChannelData header and its payload are gathered here into one record's plaintext.
thread_local std::array<std::byte, turn::DtlsSession::kMaxPlaintext> gather_buffer;

}  // namespace

DtlsConnection::DtlsConnection(boost::asio::io_context& context, std::unique_ptr<turn::DtlsSession> session,
                               std::shared_ptr<net::UdpSocket> socket, FiveTuple tuple, FrameHandler& handler,
                               StreamAdmission admission)
    : ClientConnection(tuple),
      session_(std::move(session)),
      socket_(std::move(socket)),
      timer_(context),
      handler_(&handler),
      slot_(std::move(admission.connection)),
      handshake_slot_(std::move(admission.handshake)),
      deadlines_(admission.timeouts, Clock::now(), /*tls_handshake=*/true) {
  if (socket_->local_endpoint().address.is_unspecified()) source_ = &five_tuple_.server.address;
}

void DtlsConnection::start() { schedule_timer(); }

void DtlsConnection::on_datagram(ByteSpan datagram) {
  if (closed_) return;
  after_session_call(session_->on_datagram(datagram, Clock::now(), *this));
}

void DtlsConnection::after_session_call(turn::DtlsStatus status) {
  if (closed_) return;
  if (status == turn::DtlsStatus::closed) return close();  // the client ended it (or its handshake failed)
  if (session_->handshake_done() && handshake_slot_.held()) {
    handshake_slot_.release();
    deadlines_.handshake_done(Clock::now());
  }
  schedule_timer();
}

void DtlsConnection::deliver(ByteSpan plaintext) {
  if (closed_) return;
  // One record is one frame, framed as a datagram is (ChannelData needs no padding, RFC 8656
  // §12.5); the core checks the lengths. ChannelData before an allocation is meaningless
  // (§12), as on a stream; anything that is neither STUN nor ChannelData is dropped.
  const bool channel_data = stun::looks_like_channel_data(plaintext);
  if (!channel_data && !stun::looks_like_stun(plaintext)) return;
  if (channel_data && !channel_data_allowed_) return;
  deadlines_.on_read(Clock::now(), /*completed=*/true, /*partial=*/false);
  handler_->on_frame(plaintext, *this);
}

bool DtlsConnection::send(ByteSpan bytes) {
  if (closed_) return false;
  return session_->write(bytes, *this);
}

bool DtlsConnection::send(ByteSpan first, ByteSpan second) {
  if (closed_ || first.size() + second.size() > gather_buffer.size()) return false;
  if (!first.empty()) std::memcpy(gather_buffer.data(), first.data(), first.size());
  if (!second.empty()) std::memcpy(gather_buffer.data() + first.size(), second.data(), second.size());
  return session_->write(ByteSpan(gather_buffer.data(), first.size() + second.size()), *this);
}

void DtlsConnection::send_datagram(ByteSpan bytes) {
  // Copied into the worker's send batch inside a receive round, sent at once outside one.
  socket_->send_copied(bytes, five_tuple_.client, source_);
}

void DtlsConnection::close() {
  if (closed_) return;
  closed_ = true;
  timer_.cancel();
  session_->shutdown(*this);  // close_notify, unless the client ended it first
  slot_.release();
  handshake_slot_.release();
  if (auto* handler = std::exchange(handler_, nullptr)) handler->on_closed(*this);
}

void DtlsConnection::close(turn::StreamClose reason) {
  if (closed_) return;
  close_reason_ = reason;
  close();
}

void DtlsConnection::set_idle_timeout(std::chrono::seconds timeout) {
  deadlines_.set_idle_timeout(timeout);
  if (!closed_) schedule_timer();
}

void DtlsConnection::prove() {
  proved_ = true;
  deadlines_.on_proved();
}

// One timer for the earliest of the deadlines and DTLS's retransmission; as for a TCP
// connection, a deadline that moves later does not re-arm it (on_timer() re-arms).
void DtlsConnection::schedule_timer() {
  TimePoint next = deadlines_.next();
  if (auto retransmit = session_->retransmit_in()) next = std::min(next, Clock::now() + *retransmit);
  if (next == TimePoint::max() || (timer_armed_ && armed_for_ <= next)) return;
  timer_armed_ = true;
  armed_for_ = next;
  timer_.expires_at(next);
  timer_.async_wait([self = shared_from_this()](const boost::system::error_code& error) {
    if (!error) self->on_timer();
  });
}

void DtlsConnection::on_timer() {
  timer_armed_ = false;
  if (closed_) return;
  if (auto reason = deadlines_.expired(Clock::now())) return close(*reason);
  if (auto retransmit = session_->retransmit_in(); retransmit && *retransmit <= Milliseconds(0)) {
    return after_session_call(session_->on_retransmit_timer(*this));
  }
  schedule_timer();
}

}  // namespace iceway::turn::io
