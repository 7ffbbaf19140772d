#pragma once
// One Engine.IO v4 server session, sans-IO (docs/engine.io-protocol/v4-current.md): the
// handshake, the heartbeat, the HTTP long-polling transport, the upgrade to WebSocket and the
// close. The I/O layer turns each request, frame and timer expiry into one call here, with the
// time; each call returns an EngineOutput that says what to do. Nothing here reads a clock,
// touches a socket or allocates without bound.
//
// Recipe for the I/O layer (one thread owns the session, as all of signaling):
//   - first GET without sid (or WebSocket without sid): EngineSession::accept(); answer the GET
//     with output.reply, or send output.frames on the new WebSocket;
//   - GET with the sid: on_poll_request(); output.reply answers it now, none means hold it open
//     (a long poll) until an output carries held_poll_body; if the client goes away while it
//     is held: on_poll_aborted();
//   - POST with the sid: on_post_started() when its headers arrive (a reply there refuses it),
//     on_post(body) when its body has been read; output.reply answers it;
//   - WebSocket upgrade with the sid: on_websocket_open() (a reply refuses it: answer that instead
//     of upgrading), then on_websocket_frame() per frame and on_websocket_closed() at its end;
//   - whenever next_deadline() passes: on_timer();
//   - the layer above sends with send() and ends the session with close().
// After every call: answer the held GET if held_poll_body is set, send `frames` on the WebSocket
// in order, hand `messages` to the layer above, close the WebSocket if close_websocket, forget
// the sid if `closed`, and re-arm the timer for next_deadline().
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.hpp"
#include "signal/random.hpp"
#include "signal/socketio/engineio_packet.hpp"

namespace iceway::signaling::socketio {

struct EngineSettings {
  // Sent in the open packet; the reference server's defaults.
  Milliseconds ping_interval{25000};
  Milliseconds ping_timeout{20000};
  std::size_t max_payload = 1'000'000;  // largest POST body or WebSocket frame accepted
  // How long a probe WebSocket may take from opening to its "5" upgrade packet (the reference
  // server's upgradeTimeout).
  Milliseconds upgrade_timeout{10000};
  // Bytes of packets waiting for the client's next GET (or for the end of an upgrade). A client
  // that stops polling cannot make the server hold more than this; past it the session closes.
  std::size_t max_buffered_bytes = 1024 * 1024;
  bool allow_upgrades = true;
};

enum class EngineTransport : std::uint8_t { polling, websocket };

enum class CloseReason : std::uint8_t {
  client_close,       // the client sent a close packet
  server_close,       // close() was called
  ping_timeout,       // no pong within ping_timeout of a ping
  transport_closed,   // the WebSocket closed, or the client dropped a held GET
  parse_error,        // a packet that does not decode
  protocol_error,     // a packet with no place here (v4 clients never ping; open/upgrade mid-session)
  poll_overlap,       // a second GET while one is held (v4-current.md "Receiving data")
  post_overlap,       // a second POST while one is in progress ("Sending data")
  payload_too_large,  // a POST body or frame over max_payload
  send_buffer_full,   // max_buffered_bytes reached: the client does not poll
};

std::string_view to_string(CloseReason reason);

struct HttpReply {
  int status = 200;
  std::string body;  // always text/plain in v4: binary data in a polling body is base64
};

struct OutboundFrame {
  bool binary = false;
  std::string data;
};

struct EngineOutput {
  // The answer to the request this call was about (GET, POST, WebSocket upgrade). For a GET,
  // none means: hold it open.
  std::optional<HttpReply> reply;
  // Answer the GET held open earlier: 200 with this body.
  std::optional<std::string> held_poll_body;
  std::vector<OutboundFrame> frames;  // for the session's WebSocket, in order
  // Messages from the client, in order, for the layer above. Views into the body or frame
  // passed to this call: valid as long as the caller keeps that text.
  std::vector<EnginePacket> messages;
  bool close_websocket = false;       // close the session's WebSocket (probe or main)
  // on_websocket_open(): complete this new WebSocket's handshake, then close it; the session
  // already has one (upgraded or probing) and keeps it. The reference server does the same, and
  // both protocol suites' clients treat an HTTP refusal here as an error.
  bool close_new_websocket = false;
  std::optional<CloseReason> closed;  // the session has ended: forget its sid
  // Messages send() could not buffer for polling: text containing \x1e would split into packets
  // its sender never wrote (v4-current.md assumes the separator is not in the data).
  std::size_t dropped = 0;
};

// 20 characters of base64url from 15 random bytes, the length of the reference server's ids.
std::string new_session_id(RandomSource& random);

class EngineSession {
 public:
  struct Accepted;

  // The handshake (v4-current.md "Handshake"): a new session on `transport`, with the open
  // packet in output.reply (polling) or output.frames (WebSocket).
  static Accepted accept(const EngineSettings& settings, EngineTransport transport, std::string sid, TimePoint now);

  const std::string& sid() const { return sid_; }
  EngineTransport transport() const { return transport_; }
  bool is_closed() const { return closed_; }
  bool upgrading() const { return probe_ != Probe::none; }
  bool poll_held() const { return poll_held_; }
  std::size_t buffered_bytes() const { return buffered_bytes_; }
  // The earliest time on_timer() has something to do; none once closed.
  std::optional<TimePoint> next_deadline() const;

  EngineOutput on_poll_request(TimePoint now);
  EngineOutput on_poll_aborted(TimePoint now);
  EngineOutput on_post_started(TimePoint now);
  EngineOutput on_post(std::string_view body, TimePoint now);
  EngineOutput on_websocket_open(TimePoint now);
  EngineOutput on_websocket_frame(std::string_view frame, bool binary, TimePoint now);
  EngineOutput on_websocket_closed(TimePoint now);
  EngineOutput on_timer(TimePoint now);

  // Message packets for the client (their type is ignored: everything sent is a message).
  EngineOutput send(std::span<const EnginePacket> messages, TimePoint now);
  EngineOutput close(TimePoint now);

 private:
  enum class Probe : std::uint8_t { none, opened, probed };

  struct BufferedPacket {
    EnginePacketType type = EnginePacketType::message;
    Encoding encoding = Encoding::text;
    std::string data;
  };

  EngineSession(const EngineSettings& settings, EngineTransport transport, std::string sid, TimePoint now);

  void expire(TimePoint now, EngineOutput& out);
  void handle_packet(const EnginePacket& packet, TimePoint now, EngineOutput& out);
  void queue(EnginePacketType type, Encoding encoding, std::string_view data, EngineOutput& out);
  void flush_to_held_poll(EngineOutput& out);
  std::string take_payload();
  void end(CloseReason reason, EngineOutput& out);
  void end_probe(EngineOutput& out);

  EngineSettings settings_;
  std::string sid_;
  EngineTransport transport_;
  Probe probe_ = Probe::none;
  bool closed_ = false;
  bool poll_held_ = false;
  bool post_in_progress_ = false;

  // Heartbeat (v4-current.md "Heartbeat"): the next ping is due at ping_due_; once sent, the
  // pong must arrive by pong_deadline_, counted from when the ping was due rather than when the
  // timer fired, so a late timer never stretches the timeout.
  std::optional<TimePoint> ping_due_;
  std::optional<TimePoint> pong_deadline_;
  std::optional<TimePoint> upgrade_deadline_;

  std::vector<BufferedPacket> buffer_;
  std::size_t buffered_bytes_ = 0;
};

struct EngineSession::Accepted {
  EngineSession session;
  EngineOutput output;
};

}  // namespace iceway::signaling::socketio
