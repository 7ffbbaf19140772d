#include "turn/dtls_session.hpp"

#include <openssl/err.h>

#include <array>
#include <cstring>

namespace iceway::turn {
namespace {

constexpr std::size_t kRecordHeader = 13;  // type(1) version(2) epoch(2) sequence(6) length(2)
constexpr std::uint8_t kHandshake = 22;
constexpr std::uint8_t kClientHello = 1;

// Plaintext of one record, and the server's pending records: per thread, not per session, so
// an idle session holds only OpenSSL's state.
thread_local std::array<std::byte, 16 * 1024 + 256> read_buffer;
thread_local std::array<std::byte, 64 * 1024> write_buffer;

DtlsSession* session_of(SSL* ssl) { return static_cast<DtlsSession*>(SSL_get_app_data(ssl)); }

int generate_cookie(SSL* ssl, unsigned char* cookie, unsigned int* length) {
  const DtlsSession* session = session_of(ssl);
  if (session == nullptr) return 0;
  const auto made = session->cookies().make(session->client(), session->now());
  std::memcpy(cookie, made.data(), made.size());  // OpenSSL's buffer holds DTLS1_COOKIE_LENGTH (255)
  *length = static_cast<unsigned int>(made.size());
  return 1;
}

int verify_cookie(SSL* ssl, const unsigned char* cookie, unsigned int length) {
  const DtlsSession* session = session_of(ssl);
  if (session == nullptr) return 0;
  return session->cookies().verify(std::span<const std::uint8_t>(cookie, length), session->client(), session->now())
             ? 1
             : 0;
}

}  // namespace

void configure_dtls_server_context(SSL_CTX* context) {
  SSL_CTX_set_min_proto_version(context, DTLS1_2_VERSION);
  SSL_CTX_set_cookie_generate_cb(context, generate_cookie);
  SSL_CTX_set_cookie_verify_cb(context, verify_cookie);
}

bool looks_like_client_hello(ByteSpan datagram) {
  if (datagram.size() < kRecordHeader + 12) return false;  // record header, handshake header
  const auto at = [&](std::size_t i) { return std::to_integer<std::uint8_t>(datagram[i]); };
  // DTLS 1.0 is 0xfeff and 1.2 is 0xfefd; a ClientHello is sent in epoch 0.
  return at(0) == kHandshake && at(1) == 0xfe && at(3) == 0 && at(4) == 0 && at(kRecordHeader) == kClientHello;
}

DtlsSession::DtlsSession(SSL* ssl, const DtlsCookies& cookies, const Endpoint& client, TimePoint now)
    : ssl_(ssl), cookies_(&cookies), client_(client), now_(now) {
  BIO* in = BIO_new(BIO_s_mem());
  BIO* out = BIO_new(BIO_s_mem());
  // An empty memory BIO means "nothing yet", not end of file.
  BIO_set_mem_eof_return(in, -1);
  BIO_set_mem_eof_return(out, -1);
  SSL_set_bio(ssl_, in, out);
  // A memory BIO has no path MTU to ask for: records are sized for kMtu.
  SSL_set_options(ssl_, SSL_OP_NO_QUERY_MTU | SSL_OP_COOKIE_EXCHANGE);
  SSL_set_mtu(ssl_, kMtu);
  SSL_set_app_data(ssl_, this);
}

DtlsSession::~DtlsSession() { SSL_free(ssl_); }

std::unique_ptr<DtlsSession> DtlsSession::listen(SSL_CTX* context, const DtlsCookies& cookies, ByteSpan datagram,
                                                 const Endpoint& client, TimePoint now, DtlsOutput& out) {
  if (!looks_like_client_hello(datagram)) return nullptr;
  ERR_clear_error();
  SSL* ssl = SSL_new(context);
  if (ssl == nullptr) return nullptr;
  std::unique_ptr<DtlsSession> session(new DtlsSession(ssl, cookies, client, now));
  BIO_write(SSL_get_rbio(ssl), datagram.data(), static_cast<int>(datagram.size()));
  BIO_ADDR* peer = BIO_ADDR_new();
  const int verified = DTLSv1_listen(ssl, peer);
  BIO_ADDR_free(peer);
  if (verified <= 0) {
    session->flush(out);  // the HelloVerifyRequest, if it was a ClientHello without our cookie
    ERR_clear_error();
    return nullptr;
  }
  // DTLSv1_listen kept the verified ClientHello: the handshake goes on from it.
  if (session->advance(out) == DtlsStatus::closed) return nullptr;
  return session;
}

DtlsStatus DtlsSession::on_datagram(ByteSpan datagram, TimePoint now, DtlsOutput& out) {
  if (closed_) return DtlsStatus::closed;
  now_ = now;
  BIO_write(SSL_get_rbio(ssl_), datagram.data(), static_cast<int>(datagram.size()));
  return advance(out);
}

DtlsStatus DtlsSession::advance(DtlsOutput& out) {
  // Every call starts and ends with an empty error queue: the worker's TLS streams share the
  // thread's queue, and a stale entry would fail their next operation.
  ERR_clear_error();
  if (!handshake_done_) {
    const int result = SSL_do_handshake(ssl_);
    if (result == 1) {
      handshake_done_ = true;
    } else {
      const int error = SSL_get_error(ssl_, result);
      if (error != SSL_ERROR_WANT_READ && error != SSL_ERROR_WANT_WRITE) closed_ = true;
    }
  }
  while (handshake_done_ && !closed_) {
    const int count = SSL_read(ssl_, read_buffer.data(), static_cast<int>(read_buffer.size()));
    if (count > 0) {
      out.deliver(ByteSpan(read_buffer.data(), static_cast<std::size_t>(count)));
      continue;
    }
    // Anything but "nothing more yet" ends the session: close_notify, or a fatal alert or error.
    if (SSL_get_error(ssl_, count) != SSL_ERROR_WANT_READ) closed_ = true;
    break;
  }
  flush(out);  // the handshake's answer, or the alert that ends it
  ERR_clear_error();
  return closed_ ? DtlsStatus::closed : DtlsStatus::open;
}

bool DtlsSession::write(ByteSpan plaintext, DtlsOutput& out) {
  if (!handshake_done_ || closed_ || plaintext.size() > kMaxPlaintext || plaintext.empty()) return false;
  ERR_clear_error();
  const int written = SSL_write(ssl_, plaintext.data(), static_cast<int>(plaintext.size()));
  if (written <= 0) {
    ERR_clear_error();
    return false;
  }
  flush(out);
  return true;
}

void DtlsSession::shutdown(DtlsOutput& out) {
  if (closed_) return;
  closed_ = true;
  if (!handshake_done_) return;
  ERR_clear_error();
  SSL_shutdown(ssl_);
  flush(out);
  ERR_clear_error();
}

std::optional<Milliseconds> DtlsSession::retransmit_in() const {
  if (handshake_done_ || closed_) return std::nullopt;
  timeval left{};
  if (DTLSv1_get_timeout(ssl_, &left) != 1) return std::nullopt;
  return Milliseconds(std::int64_t{left.tv_sec} * 1000 + left.tv_usec / 1000);
}

DtlsStatus DtlsSession::on_retransmit_timer(DtlsOutput& out) {
  if (closed_) return DtlsStatus::closed;
  ERR_clear_error();
  if (DTLSv1_handle_timeout(ssl_) < 0) closed_ = true;
  flush(out);
  ERR_clear_error();
  return closed_ ? DtlsStatus::closed : DtlsStatus::open;
}

void DtlsSession::flush(DtlsOutput& out) {
  BIO* pending = SSL_get_wbio(ssl_);
  while (BIO_ctrl_pending(pending) > 0) {
    const int count = BIO_read(pending, write_buffer.data(), static_cast<int>(write_buffer.size()));
    if (count <= 0) return;
    // Whole records, packed into datagrams of at most kMtu bytes (a record longer than that,
    // which OpenSSL does not make at this MTU, goes alone).
    const ByteSpan records(write_buffer.data(), static_cast<std::size_t>(count));
    std::size_t start = 0;
    std::size_t at = 0;
    while (at < records.size()) {
      std::size_t size = records.size() - at;
      if (size >= kRecordHeader) {
        const std::size_t length = (std::to_integer<std::size_t>(records[at + 11]) << 8) |
                                   std::to_integer<std::size_t>(records[at + 12]);
        size = std::min(size, kRecordHeader + length);
      }
      if (at > start && at + size - start > kMtu) {
        out.send_datagram(records.subspan(start, at - start));
        start = at;
      }
      at += size;
    }
    if (at > start) out.send_datagram(records.subspan(start, at - start));
  }
}

}  // namespace iceway::turn
