// The Socket.IO codec on arbitrary text. Invariants: no crash and no recursion at any depth;
// the simdjson fast path and nlohmann alone decide alike (the same packet or the same error);
// what nlohmann refuses as JSON is refused; a decoded packet encodes to text that decodes to
// the same packet; and the raw-text splices a relay makes (an event's name and arguments, an
// ack's arguments) rebuild exactly the array that was sent, key order included.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "signal/socketio/socketio_packet.hpp"

namespace {

void check(bool ok) {
  if (!ok) __builtin_trap();
}

using namespace iceway::signaling::socketio;
using Ordered = nlohmann::ordered_json;

bool same(const SocketPacket& a, const SocketPacket& b) {
  return a.type == b.type && a.nsp == b.nsp && a.ack_id == b.ack_id && a.attachments == b.attachments &&
         a.data == b.data && a.event_name == b.event_name && a.arguments == b.arguments;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  SocketLimits limits;
  limits.max_json_depth = 16;
  limits.max_attachments = 4;
  auto decoded = decode_socket_packet(text, limits);
  // The simdjson fast path decides as nlohmann alone does: the same packet or the same error.
  const auto exact = decode_socket_packet_exact(text, limits);
  check(static_cast<bool>(decoded) == static_cast<bool>(exact));
  if (decoded) check(same(decoded.value(), exact.value()));
  else check(decoded.error() == exact.error());
  if (!decoded) {
    check(!decoded.error().message().empty());
    check(decoded.error().offset <= size);
    return 0;
  }
  const SocketPacket& packet = decoded.value();
  check(packet.attachments <= limits.max_attachments);
  check(!packet.ack_id || *packet.ack_id <= kMaxAckId);
  check(!packet.nsp.empty() && packet.nsp.front() == '/');

  // Whatever the decoder took, a real JSON parser takes too.
  Ordered payload;
  if (!packet.data.empty()) {
    payload = Ordered::parse(packet.data, nullptr, false);
    check(!payload.is_discarded());
  }

  // Encoding is stable: decode(encode(p)) == p (the encoding itself may differ from the input
  // in spelling: "0/," names the main namespace, an ack id may have had leading zeros).
  if (packet.nsp.find(',') == std::string_view::npos) {
    std::string encoded;
    check(static_cast<bool>(append_socket_packet(packet, encoded)));
    auto again = decode_socket_packet(encoded, limits);
    check(static_cast<bool>(again));
    check(same(again.value(), packet));
  }

  if (packet.type == SocketPacketType::event || packet.type == SocketPacketType::binary_event) {
    check(payload.is_array() && !payload.empty() && payload[0].is_string());
    check(payload[0].get<std::string>() == packet.event_name);
    std::string rebuilt;
    append_event_array(packet.event_name, packet.arguments, rebuilt);
    check(Ordered::parse(rebuilt, nullptr, false) == payload);
  } else if (packet.type == SocketPacketType::ack || packet.type == SocketPacketType::binary_ack) {
    check(payload.is_array());
    const std::string rebuilt = "[" + std::string(packet.arguments) + "]";
    check(Ordered::parse(rebuilt, nullptr, false) == payload);
  }
  return 0;
}
