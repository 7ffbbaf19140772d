#include "signal/socketio/socketio_connection.hpp"

#include <cassert>
#include <utility>

namespace iceway::signaling::socketio {
namespace {

// CONNECT_ERROR payloads iceway writes itself; socket.io-client shows the message as its
// connect_error's message.
constexpr std::string_view kBinaryRefused = R"({"message":"binary attachments are not accepted"})";
constexpr std::string_view kTooManyNamespaces = R"({"message":"too many namespaces"})";

std::string message_object(std::string_view message) {
  std::string json = "{\"message\":";
  append_json_string(message, json);
  json.push_back('}');
  return json;
}

bool is_binary_data(const EnginePacket& message) { return message.encoding != Encoding::text; }

}  // namespace

std::string_view to_string(ConnectionError error) {
  switch (error) {
    case ConnectionError::parse_error: return "parse error";
    case ConnectionError::invalid_state: return "invalid state";
    case ConnectionError::attachments_too_large: return "attachments too large";
    case ConnectionError::connect_timeout: return "connect timeout";
  }
  return "unknown";
}

std::string_view to_string(DisconnectReason reason) {
  switch (reason) {
    case DisconnectReason::client_disconnect: return "client namespace disconnect";
    case DisconnectReason::server_disconnect: return "server namespace disconnect";
    case DisconnectReason::binary_refused: return "binary attachments refused";
    case DisconnectReason::transport_close: return "transport close";
    case DisconnectReason::connection_error: return "connection error";
  }
  return "unknown";
}

std::vector<EnginePacket> engine_packets(std::span<const OutboundFrame> messages) {
  std::vector<EnginePacket> packets;
  packets.reserve(messages.size());
  for (const OutboundFrame& message : messages) {
    packets.push_back(EnginePacket{EnginePacketType::message, message.binary ? Encoding::binary : Encoding::text,
                                   message.data});
  }
  return packets;
}

SocketConnection::SocketConnection(const ConnectionSettings& settings, const NamespacePolicy& policy,
                                   RandomSource& random, TimePoint now)
    : settings_(settings), policy_(policy), random_(random), connect_deadline_(now + settings.connect_timeout) {}

std::optional<TimePoint> SocketConnection::next_deadline() const {
  if (closed_) return std::nullopt;
  std::optional<TimePoint> deadline = connect_deadline_;
  // At most max_pending_acks entries: a scan is cheaper than keeping a second index.
  for (const auto& [id, pending] : pending_) {
    if (!deadline || pending.deadline < *deadline) deadline = pending.deadline;
  }
  return deadline;
}

ConnectionOutput SocketConnection::on_timer(TimePoint now) {
  ConnectionOutput out;
  expire(now, out);
  return out;
}

// Every input first runs what is due at `now`, as EngineSession does, so a CONNECT that
// arrives after connect_timeout finds the connection closed whether or not the timer has fired.
void SocketConnection::expire(TimePoint now, ConnectionOutput& out) {
  if (closed_) return;
  if (connect_deadline_ && now >= *connect_deadline_) {
    fail(ConnectionError::connect_timeout, out);
    return;
  }
  for (auto it = pending_.begin(); it != pending_.end();) {
    if (now < it->second.deadline) {
      ++it;
      continue;
    }
    SocketEvent event;
    event.kind = SocketEvent::Kind::ack_timeout;
    event.nsp = it->second.nsp;
    if (const std::string* id = socket_id(event.nsp)) event.socket_id = *id;
    event.cookie = it->second.cookie;
    out.events.push_back(std::move(event));
    it = pending_.erase(it);
  }
}

ConnectionOutput SocketConnection::on_engine_closed(TimePoint) {
  ConnectionOutput out;
  if (closed_) return out;
  closed_ = true;
  while (!sockets_.empty()) leave(sockets_.begin()->first, DisconnectReason::transport_close, out);
  pending_.clear();
  collecting_.reset();
  connect_deadline_.reset();
  return out;
}

ConnectionOutput SocketConnection::on_message(const EnginePacket& message, TimePoint now) {
  ConnectionOutput out;
  if (!delivered_text_.empty()) std::string().swap(delivered_text_);
  expire(now, out);
  if (closed_) return out;
  if (is_binary_data(message)) {
    on_attachment(message, out);
  } else if (collecting_) {
    // socket.io-parser: "got plaintext data when reconstructing a packet".
    fail(ConnectionError::invalid_state, out);
  } else {
    on_text(message.data, out);
  }
  return out;
}

void SocketConnection::on_text(std::string_view text, ConnectionOutput& out) {
  // A binary packet's views must outlive this call, so it is decoded from the connection's own
  // copy; a text packet is decoded in place.
  const bool binary = !text.empty() && (text.front() == '5' || text.front() == '6');
  std::string copy;
  if (binary) copy.assign(text);
  auto decoded = decode_socket_packet(binary ? std::string_view(copy) : text, settings_.packet);
  if (!decoded) {
    fail(ConnectionError::parse_error, out);
    return;
  }
  SocketPacket& packet = decoded.value();
  if (!is_binary(packet.type) || packet.attachments == 0) {
    if (binary) {
      // No attachment follows: deliver now, from text that outlives this call.
      delivered_text_ = std::move(copy);
      packet = decode_socket_packet(delivered_text_, settings_.packet).value();
    }
    on_packet(packet, {}, out);
    return;
  }
  if (socket_id(packet.nsp) == nullptr) {
    fail(ConnectionError::invalid_state, out);
    return;
  }
  Collecting collecting;
  collecting.remaining = packet.attachments;
  if (settings_.binary == BinaryPolicy::refuse) {
    collecting.discard = true;
    refuse_binary(packet, out);
  } else {
    collecting.text = std::move(copy);
    collecting.attachments.reserve(packet.attachments);
  }
  collecting_ = std::move(collecting);
}

void SocketConnection::on_attachment(const EnginePacket& message, ConnectionOutput& out) {
  if (!collecting_) {
    // socket.io-parser: "got binary data when not reconstructing a packet".
    fail(ConnectionError::invalid_state, out);
    return;
  }
  Collecting& collecting = *collecting_;
  --collecting.remaining;
  if (!collecting.discard) {
    std::string bytes;
    // decode_payload validated base64 already; append_data_bytes cannot fail here.
    [[maybe_unused]] const bool decoded = append_data_bytes(message, bytes);
    assert(decoded);
    collecting.bytes += bytes.size();
    if (collecting.bytes > settings_.max_attachment_bytes) {
      fail(ConnectionError::attachments_too_large, out);
      return;
    }
    collecting.attachments.push_back(std::move(bytes));
  }
  if (collecting.remaining > 0) return;
  Collecting done = std::move(*collecting_);
  collecting_.reset();
  if (done.discard) return;
  // Moving a short string copies its characters: decode again from where the text now lives.
  delivered_text_ = std::move(done.text);
  SocketPacket packet = decode_socket_packet(delivered_text_, settings_.packet).value();
  if (socket_id(packet.nsp) == nullptr) return;  // left (server disconnect) while collecting
  deliver(packet, std::move(done.attachments), out);
}

void SocketConnection::on_packet(SocketPacket& packet, std::vector<std::string> attachments,
                                 ConnectionOutput& out) {
  const bool joined = socket_id(packet.nsp) != nullptr;
  switch (packet.type) {
    case SocketPacketType::connect:
      // lib/client.ts: CONNECT to a namespace already joined is an invalid state.
      if (joined) {
        fail(ConnectionError::invalid_state, out);
      } else {
        on_connect(packet, out);
      }
      return;
    case SocketPacketType::connect_error: fail(ConnectionError::invalid_state, out); return;
    case SocketPacketType::disconnect:
    case SocketPacketType::event:
    case SocketPacketType::ack:
    case SocketPacketType::binary_event:
    case SocketPacketType::binary_ack:
      if (!joined) {
        fail(ConnectionError::invalid_state, out);
      } else if (packet.type == SocketPacketType::disconnect) {
        leave(packet.nsp, DisconnectReason::client_disconnect, out);
      } else {
        deliver(packet, std::move(attachments), out);
      }
      return;
  }
}

void SocketConnection::on_connect(const SocketPacket& packet, ConnectionOutput& out) {
  const std::string_view auth = packet.data.empty() ? std::string_view("{}") : packet.data;
  SocketPacket answer;
  answer.type = SocketPacketType::connect_error;
  answer.nsp = packet.nsp;
  std::string refusal;
  if (sockets_.size() >= settings_.max_namespaces) {
    answer.data = kTooManyNamespaces;
  } else if (auto refused = policy_.admit(packet.nsp, auth)) {
    refusal = message_object(*refused);
    answer.data = refusal;
  } else {
    std::string id = new_session_id(random_);
    const std::string connected = "{\"sid\":\"" + id + "\"}";  // base64url: nothing to escape
    answer.type = SocketPacketType::connect;
    answer.data = connected;
    send_packet(answer, {}, out);
    connect_deadline_.reset();
    SocketEvent event;
    event.kind = SocketEvent::Kind::connected;
    event.nsp = packet.nsp;
    event.socket_id = id;
    event.arguments = auth;
    out.events.push_back(std::move(event));
    sockets_.emplace(std::string(packet.nsp), std::move(id));
    return;
  }
  send_packet(answer, {}, out);
}

void SocketConnection::deliver(SocketPacket& packet, std::vector<std::string> attachments, ConnectionOutput& out) {
  SocketEvent event;
  event.nsp = packet.nsp;
  event.socket_id = *socket_id(packet.nsp);
  event.arguments = packet.arguments;
  event.attachments = std::move(attachments);
  if (packet.type == SocketPacketType::event || packet.type == SocketPacketType::binary_event) {
    event.kind = SocketEvent::Kind::event;
    event.name = std::move(packet.event_name);
    event.ack_id = packet.ack_id;
    out.events.push_back(std::move(event));
    return;
  }
  // ACK: only one the server is waiting for, on the namespace it was sent on; the reference
  // server ignores the others ("bad ack").
  if (!packet.ack_id) return;
  const auto pending = pending_.find(*packet.ack_id);
  if (pending == pending_.end() || pending->second.nsp != packet.nsp) return;
  event.kind = SocketEvent::Kind::ack;
  event.cookie = pending->second.cookie;
  event.ack_id = packet.ack_id;
  pending_.erase(pending);
  out.events.push_back(std::move(event));
}

void SocketConnection::refuse_binary(const SocketPacket& packet, ConnectionOutput& out) {
  // socket.io-client handles CONNECT_ERROR in any state: it drops that namespace's socket and
  // emits connect_error with this message, so the refusal is visible to the application.
  SocketPacket refusal;
  refusal.type = SocketPacketType::connect_error;
  refusal.nsp = packet.nsp;
  refusal.data = kBinaryRefused;
  send_packet(refusal, {}, out);
  leave(packet.nsp, DisconnectReason::binary_refused, out);
}

void SocketConnection::leave(std::string_view nsp, DisconnectReason reason, ConnectionOutput& out) {
  const auto socket = sockets_.find(nsp);
  if (socket == sockets_.end()) return;
  // `nsp` may view the entry's own key (fail() and on_engine_closed() pass it): drop the
  // acks before the entry.
  for (auto it = pending_.begin(); it != pending_.end();) {
    it = it->second.nsp == nsp ? pending_.erase(it) : std::next(it);
  }
  SocketEvent event;
  event.kind = SocketEvent::Kind::disconnected;
  event.nsp = socket->first;
  event.socket_id = socket->second;
  event.reason = reason;
  out.events.push_back(std::move(event));
  sockets_.erase(socket);
}

void SocketConnection::fail(ConnectionError error, ConnectionOutput& out) {
  closed_ = true;
  out.close = error;
  while (!sockets_.empty()) leave(sockets_.begin()->first, DisconnectReason::connection_error, out);
  pending_.clear();
  collecting_.reset();
  connect_deadline_.reset();
}

const std::string* SocketConnection::socket_id(std::string_view nsp) const {
  const auto socket = sockets_.find(nsp);
  return socket == sockets_.end() ? nullptr : &socket->second;
}

void SocketConnection::send_packet(const SocketPacket& packet, std::span<const std::string> attachments,
                                   ConnectionOutput& out) {
  OutboundFrame header;
  // Namespaces come from sockets_ (decoded, so writable) or were checked by the caller.
  [[maybe_unused]] const auto encoded = append_socket_packet(packet, header.data);
  assert(encoded);
  out.messages.push_back(std::move(header));
  for (const std::string& attachment : attachments) out.messages.push_back(OutboundFrame{true, attachment});
}

EmitResult SocketConnection::emit(std::string_view nsp, std::string_view name, std::string_view arguments,
                                  std::span<const std::string> attachments, std::optional<std::uint64_t> cookie,
                                  TimePoint now, ConnectionOutput& out) {
  if (closed_ || socket_id(nsp) == nullptr) return EmitResult::not_connected;
  if (cookie && pending_.size() >= settings_.max_pending_acks) return EmitResult::too_many_pending_acks;
  std::string data;
  append_event_array(name, arguments, data);
  SocketPacket packet;
  packet.type = attachments.empty() ? SocketPacketType::event : SocketPacketType::binary_event;
  packet.nsp = nsp;
  packet.attachments = attachments.size();
  packet.data = data;
  if (cookie) {
    // Ids wrap long before kMaxAckId in practice; skipping one still pending keeps them unique.
    while (pending_.contains(next_ack_id_)) next_ack_id_ = (next_ack_id_ + 1) % (kMaxAckId + 1);
    packet.ack_id = next_ack_id_;
    pending_.emplace(next_ack_id_, PendingAck{std::string(nsp), *cookie, now + settings_.ack_timeout});
    next_ack_id_ = (next_ack_id_ + 1) % (kMaxAckId + 1);
  }
  send_packet(packet, attachments, out);
  return EmitResult::sent;
}

EmitResult SocketConnection::ack(std::string_view nsp, std::uint64_t ack_id, std::string_view arguments,
                                 std::span<const std::string> attachments, ConnectionOutput& out) {
  if (closed_ || socket_id(nsp) == nullptr) return EmitResult::not_connected;
  if (ack_id > kMaxAckId) return EmitResult::bad_ack_id;
  std::string data = "[";
  data.append(arguments);
  data.push_back(']');
  SocketPacket packet;
  packet.type = attachments.empty() ? SocketPacketType::ack : SocketPacketType::binary_ack;
  packet.nsp = nsp;
  packet.ack_id = ack_id;
  packet.attachments = attachments.size();
  packet.data = data;
  send_packet(packet, attachments, out);
  return EmitResult::sent;
}

EmitResult SocketConnection::disconnect(std::string_view nsp, ConnectionOutput& out) {
  if (closed_ || socket_id(nsp) == nullptr) return EmitResult::not_connected;
  SocketPacket packet;
  packet.type = SocketPacketType::disconnect;
  packet.nsp = nsp;
  send_packet(packet, {}, out);
  leave(nsp, DisconnectReason::server_disconnect, out);
  return EmitResult::sent;
}

}  // namespace iceway::signaling::socketio
