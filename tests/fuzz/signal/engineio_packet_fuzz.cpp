// The Engine.IO codec on arbitrary bytes, as a polling body, a text frame and a binary frame.
// Invariants: no crash; a failed decode leaves the output as it was; whatever decodes encodes
// back to the same bytes (the codec keeps views, so it must not lose or invent anything); the
// size functions agree with the encoders; the caller-buffer encoders refuse a buffer one byte
// short; and any bytes sent as a binary message survive the polling payload's base64.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "signal/socketio/engineio_packet.hpp"

namespace {

void check(bool ok) {
  if (!ok) __builtin_trap();
}

using namespace iceway::signaling::socketio;

void check_buffer_encoders(const std::vector<EnginePacket>& packets, const std::string& expected) {
  std::vector<std::byte> buffer(expected.size());
  auto written = encode_payload(packets, buffer);
  check(written && written.value() == expected.size());
  check(std::string_view(reinterpret_cast<const char*>(buffer.data()), buffer.size()) == expected);
  if (!expected.empty()) check(!encode_payload(packets, std::span(buffer).first(expected.size() - 1)));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t max_payload = 4096;

  std::vector<EnginePacket> packets{EnginePacket{EnginePacketType::noop, Encoding::text, "sentinel"}};
  auto decoded = decode_payload(input, max_payload, packets);
  if (!decoded) {
    check(packets.size() == 1);
    check(!decoded.error().message().empty());
  } else {
    packets.erase(packets.begin());
    check(decoded.value() == packets.size());
    std::string body;
    check(static_cast<bool>(append_payload(packets, body)));
    check(body == input);
    check(payload_size(packets) == body.size());
    check_buffer_encoders(packets, body);
    for (const EnginePacket& packet : packets) {
      std::string bytes;
      check(append_data_bytes(packet, bytes));
      std::string frame;
      check(static_cast<bool>(append_frame(packet, frame)));
      check(frame.size() == frame_size(packet));
    }
  }

  for (const bool binary : {false, true}) {
    auto frame = decode_frame(input, binary, max_payload);
    check(static_cast<bool>(frame) == (size <= max_payload && (binary || (size > 0 && input[0] >= '0' && input[0] <= '6'))));
    if (!frame) continue;
    std::string encoded;
    check(static_cast<bool>(append_frame(frame.value(), encoded)));
    check(encoded == input);
  }

  // Arbitrary bytes as a binary message: base64 in a payload, and back.
  const EnginePacket message{EnginePacketType::message, Encoding::binary, input};
  std::string body;
  check(static_cast<bool>(append_payload(std::span(&message, 1), body)));
  std::vector<EnginePacket> again;
  check(static_cast<bool>(decode_payload(body, body.size(), again)));
  check(again.size() == 1);
  std::string bytes;
  check(append_data_bytes(again[0], bytes));
  check(bytes == input);
  return 0;
}
