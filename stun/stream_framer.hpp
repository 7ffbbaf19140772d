#pragma once
// Finds frame boundaries in a TCP or TLS byte stream that carries STUN messages and
// ChannelData (RFC 8656 §12.5, RFC 8489 §6.2.2). A pure function of the bytes buffered so
// far: the connection calls next_frame(), hands a complete frame to the codec, consumes
// `size` bytes and calls again.
//
// The first byte decides: 0b00xxxxxx is STUN (20 + length), 0b01xxxxxx is ChannelData
// (4 + length, padded to a multiple of 4 on streams). Anything else cannot be resynchronised
// on a stream, so it is an error and the connection should be closed. A STUN header is also
// rejected early for a wrong magic cookie or a length that is not a multiple of 4.
//
// A connection needs a buffer of kMaxStreamFrameSize bytes to hold any valid frame, but it
// grows its buffer with stream_buffer_size(): with the bytes that arrived, never to the
// length a header announces (20 bytes must not pin 64 KiB).
#include <cstddef>
#include <cstdint>

#include "common/bytes.hpp"
#include "stun/channel_data.hpp"
#include "stun/decode_error.hpp"
#include "stun/message.hpp"

namespace iceway::stun {

inline constexpr std::size_t kMaxStreamFrameSize = kMaxMessageSize;  // > 4 + 65535 rounded up
static_assert(kMaxStreamFrameSize >= channel_data_size(0xFFFF, Framing::stream));

enum class FrameKind : std::uint8_t { stun, channel_data };
enum class FrameStatus : std::uint8_t { complete, need_more, invalid };

struct FrameResult {
  FrameStatus status = FrameStatus::need_more;
  FrameKind kind = FrameKind::stun;  // meaningful once the first byte is known
  // complete: the frame's size including padding (consume exactly this many bytes).
  // need_more: the total buffered size at which the next call can make progress.
  std::size_t size = 0;
  DecodeError error;  // invalid: why
};

FrameResult next_frame(ByteSpan buffered);

// The size a connection's read buffer starts at, and returns to once empty: a few of the
// small frames TURN carries (an Allocate, a media packet) fit in it.
inline constexpr std::size_t kStreamBufferInitialSize = 4096;

// The read buffer's size for the next read, given its `current` size, the `buffered` bytes in
// it and `needed`, the size next_frame() asked for (the total at which it can make progress).
// It grows only when it is full of received bytes, doubling up to `needed`, so a buffer is
// never more than twice what the client actually sent; once empty it shrinks back to
// kStreamBufferInitialSize, so one large frame does not pin 64 KiB for the connection's life.
std::size_t stream_buffer_size(std::size_t current, std::size_t buffered, std::size_t needed);

}  // namespace iceway::stun
