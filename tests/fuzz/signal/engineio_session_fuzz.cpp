// The Engine.IO session driven by fuzzer bytes the way the I/O layer would drive it: the input
// is cut at '\n' into events, an event's first byte picks what happens (a GET, a dropped GET, a
// POST with the rest as body, a WebSocket upgrade, a frame, the WebSocket closing, time passing,
// a message from above, a server close) and whether the session started on polling or
// WebSocket. A model of what the I/O layer holds checks every output: a held GET is answered
// only if one is held, and then only once; frames and WebSocket closes only go to a WebSocket
// that exists; everything sent to the client decodes; the outgoing buffer stays within its
// bound; a closed session says nothing more and has no deadline.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "signal/socketio/engineio_session.hpp"

namespace {

using namespace iceway;
using namespace iceway::signaling::socketio;

void check(bool ok) {
  if (!ok) __builtin_trap();
}

struct Model {
  bool held = false;       // a GET is held open
  bool websocket = false;  // a WebSocket (probe or main) is attached
  bool closed = false;
};

void check_payload(std::string_view body) {
  std::vector<EnginePacket> packets;
  check(static_cast<bool>(decode_payload(body, body.size(), packets)));
}

void apply(const EngineSession& session, const EngineOutput& out, Model& model, const EngineSettings& settings,
           bool is_get) {
  if (model.closed) {
    check(!out.held_poll_body && out.frames.empty() && out.messages.empty() && !out.close_websocket && !out.closed);
    check(!out.reply || out.reply->status == 400);
  }
  if (out.held_poll_body) {
    check(model.held);
    model.held = false;
    check_payload(*out.held_poll_body);
  }
  if (is_get && !model.closed) {
    if (!out.reply) {
      check(!model.held);  // an overlapping GET is answered, never held
      model.held = true;
    } else if (out.reply->status == 200) {
      check_payload(out.reply->body);
    }
  }
  if (!out.frames.empty()) check(model.websocket);
  for (const auto& frame : out.frames) check(static_cast<bool>(decode_frame(frame.data, frame.binary, frame.data.size())));
  if (out.close_websocket) {
    check(model.websocket);
    model.websocket = false;
  }
  if (out.closed) {
    check(!model.held);  // the held GET got its answer
    model.closed = true;
  }
  check(session.is_closed() == model.closed);
  check(session.poll_held() == model.held);
  check(session.buffered_bytes() <= settings.max_buffered_bytes);
  if (model.closed) check(!session.next_deadline());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  EngineSettings settings;
  settings.ping_interval = std::chrono::milliseconds(300);
  settings.ping_timeout = std::chrono::milliseconds(200);
  settings.upgrade_timeout = std::chrono::milliseconds(1000);
  settings.max_payload = 256;
  settings.max_buffered_bytes = 512;
  settings.allow_upgrades = (data[0] & 0x02) == 0;
  const bool websocket_only = (data[0] & 0x01) != 0;
  TimePoint now = TimePoint{} + std::chrono::hours(1);
  auto accepted = EngineSession::accept(settings, websocket_only ? EngineTransport::websocket : EngineTransport::polling,
                                        "fuzz", now);
  EngineSession session = std::move(accepted.session);
  Model model;
  model.websocket = websocket_only;

  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  while (!input.empty()) {
    const auto newline = input.find('\n');
    const std::string_view event = input.substr(0, newline);
    input = newline == std::string_view::npos ? std::string_view{} : input.substr(newline + 1);
    if (event.empty()) continue;
    const auto selector = static_cast<std::uint8_t>(event.front());
    const std::string_view rest = event.substr(1);
    switch (selector % 11) {
      case 0: apply(session, session.on_poll_request(now), model, settings, true); break;
      case 1:
        if (model.held) {
          const EngineOutput out = session.on_poll_aborted(now);
          model.held = false;  // the client is gone; nobody to answer
          apply(session, out, model, settings, false);
        }
        break;
      case 2: apply(session, session.on_post_started(now), model, settings, false); break;
      case 3: apply(session, session.on_post(rest, now), model, settings, false); break;
      case 4:
        if (!model.websocket) {
          const EngineOutput out = session.on_websocket_open(now);
          if (!out.reply && !model.closed) model.websocket = true;
          apply(session, out, model, settings, false);
        }
        break;
      case 5:
      case 6:
        if (model.websocket) apply(session, session.on_websocket_frame(rest, selector % 11 == 6, now), model, settings, false);
        break;
      case 7:
        if (model.websocket) {
          const EngineOutput out = session.on_websocket_closed(now);
          model.websocket = false;
          apply(session, out, model, settings, false);
        }
        break;
      case 8:
        now += std::chrono::milliseconds(rest.empty() ? 1 : static_cast<std::uint8_t>(rest.front()) * 4);
        apply(session, session.on_timer(now), model, settings, false);
        break;
      case 9: {
        const EnginePacket message{EnginePacketType::message, (selector & 0x80) ? Encoding::binary : Encoding::text, rest};
        apply(session, session.send(std::span(&message, 1), now), model, settings, false);
        break;
      }
      default: apply(session, session.close(now), model, settings, false); break;
    }
  }
  return 0;
}
