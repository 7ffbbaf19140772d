#pragma once
// A node for tests: Engine.IO sessions, their Socket.IO connections and one SocketApp, wired as
// the I/O layer will wire them (the recipes in engineio_session.hpp and socketio_connection.hpp)
// but with the client's frames handed in and what each client would receive recorded. Time is a
// parameter; nothing sleeps.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "signal/socketio/engineio_session.hpp"
#include "signal/socketio/socketio_app.hpp"
#include "signal/socketio/socketio_connection.hpp"

namespace iceway::signaling::socketio::testing {

class CountingRandom final : public RandomSource {
 public:
  explicit CountingRandom(std::uint8_t start = 0) : next_(start) {}
  void fill(std::span<std::byte> out) override {
    for (auto& b : out) b = std::byte(next_++);
  }

 private:
  std::uint8_t next_ = 0;
};

struct ReceivedFrame {
  bool binary = false;
  std::string data;
  friend bool operator==(const ReceivedFrame&, const ReceivedFrame&) = default;
};

class TestNode {
 public:
  // `random_start`: where this node's random bytes begin, so two nodes of one test draw
  // different socket ids.
  TestNode(SocketApp& app, const EngineSettings& engine, const ConnectionSettings& connection,
           std::uint8_t random_start = 0)
      : app_(app), engine_settings_(engine), connection_settings_(connection), random_(random_start) {}

  // Another node's events ([cluster]), carried out like the app's own actions.
  void remote(const std::vector<cluster::RemoteEvent>& events, TimePoint now) {
    std::vector<AppAction> actions;
    for (const auto& event : events) app_.on_remote(event, actions);
    for (const AppAction& action : actions) execute(action, now);
  }

  // A client that opened a WebSocket (transport=websocket, no sid). Returns its index.
  std::size_t open_websocket(TimePoint now) {
    auto accepted = EngineSession::accept(engine_settings_, EngineTransport::websocket,
                                          "E" + std::to_string(clients_.size()), now);
    clients_.push_back(std::make_unique<Client>(Client{
        std::move(accepted.session), SocketConnection(connection_settings_, app_, random_, now), {}, false}));
    process(clients_.size() - 1, accepted.output, now);
    return clients_.size() - 1;
  }

  void send(std::size_t client, std::string frame, TimePoint now, bool binary = false) {
    Client& c = *clients_[client];
    if (c.websocket_closed) return;
    process(client, c.engine.on_websocket_frame(frame, binary, now), now);
  }

  void advance(TimePoint now) {
    for (std::size_t i = 0; i < clients_.size(); ++i) {
      Client& c = *clients_[i];
      process(i, c.engine.on_timer(now), now);
      handle(i, c.connection.on_timer(now), now);
    }
  }

  // Frames sent to `client` since the last take(), pings ("2") left out as the suite does.
  std::vector<std::string> take_text(std::size_t client) {
    std::vector<std::string> texts;
    for (const auto& frame : take(client)) texts.push_back(frame.binary ? "<binary>" + frame.data : frame.data);
    return texts;
  }
  std::vector<ReceivedFrame> take(std::size_t client, bool with_pings = false) {
    std::vector<ReceivedFrame> frames;
    for (auto& frame : clients_[client]->received) {
      if (with_pings || !(frame.data == "2" && !frame.binary)) frames.push_back(std::move(frame));
    }
    clients_[client]->received.clear();
    return frames;
  }
  bool closed(std::size_t client) const { return clients_[client]->websocket_closed; }
  const SocketConnection& connection(std::size_t client) const { return clients_[client]->connection; }

 private:
  struct Client {
    EngineSession engine;
    SocketConnection connection;
    std::vector<ReceivedFrame> received;
    bool websocket_closed = false;
  };

  void process(std::size_t index, const EngineOutput& out, TimePoint now) {
    Client& c = *clients_[index];
    for (const auto& frame : out.frames) c.received.push_back(ReceivedFrame{frame.binary, frame.data});
    if (out.close_websocket) c.websocket_closed = true;
    for (const EnginePacket& message : out.messages) handle(index, c.connection.on_message(message, now), now);
    if (out.closed) handle(index, c.connection.on_engine_closed(now), now);
  }

  void handle(std::size_t index, const ConnectionOutput& out, TimePoint now) {
    Client& c = *clients_[index];
    if (!out.messages.empty()) {
      const auto packets = engine_packets(out.messages);
      process(index, c.engine.send(packets, now), now);
    }
    for (const SocketEvent& event : out.events) {
      if (event.kind == SocketEvent::Kind::connected) owner_[event.socket_id] = index;
      std::vector<AppAction> actions;
      app_.on_event(event, actions);
      if (event.kind == SocketEvent::Kind::disconnected) owner_.erase(event.socket_id);
      for (const AppAction& action : actions) execute(action, now);
    }
    if (out.close) process(index, c.engine.close(now), now);
  }

  void execute(const AppAction& action, TimePoint now) {
    for (const std::string& socket : action.to) {
      const auto owner = owner_.find(socket);
      if (owner == owner_.end()) continue;
      ConnectionOutput out;
      SocketConnection& connection = clients_[owner->second]->connection;
      switch (action.kind) {
        case AppAction::Kind::emit:
          connection.emit(action.nsp, action.event, action.arguments, action.attachments, std::nullopt, now, out);
          break;
        case AppAction::Kind::ack:
          connection.ack(action.nsp, action.ack_id, action.arguments, action.attachments, out);
          break;
        case AppAction::Kind::disconnect: connection.disconnect(action.nsp, out); break;
      }
      handle(owner->second, out, now);
    }
  }

  SocketApp& app_;
  EngineSettings engine_settings_;
  ConnectionSettings connection_settings_;
  CountingRandom random_;
  std::vector<std::unique_ptr<Client>> clients_;
  std::map<std::string, std::size_t> owner_;  // socket id -> client
};

}  // namespace iceway::signaling::socketio::testing
