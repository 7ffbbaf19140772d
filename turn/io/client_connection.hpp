#pragma once
// A STUN/TURN client's TCP or TLS connection (RFC 8656 §3.1, RFC 8489 §6.2.2): reads the
// stream, cuts it into STUN messages and ChannelData frames with stun::next_frame, hands each
// frame to a FrameHandler, and writes answers and relayed data back in order.
//
// Abuse bounds (issue 2, and issue 11 finding 1: one client must not hold connections open or
// pin memory): the worker admits a connection only with a slot of turn::StreamLimits (total,
// per source, TLS handshakes in progress), which the connection holds until it closes. Its
// deadlines are turn::StreamDeadlines: the TLS handshake, each frame (absolute from its
// first byte, so trickling bytes does not extend it), the first success or authenticated
// answer, and idleness. A first byte that is neither STUN nor allowed ChannelData closes the
// connection. The read buffer grows with the bytes received (stun::stream_buffer_size),
// never to the length a header announces. Outgoing data beyond kMaxQueuedBytes is dropped
// (it is media, and UDP semantics are what the client expects from TURN), so a client that
// does not read cannot grow the server's memory.
//
// RFC 6062: after a ConnectionBind, a TCP or TLS connection stops being framed and becomes a
// data connection, a pipe to and from the peer's TCP connection (become_pipe()). Each
// direction reads at most kPipeChunk bytes and reads again only once they are written to the
// other side, so a slow reader slows its sender instead of filling the server's memory.
//
// Threading: everything on the owning worker's thread. Lifetime: shared_ptr, held by the
// pending asynchronous operations; close() ends them.
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <vector>

#include "common/bytes.hpp"
#include "common/clock.hpp"
#include "common/endpoint.hpp"
#include "turn/stream_close.hpp"
#include "turn/stream_deadlines.hpp"
#include "turn/stream_limits.hpp"

namespace iceway::turn::io {

class ClientConnection;

class FrameHandler {
 public:
  // One complete STUN message or ChannelData frame (padding included for ChannelData).
  // `frame` is valid only during the call.
  virtual void on_frame(ByteSpan frame, ClientConnection& connection) = 0;
  virtual void on_closed(ClientConnection& connection) = 0;
  // A data connection (become_pipe) moved bytes: `to_peer` from the client, `to_client` from
  // the peer. Returns how long that direction waits before it reads again (a bandwidth cap).
  virtual Duration on_piped(ClientConnection& connection, std::size_t to_peer, std::size_t to_client) = 0;

 protected:
  ~FrameHandler() = default;
};

// What a plain TCP connection takes to another worker (ClientConnection::hand_over).
struct HandedOver {
  int fd = -1;                    // the socket, dup()ed; the receiver owns it
  std::vector<std::byte> bytes;   // read but not yet handled, from the frame being handled on
  turn::StreamSlot slot;          // its share of the stream caps
};

class ClientConnection {
 public:
  static constexpr std::size_t kMaxQueuedBytes = 256 * 1024;
  static constexpr std::size_t kPipeChunk = 16 * 1024;

  virtual ~ClientConnection() = default;

  const FiveTuple& five_tuple() const { return five_tuple_; }
  // Queues bytes to send; returns false (and drops them) past kMaxQueuedBytes or when closed.
  virtual bool send(ByteSpan bytes) = 0;
  // Gathers two pieces (a ChannelData header and its payload) into one queued frame.
  virtual bool send(ByteSpan first, ByteSpan second) = 0;
  virtual void close() = 0;
  // How long the connection may go without a complete frame; an allocation raises it to its
  // lifetime.
  virtual void set_idle_timeout(std::chrono::seconds timeout) = 0;
  // The connection was answered with success or an authenticated answer: its deadline for
  // that (turn.stream_auth_timeout) is met. Cheap to test on every frame: proved().
  virtual void prove() = 0;
  bool proved() const { return proved_; }
  // Why the server closed it (a deadline or a bad frame); empty when the client closed it.
  std::optional<turn::StreamClose> close_reason() const { return close_reason_; }
  // ChannelData is meaningful only once this connection has an allocation (RFC 8656 §12):
  // before that, a frame that starts like ChannelData closes the connection at once instead
  // of waiting for up to 64 KiB of it (an HTTP request's "GET " looks like a channel number).
  void set_channel_data_allowed(bool allowed) { channel_data_allowed_ = allowed; }

  // RFC 6062 §5.4: from now on this connection carries bytes between the client and `peer`,
  // both ways, until either side closes (then both close). Call it from on_frame() for the
  // ConnectionBind, after queueing its answer; bytes that followed that frame go to the peer
  // first. Stream connections only (a DTLS session closes).
  virtual void become_pipe(boost::asio::ip::tcp::socket peer) = 0;
  bool is_pipe() const { return pipe_; }
  // From on_frame(): stop reading once this frame is handled, keeping the bytes that followed
  // it, until resume_reading(): for a request another worker decides (a TLS ConnectionBind).
  // If become_pipe() was called meanwhile those bytes go to the peer first; otherwise they
  // are read as frames again. DTLS sessions ignore both.
  virtual void pause_reading() = 0;
  virtual void resume_reading() = 0;
  // From on_frame(): ends this plain TCP connection here without on_closed() and returns what
  // another worker needs to serve it from the frame being handled on (start_tcp_connection
  // with `initial`). Nothing for TLS and DTLS, whose sessions cannot change threads.
  virtual std::optional<HandedOver> hand_over() = 0;

 protected:
  explicit ClientConnection(FiveTuple tuple) : five_tuple_(tuple) {}
  FiveTuple five_tuple_;
  bool channel_data_allowed_ = false;
  bool pipe_ = false;
  bool proved_ = false;
  std::optional<turn::StreamClose> close_reason_;
};

// What the worker granted a new connection: its share of the caps (held until it closes),
// for TLS a handshake slot (given back when the handshake ends), and its deadlines.
struct StreamAdmission {
  turn::StreamSlot connection;
  turn::StreamSlot handshake;
  turn::StreamTimeouts timeouts;
};

// Starts serving a plain TCP connection; `initial` are bytes read from it already (a
// connection another worker handed over), handled from the event loop (not during this call)
// before anything more is read.
std::shared_ptr<ClientConnection> start_tcp_connection(boost::asio::ip::tcp::socket socket, FrameHandler& handler,
                                                       StreamAdmission admission,
                                                       std::vector<std::byte> initial = {});
// Starts a TLS handshake on the connection, then serves it like TCP.
std::shared_ptr<ClientConnection> start_tls_connection(boost::asio::ip::tcp::socket socket,
                                                       std::shared_ptr<boost::asio::ssl::context> tls,
                                                       FrameHandler& handler, StreamAdmission admission);

}  // namespace iceway::turn::io
