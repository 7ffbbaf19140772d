#pragma once
// One client's Socket.IO v5 state above one Engine.IO session (socket.io repository,
// docs/socket.io-protocol/v5-current.md), sans-IO like the session below it: the namespaces the
// client joined (CONNECT with its `auth` object, CONNECT_ERROR, DISCONNECT from either side),
// EVENT and ACK with ids, the acks the server waits for, and the binary attachments that follow
// a BINARY_EVENT or BINARY_ACK. Time is passed in; nothing here touches a socket or a clock.
//
// Recipe for the I/O layer (the thread that owns the EngineSession owns this too):
//   - each message in EngineOutput::messages: on_message(); every EngineSession::closed (or the
//     session going away): on_engine_closed();
//   - whenever next_deadline() passes: on_timer();
//   - the application answers with emit(), ack() and disconnect() on the connections it names;
//   - after every call: hand output.messages to EngineSession::send() (engine_packets() views
//     them), output.events to the application, and if output.close is set call
//     EngineSession::close(): the connection has already reported the disconnects.
//
// Decisions follow the reference server (socket.io lib/client.ts and socket.ts), so that the
// protocol's conformance suite and socket.io-client see the same answers: a packet that does
// not decode, a packet for a namespace the client did not join, a second CONNECT, a text packet
// where an attachment was due and a stray attachment all close the whole connection.
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.hpp"
#include "signal/random.hpp"
#include "signal/socketio/engineio_packet.hpp"
#include "signal/socketio/engineio_session.hpp"
#include "signal/socketio/socketio_packet.hpp"

namespace iceway::signaling::socketio {

// What to do with a BINARY_EVENT or BINARY_ACK that announces attachments.
enum class BinaryPolicy : std::uint8_t {
  relay,   // collect them (bounded) and deliver the complete packet
  refuse,  // answer CONNECT_ERROR on the packet's namespace, leave it, and discard the frames
};

struct ConnectionSettings {
  SocketLimits packet;  // JSON depth; attachments one packet may announce
  // All attachments of one packet together. The Engine.IO session bounds each frame by
  // maxPayload already; this bounds what one packet can make the server hold.
  std::size_t max_attachment_bytes = 1'000'000;
  BinaryPolicy binary = BinaryPolicy::relay;
  // Namespaces one client may have joined at once: a policy that admits names it has not
  // listed must not let one client hold an unbounded number.
  std::size_t max_namespaces = 8;
  // Server-to-client emits waiting for the client's ACK; past it emit() refuses an ack.
  std::size_t max_pending_acks = 64;
  Milliseconds ack_timeout{30000};
  // The reference server's connectTimeout: an Engine.IO session that joins no namespace by
  // then is closed, so a bare Engine.IO client cannot sit on a Socket.IO path.
  Milliseconds connect_timeout{45000};
};

// Which namespaces exist and who may join them (the reference server's io.of() and its
// middlewares). Called during on_message() on the owner's thread.
class NamespacePolicy {
 public:
  virtual ~NamespacePolicy() = default;
  // `auth` is the CONNECT packet's object as sent ("{}" when it carried none). None admits;
  // a message refuses with CONNECT_ERROR {"message": it}.
  virtual std::optional<std::string> admit(std::string_view nsp, std::string_view auth) const = 0;
};

// Why the connection closed itself (output.close); the protocol calls all of them errors.
enum class ConnectionError : std::uint8_t {
  parse_error,            // a packet the Socket.IO codec refuses
  invalid_state,          // a packet for a namespace not joined, a second CONNECT, a client's
                          // CONNECT_ERROR, text where an attachment was due, a stray attachment
  attachments_too_large,  // one packet's attachments over max_attachment_bytes
  connect_timeout,        // no namespace joined within connect_timeout
};

std::string_view to_string(ConnectionError error);

enum class DisconnectReason : std::uint8_t {
  client_disconnect,  // the client sent DISCONNECT for the namespace
  server_disconnect,  // disconnect() was called
  binary_refused,     // BinaryPolicy::refuse sent CONNECT_ERROR for an attachment
  transport_close,    // the Engine.IO session ended
  connection_error,   // the connection closed itself (output.close says why)
};

std::string_view to_string(DisconnectReason reason);

struct SocketEvent {
  enum class Kind : std::uint8_t {
    connected,     // joined `nsp` as `socket_id`; `arguments` is the auth object
    event,         // EVENT or complete BINARY_EVENT: `name`, `arguments`, `attachments`, and
                   // `ack_id` when the client waits for ack()
    ack,           // the client acknowledged an emit(): `cookie`, `arguments`, `attachments`
    ack_timeout,   // the client did not acknowledge the emit() given `cookie` in ack_timeout
    disconnected,  // left `nsp`: `reason`
  };
  Kind kind = Kind::event;
  std::string nsp;
  std::string socket_id;
  std::string name;
  // The sender's own JSON text (see SocketPacket::arguments): splicing it re-emits the bytes as
  // sent. A view into the text given to on_message(), or into the connection's copy of a
  // binary packet: valid until the next call on this connection, and no longer than that text.
  std::string_view arguments;
  std::optional<std::uint64_t> ack_id;
  std::uint64_t cookie = 0;
  std::vector<std::string> attachments;
  DisconnectReason reason = DisconnectReason::client_disconnect;
};

struct ConnectionOutput {
  // Engine.IO message packets for EngineSession::send(), in order.
  std::vector<OutboundFrame> messages;
  std::vector<SocketEvent> events;
  // Close the Engine.IO session; `events` already reports every namespace left.
  std::optional<ConnectionError> close;
};

// Views of `messages` for EngineSession::send(), valid as long as `messages` is.
std::vector<EnginePacket> engine_packets(std::span<const OutboundFrame> messages);

enum class EmitResult : std::uint8_t {
  sent,
  not_connected,          // the client has not joined (or has left) that namespace
  too_many_pending_acks,  // max_pending_acks emits already wait for their ACK
  bad_ack_id,             // ack(): an id beyond kMaxAckId, which no client can have sent
};

class SocketConnection {
 public:
  // `policy` and `random` outlive the connection. `now` starts connect_timeout.
  SocketConnection(const ConnectionSettings& settings, const NamespacePolicy& policy, RandomSource& random,
                   TimePoint now);

  ConnectionOutput on_message(const EnginePacket& message, TimePoint now);
  ConnectionOutput on_engine_closed(TimePoint now);
  ConnectionOutput on_timer(TimePoint now);
  // The earliest time on_timer() has something to do; none once closed.
  std::optional<TimePoint> next_deadline() const;

  // An EVENT to the client on `nsp`: ["name",arguments], `arguments` being raw JSON text (the
  // elements without brackets, empty for none). With attachments it is a BINARY_EVENT whose
  // arguments must hold their placeholders, as a relayed one does. With a cookie, the client
  // is asked to acknowledge; its ACK comes back as an `ack` event with that cookie.
  EmitResult emit(std::string_view nsp, std::string_view name, std::string_view arguments,
                  std::span<const std::string> attachments, std::optional<std::uint64_t> cookie, TimePoint now,
                  ConnectionOutput& out);
  // Answers the client's event `ack_id` on `nsp` with [arguments] (and attachments).
  EmitResult ack(std::string_view nsp, std::uint64_t ack_id, std::string_view arguments,
                 std::span<const std::string> attachments, ConnectionOutput& out);
  // Removes the client from `nsp` with a DISCONNECT; reports the `disconnected` event too.
  EmitResult disconnect(std::string_view nsp, ConnectionOutput& out);

  bool is_closed() const { return closed_; }
  // The socket id of `nsp`, or null when the client has not joined it.
  const std::string* socket_id(std::string_view nsp) const;
  std::size_t namespace_count() const { return sockets_.size(); }
  std::size_t pending_acks() const { return pending_.size(); }
  bool collecting_attachments() const { return collecting_.has_value(); }

 private:
  struct PendingAck {
    std::string nsp;
    std::uint64_t cookie = 0;
    TimePoint deadline;
  };
  // A binary packet whose attachments are still arriving: its header text, decoded again once
  // complete (a decoded packet's views would not survive the string being moved).
  struct Collecting {
    std::string text;
    std::vector<std::string> attachments;
    std::size_t bytes = 0;
    std::size_t remaining = 0;  // attachments still to come
    bool discard = false;       // refused: count the frames, keep nothing
  };

  void expire(TimePoint now, ConnectionOutput& out);
  void on_text(std::string_view text, ConnectionOutput& out);
  void on_attachment(const EnginePacket& message, ConnectionOutput& out);
  void on_packet(SocketPacket& packet, std::vector<std::string> attachments, ConnectionOutput& out);
  void on_connect(const SocketPacket& packet, ConnectionOutput& out);
  void deliver(SocketPacket& packet, std::vector<std::string> attachments, ConnectionOutput& out);
  void refuse_binary(const SocketPacket& packet, ConnectionOutput& out);
  void leave(std::string_view nsp, DisconnectReason reason, ConnectionOutput& out);
  void fail(ConnectionError error, ConnectionOutput& out);
  void send_packet(const SocketPacket& packet, std::span<const std::string> attachments, ConnectionOutput& out);

  ConnectionSettings settings_;
  const NamespacePolicy& policy_;
  RandomSource& random_;
  bool closed_ = false;
  std::optional<TimePoint> connect_deadline_;
  std::map<std::string, std::string, std::less<>> sockets_;  // namespace -> socket id
  std::map<std::uint64_t, PendingAck> pending_;              // ack id -> the emit waiting
  std::uint64_t next_ack_id_ = 0;
  std::optional<Collecting> collecting_;
  // The header of the last binary packet delivered: its event's `arguments` views it until the
  // next on_message(), which releases it (it may be up to maxPayload bytes).
  std::string delivered_text_;
};

}  // namespace iceway::signaling::socketio
