#include "signal/socketio/engineio_packet.hpp"

#include <array>
#include <cstring>

#include "signal/socketio/base64.hpp"

namespace iceway::signaling::socketio {
namespace {

constexpr std::array<std::string_view, 7> kTypeNames{"open", "close", "ping", "pong", "message", "upgrade", "noop"};

EngineCodecError error_at(EngineError code, std::size_t offset) { return EngineCodecError{code, offset}; }

// Decoded size of validated base64 text (padding optional).
std::size_t base64_decoded_size(std::string_view text) {
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  return text.size() / 4 * 3 + (text.size() % 4 == 0 ? 0 : text.size() % 4 - 1);
}

bool is_binary(const EnginePacket& packet) { return packet.encoding != Encoding::text; }

char type_digit(EnginePacketType type) { return static_cast<char>('0' + static_cast<int>(type)); }

// One packet of a polling body, or one text frame: a type digit and its data.
Result<EnginePacket, EngineCodecError> decode_text_packet(std::string_view text, std::size_t offset) {
  if (text.empty()) return error_at(EngineError::empty_packet, offset);
  const char first = text.front();
  if (first < '0' || first > '6') return error_at(EngineError::unknown_type, offset);
  return EnginePacket{static_cast<EnginePacketType>(first - '0'), Encoding::text, text.substr(1)};
}

Result<std::size_t, EngineCodecError> check_encodable(std::span<const EnginePacket> packets, bool for_payload) {
  std::size_t index = 0;
  for (const EnginePacket& packet : packets) {
    if (is_binary(packet) && packet.type != EnginePacketType::message) return error_at(EngineError::binary_not_message, index);
    if (for_payload && !is_binary(packet) && packet.data.find(kRecordSeparator) != std::string_view::npos) {
      return error_at(EngineError::record_separator_in_text, index);
    }
    ++index;
  }
  return success(index);
}

char* write_text(std::string_view text, char* out) {
  if (!text.empty()) std::memcpy(out, text.data(), text.size());
  return out + text.size();
}

// Writes exactly payload_size(packets) characters; the packets have passed check_encodable.
void write_payload(std::span<const EnginePacket> packets, char* out) {
  bool first = true;
  for (const EnginePacket& packet : packets) {
    if (!first) *out++ = kRecordSeparator;
    first = false;
    switch (packet.encoding) {
      case Encoding::text:
        *out++ = type_digit(packet.type);
        out = write_text(packet.data, out);
        break;
      case Encoding::binary:
        *out++ = 'b';
        write_base64(as_byte_span(packet.data), out);
        out += base64_encoded_size(packet.data.size());
        break;
      case Encoding::base64:
        *out++ = 'b';
        out = write_text(packet.data, out);
        break;
    }
  }
}

// Writes exactly frame_size(packet) characters.
void write_frame(const EnginePacket& packet, char* out) {
  switch (packet.encoding) {
    case Encoding::text:
      *out++ = type_digit(packet.type);
      write_text(packet.data, out);
      break;
    case Encoding::binary: write_text(packet.data, out); break;
    case Encoding::base64: {
      // Only a binary message that came in by polling and leaves by WebSocket takes this path;
      // the base64 text was validated when it was decoded.
      std::string bytes;
      append_base64_decoded(packet.data, bytes);
      write_text(bytes, out);
      break;
    }
  }
}

}  // namespace

std::string_view to_string(EnginePacketType type) { return kTypeNames[static_cast<std::size_t>(type)]; }

std::string_view to_string(EngineError error) {
  switch (error) {
    case EngineError::empty_packet: return "empty packet";
    case EngineError::unknown_type: return "unknown packet type";
    case EngineError::bad_base64: return "binary packet is not valid base64";
    case EngineError::too_large: return "payload larger than maxPayload";
    case EngineError::record_separator_in_text: return "text packet contains the record separator \\x1e";
    case EngineError::binary_not_message: return "only message packets carry binary data";
    case EngineError::buffer_too_small: return "buffer too small";
  }
  return "unknown error";
}

std::string EngineCodecError::message() const {
  std::string text(to_string(code));
  text += code == EngineError::record_separator_in_text || code == EngineError::binary_not_message ? " (packet "
                                                                                                    : " (at byte ";
  text += std::to_string(offset);
  text += ')';
  return text;
}

Result<EnginePacket, EngineCodecError> decode_frame(std::string_view frame, bool binary, std::size_t max_payload) {
  if (frame.size() > max_payload) return error_at(EngineError::too_large, max_payload);
  if (binary) return EnginePacket{EnginePacketType::message, Encoding::binary, frame};
  return decode_text_packet(frame, 0);
}

Result<std::size_t, EngineCodecError> decode_payload(std::string_view body, std::size_t max_payload,
                                               std::vector<EnginePacket>& out) {
  if (body.size() > max_payload) return error_at(EngineError::too_large, max_payload);
  const std::size_t original = out.size();
  std::size_t offset = 0;
  while (true) {
    const std::size_t end = body.find(kRecordSeparator, offset);
    const std::string_view segment = body.substr(offset, end == std::string_view::npos ? body.npos : end - offset);
    if (!segment.empty() && segment.front() == 'b') {
      // v4: binary data in a polling payload is always "b" + base64 (v4-current.md, "HTTP long-polling").
      std::string scratch;
      if (!append_base64_decoded(segment.substr(1), scratch)) {
        out.resize(original);
        return error_at(EngineError::bad_base64, offset);
      }
      out.push_back(EnginePacket{EnginePacketType::message, Encoding::base64, segment.substr(1)});
    } else {
      auto packet = decode_text_packet(segment, offset);
      if (!packet) {
        out.resize(original);
        return packet.error();
      }
      out.push_back(packet.value());
    }
    if (end == std::string_view::npos) break;
    offset = end + 1;
  }
  return success(out.size() - original);
}

bool append_data_bytes(const EnginePacket& packet, std::string& out) {
  if (packet.encoding == Encoding::base64) return append_base64_decoded(packet.data, out);
  out.append(packet.data);
  return true;
}

std::size_t frame_size(const EnginePacket& packet) {
  switch (packet.encoding) {
    case Encoding::text: return 1 + packet.data.size();
    case Encoding::binary: return packet.data.size();
    case Encoding::base64: return base64_decoded_size(packet.data);
  }
  return 0;
}

std::size_t payload_size(std::span<const EnginePacket> packets) {
  std::size_t size = packets.empty() ? 0 : packets.size() - 1;  // separators
  for (const EnginePacket& packet : packets) {
    switch (packet.encoding) {
      case Encoding::text: size += 1 + packet.data.size(); break;
      case Encoding::binary: size += 1 + base64_encoded_size(packet.data.size()); break;
      case Encoding::base64: size += 1 + packet.data.size(); break;
    }
  }
  return size;
}

Result<std::size_t, EngineCodecError> encode_frame(const EnginePacket& packet, MutableByteSpan out) {
  if (auto checked = check_encodable(std::span(&packet, 1), false); !checked) return checked.error();
  const std::size_t size = frame_size(packet);
  if (size > out.size()) return error_at(EngineError::buffer_too_small, 0);
  write_frame(packet, reinterpret_cast<char*>(out.data()));
  return success(size);
}

Result<std::size_t, EngineCodecError> append_frame(const EnginePacket& packet, std::string& out) {
  if (auto checked = check_encodable(std::span(&packet, 1), false); !checked) return checked.error();
  const std::size_t size = frame_size(packet);
  const std::size_t before = out.size();
  out.resize(before + size);
  write_frame(packet, out.data() + before);
  return success(size);
}

Result<std::size_t, EngineCodecError> encode_payload(std::span<const EnginePacket> packets, MutableByteSpan out) {
  if (auto checked = check_encodable(packets, true); !checked) return checked.error();
  const std::size_t size = payload_size(packets);
  if (size > out.size()) return error_at(EngineError::buffer_too_small, 0);
  write_payload(packets, reinterpret_cast<char*>(out.data()));
  return success(size);
}

Result<std::size_t, EngineCodecError> append_payload(std::span<const EnginePacket> packets, std::string& out) {
  if (auto checked = check_encodable(packets, true); !checked) return checked.error();
  const std::size_t size = payload_size(packets);
  const std::size_t before = out.size();
  out.resize(before + size);
  write_payload(packets, out.data() + before);
  return success(size);
}

}  // namespace iceway::signaling::socketio
