#include "signal/socketio/engineio_session.hpp"

#include <array>
#include <cassert>
#include <utility>

#include "signal/socketio/socketio_packet.hpp"

namespace iceway::signaling::socketio {
namespace {

HttpReply bad_request(std::string_view why) { return HttpReply{400, std::string(why)}; }

// Only messages carry binary data here (send() makes every packet a message, the session's own
// packets are text), so encoding a frame cannot fail.
OutboundFrame frame_of(const EnginePacket& packet) {
  OutboundFrame frame;
  frame.binary = packet.encoding != Encoding::text;
  [[maybe_unused]] const auto encoded = append_frame(packet, frame.data);
  assert(encoded);
  return frame;
}

void earliest(std::optional<TimePoint>& result, const std::optional<TimePoint>& candidate) {
  if (candidate && (!result || *candidate < *result)) result = candidate;
}

}  // namespace

std::string_view to_string(CloseReason reason) {
  switch (reason) {
    case CloseReason::client_close: return "client close";
    case CloseReason::server_close: return "server close";
    case CloseReason::ping_timeout: return "ping timeout";
    case CloseReason::transport_closed: return "transport closed";
    case CloseReason::parse_error: return "parse error";
    case CloseReason::protocol_error: return "protocol error";
    case CloseReason::poll_overlap: return "overlapping poll requests";
    case CloseReason::post_overlap: return "overlapping post requests";
    case CloseReason::payload_too_large: return "payload too large";
    case CloseReason::send_buffer_full: return "send buffer full";
  }
  return "unknown";
}

std::string new_session_id(RandomSource& random) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::array<std::byte, 15> bytes{};
  random.fill(bytes);
  std::string sid;
  sid.reserve(20);
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    const auto group = (std::to_integer<unsigned>(bytes[i]) << 16) | (std::to_integer<unsigned>(bytes[i + 1]) << 8) |
                       std::to_integer<unsigned>(bytes[i + 2]);
    for (int shift = 18; shift >= 0; shift -= 6) sid.push_back(kAlphabet[(group >> shift) & 0x3f]);
  }
  return sid;
}

EngineSession::EngineSession(const EngineSettings& settings, EngineTransport transport, std::string sid, TimePoint now)
    : settings_(settings), sid_(std::move(sid)), transport_(transport), ping_due_(now + settings.ping_interval) {}

EngineSession::Accepted EngineSession::accept(const EngineSettings& settings, EngineTransport transport,
                                              std::string sid, TimePoint now) {
  EngineSession session(settings, transport, std::move(sid), now);
  // v4-current.md "Handshake": upgrades lists what this transport may become; a WebSocket
  // session has nowhere to go.
  std::string open = "0{\"sid\":";
  append_json_string(session.sid_, open);
  open += settings.allow_upgrades && transport == EngineTransport::polling ? ",\"upgrades\":[\"websocket\"]"
                                                                            : ",\"upgrades\":[]";
  open += ",\"pingInterval\":" + std::to_string(settings.ping_interval.count());
  open += ",\"pingTimeout\":" + std::to_string(settings.ping_timeout.count());
  open += ",\"maxPayload\":" + std::to_string(settings.max_payload) + "}";
  EngineOutput output;
  if (transport == EngineTransport::polling) {
    output.reply = HttpReply{200, std::move(open)};
  } else {
    output.frames.push_back(OutboundFrame{false, std::move(open)});
  }
  return Accepted{std::move(session), std::move(output)};
}

std::optional<TimePoint> EngineSession::next_deadline() const {
  if (closed_) return std::nullopt;
  std::optional<TimePoint> deadline;
  earliest(deadline, ping_due_);
  earliest(deadline, pong_deadline_);
  earliest(deadline, upgrade_deadline_);
  return deadline;
}

// Every input first runs the timers that are due at `now`, so a request arriving at the very
// moment the pong deadline passes already finds the session closed, whether or not the I/O
// layer's timer has fired yet.
void EngineSession::expire(TimePoint now, EngineOutput& out) {
  if (closed_) return;
  if (ping_due_ && now >= *ping_due_) {
    pong_deadline_ = *ping_due_ + settings_.ping_timeout;
    ping_due_.reset();
    queue(EnginePacketType::ping, Encoding::text, {}, out);
    if (closed_) return;
  }
  if (pong_deadline_ && now >= *pong_deadline_) {
    end(CloseReason::ping_timeout, out);
    return;
  }
  if (upgrade_deadline_ && now >= *upgrade_deadline_) end_probe(out);
}

EngineOutput EngineSession::on_timer(TimePoint now) {
  EngineOutput out;
  expire(now, out);
  return out;
}

EngineOutput EngineSession::on_poll_request(TimePoint now) {
  EngineOutput out;
  expire(now, out);
  if (closed_) {
    out.reply = bad_request("Session ID unknown");
    return out;
  }
  if (transport_ != EngineTransport::polling) {
    // After an upgrade a GET is a stray: refused, and the session goes on over its WebSocket.
    out.reply = bad_request("Bad request");
    return out;
  }
  if (poll_held_) {
    // v4-current.md "Receiving data": 400 and close the session. The held GET gets a close
    // packet, as the reference server answers it.
    out.reply = bad_request("overlapping poll requests");
    end(CloseReason::poll_overlap, out);
    return out;
  }
  if (!buffer_.empty()) {
    out.reply = HttpReply{200, take_payload()};
  } else if (probe_ == Probe::probed) {
    // The client is upgrading: a noop ends this poll at once ("Upgrade").
    out.reply = HttpReply{200, "6"};
  } else {
    poll_held_ = true;
  }
  return out;
}

EngineOutput EngineSession::on_poll_aborted(TimePoint now) {
  EngineOutput out;
  expire(now, out);
  if (closed_ || !poll_held_) return out;
  poll_held_ = false;
  end(CloseReason::transport_closed, out);
  return out;
}

EngineOutput EngineSession::on_post_started(TimePoint now) {
  EngineOutput out;
  expire(now, out);
  if (closed_) {
    out.reply = bad_request("Session ID unknown");
  } else if (transport_ != EngineTransport::polling) {
    out.reply = bad_request("Bad request");
  } else if (post_in_progress_) {
    out.reply = bad_request("overlapping post requests");
    end(CloseReason::post_overlap, out);
  } else {
    post_in_progress_ = true;
  }
  return out;
}

EngineOutput EngineSession::on_post(std::string_view body, TimePoint now) {
  EngineOutput out;
  if (!post_in_progress_) {
    out = on_post_started(now);
    if (out.reply) return out;
  } else {
    expire(now, out);
  }
  post_in_progress_ = false;
  if (closed_) {
    out.reply = bad_request("Session ID unknown");
    return out;
  }
  if (body.size() > settings_.max_payload) {
    out.reply = HttpReply{413, "payload too large"};
    end(CloseReason::payload_too_large, out);
    return out;
  }
  std::vector<EnginePacket> packets;
  if (auto decoded = decode_payload(body, settings_.max_payload, packets); !decoded) {
    out.reply = bad_request(decoded.error().message());
    end(CloseReason::parse_error, out);
    return out;
  }
  for (const EnginePacket& packet : packets) {
    handle_packet(packet, now, out);
    if (closed_) break;
  }
  out.reply = HttpReply{200, "ok"};
  return out;
}

EngineOutput EngineSession::on_websocket_open(TimePoint now) {
  EngineOutput out;
  expire(now, out);
  // v4-current.md "WebSocket": one WebSocket per session; more are closed, the session stays.
  if (closed_) {
    out.reply = bad_request("Session ID unknown");
  } else if (transport_ != EngineTransport::polling || probe_ != Probe::none) {
    out.close_new_websocket = true;
  } else if (!settings_.allow_upgrades) {
    out.reply = bad_request("Bad request");
  } else {
    probe_ = Probe::opened;
    upgrade_deadline_ = now + settings_.upgrade_timeout;
  }
  return out;
}

EngineOutput EngineSession::on_websocket_frame(std::string_view frame, bool binary, TimePoint now) {
  EngineOutput out;
  expire(now, out);
  if (closed_ || (transport_ != EngineTransport::websocket && probe_ == Probe::none)) return out;
  auto decoded = decode_frame(frame, binary, settings_.max_payload);
  if (probe_ != Probe::none) {
    // The probe WebSocket of an upgrade ("Upgrade"): "2probe", then "5"; anything else ends
    // the probe, not the session, which is still polling.
    const bool probe_ping = decoded && decoded.value().type == EnginePacketType::ping &&
                            decoded.value().encoding == Encoding::text && decoded.value().data == "probe";
    const bool upgrade = decoded && decoded.value().type == EnginePacketType::upgrade &&
                         decoded.value().encoding == Encoding::text;
    if (probe_ == Probe::opened && probe_ping) {
      probe_ = Probe::probed;
      out.frames.push_back(OutboundFrame{false, "3probe"});
      if (poll_held_) {
        poll_held_ = false;
        out.held_poll_body = "6";
      }
    } else if (probe_ == Probe::probed && upgrade) {
      transport_ = EngineTransport::websocket;
      probe_ = Probe::none;
      upgrade_deadline_.reset();
      // No GET is held here: "2probe" released the one that was, and on_poll_request answers
      // later ones at once while probed.
      for (const BufferedPacket& packet : buffer_) {
        out.frames.push_back(frame_of(EnginePacket{packet.type, packet.encoding, packet.data}));
      }
      buffer_.clear();
      buffered_bytes_ = 0;
    } else {
      end_probe(out);
    }
    return out;
  }
  if (!decoded) {
    end(decoded.error().code == EngineError::too_large ? CloseReason::payload_too_large : CloseReason::parse_error, out);
    return out;
  }
  handle_packet(decoded.value(), now, out);
  return out;
}

EngineOutput EngineSession::on_websocket_closed(TimePoint now) {
  EngineOutput out;
  expire(now, out);
  if (closed_) return out;
  if (probe_ != Probe::none) {
    probe_ = Probe::none;
    upgrade_deadline_.reset();
  } else if (transport_ == EngineTransport::websocket) {
    end(CloseReason::transport_closed, out);
    out.close_websocket = false;  // it is closed already
  }
  return out;
}

EngineOutput EngineSession::send(std::span<const EnginePacket> messages, TimePoint now) {
  EngineOutput out;
  expire(now, out);
  for (const EnginePacket& message : messages) {
    if (closed_) break;
    if (transport_ == EngineTransport::polling && message.encoding == Encoding::text &&
        message.data.find(kRecordSeparator) != std::string_view::npos) {
      ++out.dropped;
      continue;
    }
    queue(EnginePacketType::message, message.encoding, message.data, out);
  }
  return out;
}

EngineOutput EngineSession::close(TimePoint now) {
  EngineOutput out;
  expire(now, out);
  if (!closed_) end(CloseReason::server_close, out);
  return out;
}

void EngineSession::handle_packet(const EnginePacket& packet, TimePoint now, EngineOutput& out) {
  switch (packet.type) {
    case EnginePacketType::message: out.messages.push_back(packet); break;
    case EnginePacketType::pong:
      // Only the pong to our ping counts; an unasked pong does not move the schedule.
      if (pong_deadline_) {
        pong_deadline_.reset();
        ping_due_ = now + settings_.ping_interval;
      }
      break;
    case EnginePacketType::close: end(CloseReason::client_close, out); break;
    case EnginePacketType::noop: break;
    case EnginePacketType::ping:     // v4 reversed the heartbeat: only the server pings
    case EnginePacketType::open:
    case EnginePacketType::upgrade: end(CloseReason::protocol_error, out); break;
  }
}

void EngineSession::queue(EnginePacketType type, Encoding encoding, std::string_view data, EngineOutput& out) {
  if (transport_ == EngineTransport::websocket) {
    out.frames.push_back(frame_of(EnginePacket{type, encoding, data}));
    return;
  }
  if (buffered_bytes_ + data.size() + 1 > settings_.max_buffered_bytes) {
    end(CloseReason::send_buffer_full, out);
    return;
  }
  buffer_.push_back(BufferedPacket{type, encoding, std::string(data)});
  buffered_bytes_ += data.size() + 1;
  flush_to_held_poll(out);
}

void EngineSession::flush_to_held_poll(EngineOutput& out) {
  if (!poll_held_ || buffer_.empty()) return;
  poll_held_ = false;
  out.held_poll_body = take_payload();
}

std::string EngineSession::take_payload() {
  std::vector<EnginePacket> packets;
  packets.reserve(buffer_.size());
  for (const BufferedPacket& packet : buffer_) packets.push_back(EnginePacket{packet.type, packet.encoding, packet.data});
  std::string body;
  // send() keeps \x1e out of buffered text and only messages carry binary data, so encoding
  // cannot fail.
  [[maybe_unused]] const auto encoded = append_payload(packets, body);
  assert(encoded);
  buffer_.clear();
  buffered_bytes_ = 0;
  return body;
}

void EngineSession::end_probe(EngineOutput& out) {
  probe_ = Probe::none;
  upgrade_deadline_.reset();
  out.close_websocket = true;
}

void EngineSession::end(CloseReason reason, EngineOutput& out) {
  closed_ = true;
  out.closed = reason;
  ping_due_.reset();
  pong_deadline_.reset();
  upgrade_deadline_.reset();
  if (poll_held_) {
    // A close packet ends the held GET; when the client itself asked to close, a noop, as the
    // reference server answers (the conformance suite checks both).
    poll_held_ = false;
    out.held_poll_body = reason == CloseReason::client_close ? "6" : "1";
  }
  if (transport_ == EngineTransport::websocket || probe_ != Probe::none) out.close_websocket = true;
  probe_ = Probe::none;
  buffer_.clear();
  buffered_bytes_ = 0;
}

}  // namespace iceway::signaling::socketio
