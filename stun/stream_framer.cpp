#include "stun/stream_framer.hpp"

#include <algorithm>

namespace iceway::stun {

namespace {

FrameResult need(FrameKind kind, std::size_t total) { return {FrameStatus::need_more, kind, total, {}}; }
FrameResult invalid(FrameKind kind, DecodeError error) { return {FrameStatus::invalid, kind, 0, error}; }

FrameResult frame_or_need(FrameKind kind, std::size_t frame_size, std::size_t buffered) {
  if (buffered < frame_size) return need(kind, frame_size);
  return {FrameStatus::complete, kind, frame_size, {}};
}

}  // namespace

FrameResult next_frame(ByteSpan buffered) {
  // Smallest header of either kind: wait for it before deciding anything.
  if (buffered.empty()) return need(FrameKind::stun, kChannelDataHeaderSize);
  const unsigned first = std::to_integer<unsigned>(buffered[0]);
  switch (first & 0xC0u) {
    case 0x40u: {
      // RFC 8656 §12.5: over a stream the frame is padded to a multiple of 4.
      if (buffered.size() < kChannelDataHeaderSize) return need(FrameKind::channel_data, kChannelDataHeaderSize);
      const std::size_t length = load_u16(buffered.data() + 2);
      return frame_or_need(FrameKind::channel_data, channel_data_size(length, Framing::stream), buffered.size());
    }
    case 0x00u: {
      if (buffered.size() >= 4) {
        const std::size_t length = load_u16(buffered.data() + 2);
        if (length % 4 != 0) {
          return invalid(FrameKind::stun, message_error(DecodeReason::length_not_multiple_of_4, 2,
                                                        static_cast<std::uint32_t>(length)));
        }
      }
      if (buffered.size() >= 8) {
        const std::uint32_t cookie = load_u32(buffered.data() + 4);
        if (cookie != kMagicCookie) return invalid(FrameKind::stun, message_error(DecodeReason::no_magic_cookie, 4, cookie));
      }
      if (buffered.size() < kHeaderSize) return need(FrameKind::stun, kHeaderSize);
      return frame_or_need(FrameKind::stun, kHeaderSize + load_u16(buffered.data() + 2), buffered.size());
    }
    default:
      return invalid(FrameKind::stun, message_error(DecodeReason::not_stun, 0, first));
  }
}

std::size_t stream_buffer_size(std::size_t current, std::size_t buffered, std::size_t needed) {
  if (buffered == 0) return kStreamBufferInitialSize;
  if (buffered < current || needed <= current) return current;
  return std::min({current * 2, needed, kMaxStreamFrameSize});
}

}  // namespace iceway::stun
