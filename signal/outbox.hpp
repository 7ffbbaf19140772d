#pragma once
// What the signaling core decides to do, as data: frames to deliver and connections to close.
// The core never touches a socket; the I/O layer (signal/http/) carries an Outbox out.
//
// Contract for the I/O layer: deliveries go to each connection in the order they appear (that is
// how "messages from one sender to one receiver keep their order" holds end to end), and a close
// takes effect after every delivery of the same Outbox to that connection has been queued, so an
// error frame sent just before a close reaches the client first.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace iceway::signaling {

// Chosen by the I/O layer when a WebSocket is accepted; unique for the life of the process.
using ConnectionId = std::uint64_t;

// One serialized text frame. Shared so a broadcast to many peers holds the text once.
using Frame = std::shared_ptr<const std::string>;

inline Frame make_frame(std::string text) { return std::make_shared<const std::string>(std::move(text)); }

// RFC 6455 §7.4.1 close codes the core uses.
namespace close_code {
inline constexpr std::uint16_t normal = 1000;
inline constexpr std::uint16_t going_away = 1001;
inline constexpr std::uint16_t policy_violation = 1008;
inline constexpr std::uint16_t try_again_later = 1013;
}  // namespace close_code

struct Delivery {
  ConnectionId to = 0;
  Frame frame;
};

struct CloseRequest {
  ConnectionId connection = 0;
  std::uint16_t code = close_code::normal;
  std::string reason;  // at most 123 bytes on the wire (RFC 6455 §5.5); the I/O layer truncates
};

struct Outbox {
  std::vector<Delivery> deliveries;
  std::vector<CloseRequest> closes;

  void send(ConnectionId to, Frame frame) { deliveries.push_back({to, std::move(frame)}); }
  void send(ConnectionId to, std::string text) { send(to, make_frame(std::move(text))); }
  void close(ConnectionId connection, std::uint16_t code, std::string reason) {
    closes.push_back({connection, code, std::move(reason)});
  }
  void append(Outbox&& other) {
    for (auto& d : other.deliveries) deliveries.push_back(std::move(d));
    for (auto& c : other.closes) closes.push_back(std::move(c));
  }
  bool empty() const { return deliveries.empty() && closes.empty(); }
};

}  // namespace iceway::signaling
