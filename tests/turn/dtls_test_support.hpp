#pragma once
// What the DTLS tests and the DTLS fuzz target share: a server context with a self-signed
// P-256 certificate made in memory (no files), and an OpenSSL DTLS client over memory BIOs.
#include <openssl/bio.h>
#include <openssl/ssl.h>

#include <cstddef>
#include <memory>
#include <vector>

#include "tests/common/self_signed_certificate.hpp"
#include "turn/dtls_session.hpp"

namespace iceway::turn::testing {

struct SslCtxFree {
  void operator()(SSL_CTX* context) const { SSL_CTX_free(context); }
};
using SslCtxPtr = std::unique_ptr<SSL_CTX, SslCtxFree>;

inline SslCtxPtr make_dtls_server_context() {
  SslCtxPtr context(SSL_CTX_new(DTLS_server_method()));
  iceway::testing::use_self_signed_certificate(context.get(), "iceway-test");
  configure_dtls_server_context(context.get());
  return context;
}

// A DTLS client over memory BIOs: what it sends is taken with take_datagram(), what the
// server sent is given with give().
class MemoryDtlsClient {
 public:
  MemoryDtlsClient() : context_(SSL_CTX_new(DTLS_client_method())), ssl_(SSL_new(context_.get())) {
    BIO* in = BIO_new(BIO_s_mem());
    BIO* out = BIO_new(BIO_s_mem());
    BIO_set_mem_eof_return(in, -1);
    BIO_set_mem_eof_return(out, -1);
    SSL_set_bio(ssl_, in, out);
    SSL_set_options(ssl_, SSL_OP_NO_QUERY_MTU);
    SSL_set_mtu(ssl_, 1400);
    SSL_set_connect_state(ssl_);
    // OpenSSL resends a flight by itself once a second of wall-clock time has passed without
    // an answer; a test that stalls that long on a loaded machine would get flights it did
    // not ask for. The client's timer is set beyond any test's length.
    DTLS_set_timer_cb(ssl_, [](SSL*, unsigned int) -> unsigned int { return 3600u * 1000u * 1000u; });
  }
  ~MemoryDtlsClient() { SSL_free(ssl_); }

  // Advances the handshake; true once it is done.
  bool handshake() { return SSL_do_handshake(ssl_) == 1; }
  void give(const std::vector<std::byte>& datagram) {
    BIO_write(SSL_get_rbio(ssl_), datagram.data(), static_cast<int>(datagram.size()));
  }
  // Everything the client wrote since the last call, as one datagram (empty when nothing).
  std::vector<std::byte> take_datagram() {
    std::vector<std::byte> out(static_cast<std::size_t>(BIO_ctrl_pending(SSL_get_wbio(ssl_))));
    if (!out.empty()) BIO_read(SSL_get_wbio(ssl_), out.data(), static_cast<int>(out.size()));
    return out;
  }
  bool write(const std::vector<std::byte>& plaintext) {
    return SSL_write(ssl_, plaintext.data(), static_cast<int>(plaintext.size())) > 0;
  }
  // One application record's plaintext, or empty.
  std::vector<std::byte> read() {
    std::vector<std::byte> buffer(16384);
    const int count = SSL_read(ssl_, buffer.data(), static_cast<int>(buffer.size()));
    buffer.resize(count > 0 ? static_cast<std::size_t>(count) : 0);
    return buffer;
  }
  bool got_close_notify() const { return (SSL_get_shutdown(ssl_) & SSL_RECEIVED_SHUTDOWN) != 0; }
  void shutdown() { SSL_shutdown(ssl_); }

 private:
  std::unique_ptr<SSL_CTX, SslCtxFree> context_;
  SSL* ssl_;
};

}  // namespace iceway::turn::testing
