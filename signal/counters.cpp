#include "signal/counters.hpp"

namespace iceway::signaling {
namespace {

constexpr std::array<std::string_view, native_type::count> kNativeLabels{"join",      "leave", "signal",
                                                                         "broadcast", "ping",  "invalid"};
constexpr std::array<std::string_view, peerjs_type::count> kPeerJsLabels{
    "heartbeat", "offer", "answer", "candidate", "leave", "expire", "invalid"};
constexpr std::array<std::string_view, relay_type::count> kRelayLabels{"message", "ping", "invalid"};
constexpr std::array<std::string_view, yjs_type::count> kYjsLabels{"subscribe", "unsubscribe", "publish", "ping",
                                                                   "invalid"};

constexpr std::array<std::string_view, socketio_type::count> kSocketIoLabels{"message"};
constexpr std::array<std::string_view, profile_type::count> kProfileLabels{"message", "invalid"};

static_assert(native_type::count <= kMaxMessageTypes && peerjs_type::count <= kMaxMessageTypes &&
              relay_type::count <= kMaxMessageTypes && yjs_type::count <= kMaxMessageTypes);

}  // namespace

std::span<const std::string_view> message_type_labels(Protocol protocol) {
  switch (protocol) {
    case Protocol::native: return kNativeLabels;
    case Protocol::peerjs: return kPeerJsLabels;
    case Protocol::relay: return kRelayLabels;
    case Protocol::yjs: return kYjsLabels;
    case Protocol::socketio: return kSocketIoLabels;
    case Protocol::profile: return kProfileLabels;
  }
  return {};
}

}  // namespace iceway::signaling
