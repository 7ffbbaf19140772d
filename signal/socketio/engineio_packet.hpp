#pragma once
// The Engine.IO v4 packet codec (socket.io repository, docs/engine.io-protocol/v4-current.md,
// "Protocol" and "EnginePacket encoding"). Pure functions over text: no I/O, no clock, no logs.
//
// On a WebSocket each packet is one frame: a text frame is the type digit then the data
// ("4hello"), a binary frame is a message packet's raw bytes with no type at all. In an HTTP
// long-polling body several packets are joined by the record separator \x1e, and a binary
// message is written "b" + base64 ("4hello\x1ebAQIDBA==").
//
// Decoded packets are views into the caller's text and stay valid as long as it does.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.hpp"
#include "common/result.hpp"

namespace iceway::signaling::socketio {

enum class EnginePacketType : std::uint8_t { open = 0, close = 1, ping = 2, pong = 3, message = 4, upgrade = 5, noop = 6 };

std::string_view to_string(EnginePacketType type);

// How a packet's data is carried.
enum class Encoding : std::uint8_t {
  text,    // UTF-8 text after the type digit
  binary,  // raw bytes: a WebSocket binary frame (always a message)
  base64,  // a binary message read from a polling body: `data` is its validated base64 text,
           // decode_binary() gives the bytes
};

struct EnginePacket {
  EnginePacketType type = EnginePacketType::message;
  Encoding encoding = Encoding::text;
  std::string_view data;
};

// The record separator that joins packets in a polling payload.
inline constexpr char kRecordSeparator = '\x1e';

enum class EngineError : std::uint8_t {
  empty_packet,              // a frame or a payload segment with no type digit
  unknown_type,              // the first character is not '0'..'6' (nor 'b' in a payload)
  bad_base64,                // "b" followed by text that is not base64
  too_large,                 // over max_payload bytes
  record_separator_in_text,  // text with \x1e cannot go into a polling payload: the receiver
                             // would split it into packets the sender never wrote
  binary_not_message,        // only message packets can carry binary data
  buffer_too_small,          // the caller's buffer cannot hold the encoding
};

std::string_view to_string(EngineError error);

struct EngineCodecError {
  EngineError code = EngineError::empty_packet;
  std::size_t offset = 0;  // byte offset in the input (decode) or index of the packet (encode)

  // "unknown packet type at byte 6", for logs and HTTP 400 bodies.
  std::string message() const;
  friend bool operator==(const EngineCodecError&, const EngineCodecError&) = default;
};

// One WebSocket frame. `binary` is the frame's opcode; a binary frame is a message whatever its
// first byte is. Frames larger than max_payload are refused before anything else is read.
Result<EnginePacket, EngineCodecError> decode_frame(std::string_view frame, bool binary, std::size_t max_payload);

// A polling body (an HTTP POST from the client). The packets are appended to `out` in order;
// on error `out` holds what it held before. A body over max_payload is refused whole.
Result<std::size_t, EngineCodecError> decode_payload(std::string_view body, std::size_t max_payload,
                                               std::vector<EnginePacket>& out);

// The bytes of a binary message whatever its encoding (text data is returned as is).
// Appends to `out`; false only if base64 data does not decode, which decode_payload has ruled out.
bool append_data_bytes(const EnginePacket& packet, std::string& out);

// Sizes of the encodings below, so a caller can size its buffer.
std::size_t frame_size(const EnginePacket& packet);
std::size_t payload_size(std::span<const EnginePacket> packets);

// One packet as a WebSocket frame: text frames get the type digit, binary frames are the data.
// Whether to send it as a text or a binary frame is packet.encoding.
Result<std::size_t, EngineCodecError> encode_frame(const EnginePacket& packet, MutableByteSpan out);
Result<std::size_t, EngineCodecError> append_frame(const EnginePacket& packet, std::string& out);

// Packets as one polling body, joined by \x1e, binary data as "b" + base64.
Result<std::size_t, EngineCodecError> encode_payload(std::span<const EnginePacket> packets, MutableByteSpan out);
Result<std::size_t, EngineCodecError> append_payload(std::span<const EnginePacket> packets, std::string& out);

}  // namespace iceway::signaling::socketio
