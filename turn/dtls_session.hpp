#pragma once
// TURN over DTLS (DTLS 1.2 on the UDP side of the TLS port, as coturn serves it): one client's
// DTLS server session over OpenSSL memory BIOs. Datagrams go in, datagrams and the plaintext
// of application records come out through DtlsOutput; no sockets, so it is tested against an
// OpenSSL client in memory and fuzzed in front of the STUN codec.
//
// dtls_listen() is the stateless front door for an address that has no session: a ClientHello
// without a valid cookie is answered with a HelloVerifyRequest (turn/dtls_cookie.hpp) and
// nothing is kept; only a ClientHello that returns the cookie made for its own address starts a
// session. Anything else from such an address is ignored before OpenSSL sees it.
//
// The server's records are packed into datagrams of at most kMtu bytes, whole records only
// (OpenSSL fragments handshake messages to fit), so a certificate chain does not become one
// IP-fragmented datagram.
//
// Threading: a session belongs to its worker's thread. The SSL_CTX is shared and read-only.
#include <openssl/ssl.h>

#include <chrono>
#include <memory>
#include <optional>

#include "common/bytes.hpp"
#include "common/clock.hpp"
#include "common/endpoint.hpp"
#include "turn/dtls_cookie.hpp"

namespace iceway::turn {

// Where a session's output goes; called during the session's own calls.
class DtlsOutput {
 public:
  virtual void send_datagram(ByteSpan bytes) = 0;  // to the client
  virtual void deliver(ByteSpan plaintext) = 0;    // one application record, valid during the call
 protected:
  ~DtlsOutput() = default;
};

enum class DtlsStatus : std::uint8_t {
  open,
  closed,  // close_notify or a fatal alert from the client, or a failed handshake
};

// Sets what every DTLS server context here needs: the cookie exchange, and DTLS 1.2 at least.
// Call once on a context made with DTLS_server_method() that holds the certificate and key.
void configure_dtls_server_context(SSL_CTX* context);

// RFC 6347 §4.1 and RFC 7983: a handshake record (content type 22) of DTLS 1.x whose first
// handshake message is a ClientHello. Cheap: only this reaches OpenSSL from an unknown address.
bool looks_like_client_hello(ByteSpan datagram);

class DtlsSession {
 public:
  static constexpr std::size_t kMtu = 1400;
  // The most plaintext one record carries (RFC 6347 §4.1: 2^14): a TURN message, or a
  // ChannelData frame of a peer datagram that large.
  static constexpr std::size_t kMaxPlaintext = 16384;

  ~DtlsSession();
  DtlsSession(const DtlsSession&) = delete;
  DtlsSession& operator=(const DtlsSession&) = delete;

  // Feeds one datagram from the client: the handshake answers through `out`, and each
  // application record's plaintext is delivered.
  DtlsStatus on_datagram(ByteSpan datagram, TimePoint now, DtlsOutput& out);
  bool handshake_done() const { return handshake_done_; }
  // Sends `plaintext` as one record; false (nothing sent) before the handshake is done, after
  // the session closed, or past kMaxPlaintext.
  bool write(ByteSpan plaintext, DtlsOutput& out);
  // Sends close_notify; the session is closed afterwards.
  void shutdown(DtlsOutput& out);
  // While a handshake flight of the server's waits for its answer: when to resend it.
  std::optional<Milliseconds> retransmit_in() const;
  // Resends the last flight when its time has come (DTLS's own timer, RFC 6347 §4.2.4).
  DtlsStatus on_retransmit_timer(DtlsOutput& out);

  // The stateless front door (see the top of this file). Returns the new session, which has
  // already answered with the server's first flight, or nullptr.
  static std::unique_ptr<DtlsSession> listen(SSL_CTX* context, const DtlsCookies& cookies, ByteSpan datagram,
                                             const Endpoint& client, TimePoint now, DtlsOutput& out);

  // For the cookie callbacks, which OpenSSL calls with the SSL object only.
  const DtlsCookies& cookies() const { return *cookies_; }
  const Endpoint& client() const { return client_; }
  TimePoint now() const { return now_; }

 private:
  DtlsSession(SSL* ssl, const DtlsCookies& cookies, const Endpoint& client, TimePoint now);
  void flush(DtlsOutput& out);
  DtlsStatus advance(DtlsOutput& out);

  SSL* ssl_;  // owns both memory BIOs
  const DtlsCookies* cookies_;
  Endpoint client_;
  TimePoint now_;
  bool handshake_done_ = false;
  bool closed_ = false;
};

}  // namespace iceway::turn
