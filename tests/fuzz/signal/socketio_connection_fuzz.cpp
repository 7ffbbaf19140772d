// The Socket.IO connection driven by fuzzer bytes as the I/O layer would drive it, with the
// built-in tutorial server above it: the input is cut at '\n' into events, an event's first
// byte picks what happens (a text message, a binary message, time passing, a server emit with
// or without an ack, an ack, a server disconnect, the Engine.IO session ending) and the first
// byte of the input picks the binary policy. The tutorial server's actions addressed to this
// connection are carried out on it. Checked on every output: everything sent decodes as a
// Socket.IO packet and is followed by exactly the attachments it announces; an event's name and
// arguments splice back into a packet that decodes to the same; the namespaces the events report
// are the ones the connection holds; pending acks and namespaces stay within their bounds; a
// closed connection says nothing more and has no deadline. The input's first byte also picks
// whether the tutorial server runs an app profile (names from auth and from the first event's
// field, join, io.to and socket.to rules with rename and unwrap, an event on connect), so
// profile matching meets the same bytes.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "signal/socketio/socketio_connection.hpp"
#include "signal/socketio/tutorial_server.hpp"

namespace {

using namespace iceway;
using namespace iceway::signaling;
using namespace iceway::signaling::socketio;

void check(bool ok) {
  if (!ok) __builtin_trap();
}

class CountingRandom final : public RandomSource {
 public:
  void fill(std::span<std::byte> out) override {
    for (auto& b : out) b = std::byte(next_++);
  }

 private:
  std::uint8_t next_ = 0;
};

// "/" and "/x" exist; "/x" wants the auth {"k":1}.
class Policy final : public NamespacePolicy {
 public:
  std::optional<std::string> admit(std::string_view nsp, std::string_view auth) const override {
    if (nsp == "/" || (nsp == "/x" && auth == R"({"k":1})")) return std::nullopt;
    return std::string("no");
  }
};

struct Model {
  std::set<std::string> joined;  // namespaces, from the events
  bool closed = false;
};

void check_sent(const std::vector<OutboundFrame>& messages) {
  SocketLimits limits;
  limits.max_json_depth = 64;
  limits.max_attachments = 1000;
  std::size_t attachments_due = 0;
  for (const OutboundFrame& message : messages) {
    if (message.binary) {
      check(attachments_due > 0);
      --attachments_due;
      continue;
    }
    check(attachments_due == 0);
    auto decoded = decode_socket_packet(message.data, limits);
    check(static_cast<bool>(decoded));
    attachments_due = decoded.value().attachments;
  }
  check(attachments_due == 0);
}

void check_event(const SocketEvent& event, Model& model) {
  switch (event.kind) {
    case SocketEvent::Kind::connected: check(model.joined.insert(event.nsp).second); break;
    case SocketEvent::Kind::disconnected: check(model.joined.erase(event.nsp) == 1); break;
    case SocketEvent::Kind::event: {
      check(model.joined.contains(event.nsp));
      // The splice the relay relies on: name and arguments make the same packet again.
      std::string packet = "2";
      append_event_array(event.name, event.arguments, packet);
      auto again = decode_socket_packet(packet, SocketLimits{64, 1000});
      check(static_cast<bool>(again));
      check(again.value().event_name == event.name && again.value().arguments == event.arguments);
      break;
    }
    case SocketEvent::Kind::ack:
    case SocketEvent::Kind::ack_timeout: break;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  ConnectionSettings settings;
  settings.max_attachment_bytes = 64;
  settings.packet.max_attachments = 4;
  settings.max_namespaces = 2;
  settings.max_pending_acks = 3;
  settings.ack_timeout = std::chrono::milliseconds(500);
  settings.connect_timeout = std::chrono::milliseconds(1000);
  settings.binary = (data[0] & 1) ? BinaryPolicy::refuse : BinaryPolicy::relay;
  TutorialLimits limits;
  limits.rooms.max_rooms_per_socket = 2;
  limits.rooms.max_sockets_per_room = 2;
  limits.max_name_bytes = 8;
  limits.max_room_bytes = 8;

  Policy policy;
  CountingRandom random;
  SocketIoProfile profile;
  if (data[0] & 2) {
    using Action = SocketIoEventRule::Action;
    profile.path = "/socket.io/";
    profile.on_connect = "connectionSuccess";
    profile.name_auth = {"username"};
    profile.name_fields = {"username", "from"};
    profile.events = {
        {"joinRoom", Action::join, "", "", ""},
        {"callRemote", Action::to_room, "", "", ""},
        {"sendAnswer", Action::to_room, "roomId", "receiveAnswer", "answer"},
        {"hangUp", Action::to_room_others, "roomId", "", ""},
    };
  }
  TutorialServer app(limits, profile);
  TimePoint now = TimePoint{} + std::chrono::hours(1);
  SocketConnection connection(settings, policy, random, now);
  Model model;
  std::uint64_t cookie = 0;

  // Every output: the checks, then the application's actions for this connection, whose
  // outputs are checked the same way (the tutorial server answers, never asks back, so this
  // ends).
  auto apply = [&](auto& self, const ConnectionOutput& out) -> void {
    if (model.closed) check(out.messages.empty() && out.events.empty() && !out.close);
    check_sent(out.messages);
    std::vector<AppAction> actions;
    for (const SocketEvent& event : out.events) {
      check_event(event, model);
      app.on_event(event, actions);
    }
    if (out.close) {
      check(model.joined.empty());
      model.closed = true;
    }
    check(connection.is_closed() == model.closed);
    check(connection.pending_acks() <= settings.max_pending_acks);
    check(connection.namespace_count() <= settings.max_namespaces);
    check(connection.namespace_count() == model.joined.size());
    for (const std::string& joined : model.joined) check(connection.socket_id(joined) != nullptr);
    if (model.closed) check(!connection.next_deadline());
    for (const AppAction& action : actions) {
      for (const std::string& to : action.to) {
        const std::string* own = connection.socket_id(action.nsp);
        if (!own || *own != to) continue;
        ConnectionOutput next;
        switch (action.kind) {
          case AppAction::Kind::emit:
            connection.emit(action.nsp, action.event, action.arguments, action.attachments, std::nullopt, now, next);
            break;
          case AppAction::Kind::ack:
            connection.ack(action.nsp, action.ack_id, action.arguments, action.attachments, next);
            break;
          case AppAction::Kind::disconnect: connection.disconnect(action.nsp, next); break;
        }
        self(self, next);
      }
    }
  };

  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  while (!input.empty()) {
    const auto newline = input.find('\n');
    const std::string_view event = input.substr(0, newline);
    input = newline == std::string_view::npos ? std::string_view{} : input.substr(newline + 1);
    if (event.empty()) continue;
    const auto selector = static_cast<std::uint8_t>(event.front());
    const std::string_view rest = event.substr(1);
    const std::string_view nsp = (selector & 0x80) ? "/x" : "/";
    switch (selector % 8) {
      case 0:
      case 1:
        apply(apply, connection.on_message(EnginePacket{EnginePacketType::message, Encoding::text, rest}, now));
        break;
      case 2:
        apply(apply, connection.on_message(EnginePacket{EnginePacketType::message, Encoding::binary, rest}, now));
        break;
      case 3:
        now += std::chrono::milliseconds(rest.empty() ? 1 : static_cast<std::uint8_t>(rest.front()) * 8);
        apply(apply, connection.on_timer(now));
        break;
      case 4: {
        // An emit from above, with an ack when asked; attachments are the rest's bytes.
        ConnectionOutput out;
        std::vector<std::string> attachments;
        if (selector & 0x40) attachments.emplace_back(rest);
        const std::string_view arguments = attachments.empty() ? "1" : R"({"_placeholder":true,"num":0})";
        const auto ack = (selector & 0x20) ? std::optional(cookie++) : std::nullopt;
        const EmitResult result = connection.emit(nsp, "e", arguments, attachments, ack, now, out);
        check(result == EmitResult::sent || out.messages.empty());
        apply(apply, out);
        break;
      }
      case 5: {
        ConnectionOutput out;
        connection.ack(nsp, rest.empty() ? 0 : static_cast<std::uint8_t>(rest.front()), "true", {}, out);
        apply(apply, out);
        break;
      }
      case 6: {
        ConnectionOutput out;
        connection.disconnect(nsp, out);
        apply(apply, out);
        break;
      }
      default: {
        const ConnectionOutput out = connection.on_engine_closed(now);
        model.closed = true;
        // The session ended: every namespace is reported left, then nothing more.
        for (const SocketEvent& e : out.events) check(e.kind == SocketEvent::Kind::disconnected);
        for (const SocketEvent& e : out.events) model.joined.erase(e.nsp);
        check(model.joined.empty() && out.messages.empty());
        for (const SocketEvent& e : out.events) {
          std::vector<AppAction> ignored;
          app.on_event(e, ignored);
        }
        break;
      }
    }
  }
  return 0;
}
