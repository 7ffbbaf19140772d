#pragma once
// A STUN/TURN client's TCP or TLS connection (RFC 8656 §3.1, RFC 8489 §6.2.2): reads the
// stream, cuts it into STUN messages and ChannelData frames with stun::next_frame, hands each
// frame to a FrameHandler, and writes answers and relayed data back in order.
//
// Abuse bounds (issue 2: "a TCP client that sends junk or stalls is closed and never blocks
// another"): a first byte that is neither STUN nor ChannelData closes the connection; a frame
// that does not complete within kFrameTimeout closes it; a connection that has sent nothing
// for its idle timeout is closed; TLS handshakes must finish within kFrameTimeout; outgoing
// data beyond kMaxQueuedBytes is dropped (it is media, and UDP semantics are what the client
// expects from TURN), so a client that does not read cannot grow the server's memory.
//
// Threading: everything on the owning worker's thread. Lifetime: shared_ptr, held by the
// pending asynchronous operations; close() ends them.
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>
#include <vector>

#include "common/bytes.hpp"
#include "common/endpoint.hpp"

namespace iceway::turn::io {

class ClientConnection;

class FrameHandler {
 public:
  // One complete STUN message or ChannelData frame (padding included for ChannelData).
  // `frame` is valid only during the call.
  virtual void on_frame(ByteSpan frame, ClientConnection& connection) = 0;
  virtual void on_closed(ClientConnection& connection) = 0;

 protected:
  ~FrameHandler() = default;
};

class ClientConnection {
 public:
  static constexpr std::chrono::seconds kFrameTimeout{10};
  static constexpr std::size_t kMaxQueuedBytes = 256 * 1024;

  virtual ~ClientConnection() = default;

  const FiveTuple& five_tuple() const { return five_tuple_; }
  // Queues bytes to send; returns false (and drops them) past kMaxQueuedBytes or when closed.
  virtual bool send(ByteSpan bytes) = 0;
  // Gathers two pieces (a ChannelData header and its payload) into one queued frame.
  virtual bool send(ByteSpan first, ByteSpan second) = 0;
  virtual void close() = 0;
  // How long the connection may stay silent; an allocation raises it to its lifetime.
  virtual void set_idle_timeout(std::chrono::seconds timeout) = 0;
  // ChannelData is meaningful only once this connection has an allocation (RFC 8656 §12):
  // before that, a frame that starts like ChannelData closes the connection at once instead
  // of waiting for up to 64 KiB of it (an HTTP request's "GET " looks like a channel number).
  void set_channel_data_allowed(bool allowed) { channel_data_allowed_ = allowed; }

 protected:
  explicit ClientConnection(FiveTuple tuple) : five_tuple_(tuple) {}
  FiveTuple five_tuple_;
  bool channel_data_allowed_ = false;
};

// Starts serving a plain TCP connection. `server` is the listener's address (for the 5-tuple).
std::shared_ptr<ClientConnection> start_tcp_connection(boost::asio::ip::tcp::socket socket, FrameHandler& handler,
                                                       std::chrono::seconds idle_timeout);
// Starts a TLS handshake on the connection, then serves it like TCP.
std::shared_ptr<ClientConnection> start_tls_connection(boost::asio::ip::tcp::socket socket,
                                                       std::shared_ptr<boost::asio::ssl::context> tls,
                                                       FrameHandler& handler, std::chrono::seconds idle_timeout);

}  // namespace iceway::turn::io
