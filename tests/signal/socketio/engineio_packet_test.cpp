// The Engine.IO v4 codec against docs/engine.io-protocol/v4-current.md of the socket.io
// repository: every packet type both ways, the document's examples as vectors, malformed input,
// payload split/join and the maxPayload limit.
#include "signal/socketio/engineio_packet.hpp"

#include <gtest/gtest.h>

#include <array>
#include <vector>

namespace iceway::signaling::socketio {
namespace {

constexpr std::size_t kMax = 1'000'000;

std::vector<EnginePacket> decode_ok(std::string_view body) {
  std::vector<EnginePacket> packets;
  auto decoded = decode_payload(body, kMax, packets);
  EXPECT_TRUE(decoded) << (decoded ? "" : decoded.error().message());
  return packets;
}

EngineCodecError payload_error(std::string_view body, std::size_t max = kMax) {
  std::vector<EnginePacket> packets{EnginePacket{EnginePacketType::noop, Encoding::text, "sentinel"}};
  auto decoded = decode_payload(body, max, packets);
  EXPECT_FALSE(decoded) << body;
  EXPECT_EQ(packets.size(), 1u) << "a failed decode must not leave partial packets";
  return decoded ? EngineCodecError{} : decoded.error();
}

std::string bytes_of(const EnginePacket& packet) {
  std::string out;
  EXPECT_TRUE(append_data_bytes(packet, out));
  return out;
}

TEST(EngineIoPacket, EveryTypeBothWaysAsWebSocketFrame) {
  const struct {
    std::string_view frame;
    EnginePacketType type;
    std::string_view data;
  } cases[] = {
      {R"(0{"sid":"lv_VI97HAXpY6yYWAAAC"})", EnginePacketType::open, R"({"sid":"lv_VI97HAXpY6yYWAAAC"})"},
      {"1", EnginePacketType::close, ""},
      {"2", EnginePacketType::ping, ""},
      {"2probe", EnginePacketType::ping, "probe"},
      {"3", EnginePacketType::pong, ""},
      {"3probe", EnginePacketType::pong, "probe"},
      {"4hello", EnginePacketType::message, "hello"},
      {"4", EnginePacketType::message, ""},
      {"5", EnginePacketType::upgrade, ""},
      {"6", EnginePacketType::noop, ""},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.frame);
    auto decoded = decode_frame(c.frame, false, kMax);
    ASSERT_TRUE(decoded);
    EXPECT_EQ(decoded.value().type, c.type);
    EXPECT_EQ(decoded.value().encoding, Encoding::text);
    EXPECT_EQ(decoded.value().data, c.data);
    std::string encoded;
    ASSERT_TRUE(append_frame(decoded.value(), encoded));
    EXPECT_EQ(encoded, c.frame);
    EXPECT_EQ(frame_size(decoded.value()), c.frame.size());
  }
  EXPECT_EQ(to_string(EnginePacketType::upgrade), "upgrade");
}

TEST(EngineIoPacket, BinaryWebSocketFrameIsAMessageWithNoTypeByte) {
  // v4-current.md "WebSocket": binary payloads are sent as is. A first byte of '1' does not make
  // it a close packet.
  const std::string_view bytes("1\x00\xff", 3);
  auto decoded = decode_frame(bytes, true, kMax);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded.value().type, EnginePacketType::message);
  EXPECT_EQ(decoded.value().encoding, Encoding::binary);
  EXPECT_EQ(decoded.value().data, bytes);
  std::string encoded;
  ASSERT_TRUE(append_frame(decoded.value(), encoded));
  EXPECT_EQ(encoded, bytes);
}

TEST(EngineIoPacket, DocumentPayloadExampleDecodes) {
  // v4-current.md "HTTP long-polling": 4hello\x1e2\x1e4world.
  const auto packets = decode_ok("4hello\x1e" "2\x1e" "4world");
  ASSERT_EQ(packets.size(), 3u);
  EXPECT_EQ(packets[0].type, EnginePacketType::message);
  EXPECT_EQ(packets[0].data, "hello");
  EXPECT_EQ(packets[1].type, EnginePacketType::ping);
  EXPECT_EQ(packets[1].data, "");
  EXPECT_EQ(packets[2].type, EnginePacketType::message);
  EXPECT_EQ(packets[2].data, "world");
}

TEST(EngineIoPacket, DocumentBinaryPayloadExampleBothWays) {
  // v4-current.md: 4hello\x1ebAQIDBA== is "hello" and the buffer <01 02 03 04>.
  const std::string_view body = "4hello\x1e" "bAQIDBA==";
  const auto packets = decode_ok(body);
  ASSERT_EQ(packets.size(), 2u);
  EXPECT_EQ(packets[1].type, EnginePacketType::message);
  EXPECT_EQ(packets[1].encoding, Encoding::base64);
  EXPECT_EQ(bytes_of(packets[1]), std::string("\x01\x02\x03\x04", 4));

  const std::string raw("\x01\x02\x03\x04", 4);
  const std::array<EnginePacket, 2> out{EnginePacket{EnginePacketType::message, Encoding::text, "hello"},
                                        EnginePacket{EnginePacketType::message, Encoding::binary, raw}};
  std::string encoded;
  ASSERT_TRUE(append_payload(out, encoded));
  EXPECT_EQ(encoded, body);
  EXPECT_EQ(payload_size(out), body.size());
  // A base64 packet read from a payload goes back out unchanged, or as raw bytes on a WebSocket.
  std::string again;
  ASSERT_TRUE(append_payload(packets, again));
  EXPECT_EQ(again, body);
  std::string frame;
  ASSERT_TRUE(append_frame(packets[1], frame));
  EXPECT_EQ(frame, raw);
  EXPECT_EQ(frame_size(packets[1]), raw.size());
}

TEST(EngineIoPacket, PayloadJoinThenSplitGivesThePacketsBack) {
  const std::string binary("\x00\x1e\xff", 3);  // a separator byte inside binary data is safe: base64
  const std::vector<std::vector<EnginePacket>> cases{
      {EnginePacket{EnginePacketType::message, Encoding::text, "a"}},
      {EnginePacket{EnginePacketType::ping, Encoding::text, ""}, EnginePacket{EnginePacketType::message, Encoding::text, ""}},
      {EnginePacket{EnginePacketType::message, Encoding::binary, binary},
       EnginePacket{EnginePacketType::message, Encoding::text, R"(2["x",{"y":1}])"},
       EnginePacket{EnginePacketType::noop, Encoding::text, ""}},
  };
  for (const auto& packets : cases) {
    std::string body;
    ASSERT_TRUE(append_payload(packets, body));
    SCOPED_TRACE(body);
    const auto split = decode_ok(body);
    ASSERT_EQ(split.size(), packets.size());
    for (std::size_t i = 0; i < packets.size(); ++i) {
      EXPECT_EQ(split[i].type, packets[i].type);
      EXPECT_EQ(split[i].encoding == Encoding::text, packets[i].encoding == Encoding::text);
      EXPECT_EQ(bytes_of(split[i]), packets[i].data);
    }
  }
}

TEST(EngineIoPacket, EncodeIntoCallerBuffer) {
  const std::array<EnginePacket, 2> packets{EnginePacket{EnginePacketType::message, Encoding::text, "hi"},
                                            EnginePacket{EnginePacketType::ping, Encoding::text, ""}};
  std::array<std::byte, 5> exact{};
  auto written = encode_payload(packets, exact);
  ASSERT_TRUE(written);
  EXPECT_EQ(as_string_view(ByteSpan(exact.data(), written.value())), "4hi\x1e" "2");
  std::array<std::byte, 4> small{};
  auto refused = encode_payload(packets, small);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, EngineError::buffer_too_small);

  std::array<std::byte, 3> frame_buffer{};
  auto frame = encode_frame(packets[0], frame_buffer);
  ASSERT_TRUE(frame);
  EXPECT_EQ(as_string_view(ByteSpan(frame_buffer.data(), frame.value())), "4hi");
  EXPECT_FALSE(encode_frame(packets[0], std::span(frame_buffer).first(2)));
}

TEST(EngineIoPacket, MalformedPayloadsAreRefusedWithWhereAndWhy) {
  const struct {
    std::string_view name;
    std::string_view body;
    EngineError code;
    std::size_t offset;
  } cases[] = {
      {"empty body", "", EngineError::empty_packet, 0},
      {"not a type", "abc", EngineError::unknown_type, 0},
      {"type 7", "7", EngineError::unknown_type, 0},
      {"second packet bad", "4a\x1exyz", EngineError::unknown_type, 3},
      {"empty segment", "4a\x1e\x1e" "4b", EngineError::empty_packet, 3},
      {"trailing separator", "4a\x1e", EngineError::empty_packet, 3},
      {"leading separator", "\x1e" "4a", EngineError::empty_packet, 0},
      {"bad base64", "4a\x1e" "bAQ!DBA==", EngineError::bad_base64, 3},
      {"base64 one char short", "bAQIDB", EngineError::bad_base64, 0},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const EngineCodecError error = payload_error(c.body);
    EXPECT_EQ(error.code, c.code);
    EXPECT_EQ(error.offset, c.offset);
  }
  EXPECT_EQ(payload_error("4a\x1exyz").message(), "unknown packet type (at byte 3)");
}

TEST(EngineIoPacket, MalformedFramesAreRefused) {
  EXPECT_EQ(decode_frame("", false, kMax).error().code, EngineError::empty_packet);
  EXPECT_EQ(decode_frame("abc", false, kMax).error().code, EngineError::unknown_type);
  EXPECT_EQ(decode_frame("bAQID", false, kMax).error().code, EngineError::unknown_type);  // "b" is polling only
}

TEST(EngineIoPacket, MaxPayloadIsInclusive) {
  const std::string at_limit = "4" + std::string(9, 'x');
  std::vector<EnginePacket> packets;
  EXPECT_TRUE(decode_payload(at_limit, 10, packets));
  EXPECT_TRUE(decode_frame(at_limit, false, 10));
  EXPECT_TRUE(decode_frame(at_limit, true, 10));
  const std::string over = at_limit + "x";
  EXPECT_EQ(payload_error(over, 10).code, EngineError::too_large);
  EXPECT_EQ(decode_frame(over, false, 10).error().code, EngineError::too_large);
  EXPECT_EQ(decode_frame(over, true, 10).error().code, EngineError::too_large);
}

TEST(EngineIoPacket, EncoderRefusesWhatTheReceiverWouldMisread) {
  // Text with \x1e would split into two packets at the receiver: refused in a payload, fine in
  // a WebSocket frame, which has its own framing.
  const EnginePacket injected{EnginePacketType::message, Encoding::text, "a\x1e" "1"};
  std::string out;
  auto refused = append_payload(std::span(&injected, 1), out);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, EngineError::record_separator_in_text);
  EXPECT_TRUE(out.empty());
  EXPECT_TRUE(append_frame(injected, out));
  // Binary data that is not a message has no encoding.
  const EnginePacket binary_ping{EnginePacketType::ping, Encoding::binary, "x"};
  EXPECT_EQ(append_frame(binary_ping, out).error().code, EngineError::binary_not_message);
  EXPECT_EQ(append_payload(std::span(&binary_ping, 1), out).error().code, EngineError::binary_not_message);
}

}  // namespace
}  // namespace iceway::signaling::socketio
