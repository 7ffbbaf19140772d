#pragma once
// ChannelData framing (RFC 8656 §12.4): a 4-byte header (channel number, data length) and
// the application data, without STUN's 20-byte header. This is the relay's hot path, so
// nothing here allocates or copies more than the caller asks for.
//
// Channel numbers: RFC 8656 §12 gives channels 0x4000-0x4FFF, and ChannelBind must refuse
// others (is_bindable_channel_number). RFC 5766 allowed up to 0x7FFF, so decoding accepts
// 0x4000-0x7FFF for compatibility; a number we never bound is dropped by the allocation's
// channel lookup anyway.
//
// Padding: over TCP and TLS a frame is padded to a multiple of 4 bytes (RFC 8656 §12.5), and
// the stream framer (stun/stream_framer.hpp) counts the padding. Over UDP padding is optional,
// so a datagram may end right after the data or carry the padding; decoding ignores any
// bytes after the data (RFC 8656 §12.4 only requires the datagram to hold 4 + length).
#include <cstddef>
#include <cstdint>
#include <span>

#include "common/bytes.hpp"
#include "common/result.hpp"
#include "stun/decode_error.hpp"
#include "stun/message_builder.hpp"

namespace iceway::stun {

inline constexpr std::size_t kChannelDataHeaderSize = 4;
inline constexpr std::uint16_t kMinChannelNumber = 0x4000;
inline constexpr std::uint16_t kMaxChannelNumber = 0x4FFF;        // RFC 8656 §12
inline constexpr std::uint16_t kMaxLegacyChannelNumber = 0x7FFF;  // RFC 5766 §11

// RFC 8656 §11.2: what ChannelBind accepts (others get 400).
constexpr bool is_bindable_channel_number(std::uint16_t number) {
  return number >= kMinChannelNumber && number <= kMaxChannelNumber;
}

// Whether frames on this transport carry padding (stream) or not (datagram).
enum class Framing : std::uint8_t { datagram, stream };

// A decoded frame; `data` is a view into the caller's buffer, valid until it is reused.
struct ChannelDataView {
  std::uint16_t channel_number = 0;
  ByteSpan data;
};

// Checks the channel number (0x4000-0x7FFF) and that the data fits; ignores trailing bytes.
Result<ChannelDataView, DecodeError> parse_channel_data(ByteSpan bytes);

// Bytes a frame of `data_size` bytes takes: 4 + data, rounded up to 4 on streams.
constexpr std::size_t channel_data_size(std::size_t data_size, Framing framing) {
  const std::size_t size = kChannelDataHeaderSize + data_size;
  return framing == Framing::stream ? (size + 3) & ~std::size_t{3} : size;
}

// Writes only the 4-byte header, for a relay that received the data right behind it.
void write_channel_data_header(std::span<std::byte, kChannelDataHeaderSize> out, std::uint16_t channel_number,
                               std::uint16_t data_size);

// Writes a whole frame (header, a copy of `data`, zero padding on streams) into `out`.
// Fails when `out` is too small, `data` exceeds 65535 bytes (the length field is 16 bits) or
// the channel number is outside 0x4000-0x7FFF.
Result<ByteSpan, BuildError> encode_channel_data(MutableByteSpan out, std::uint16_t channel_number, ByteSpan data,
                                                 Framing framing);

}  // namespace iceway::stun
