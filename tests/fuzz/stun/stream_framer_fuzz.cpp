// next_frame over a byte stream: the frames found do not depend on how the stream is split
// (all at once, byte by byte, or in chunks sized by the input itself); every complete frame
// fits the buffer; need_more asks for more than is buffered; frames decode as their kind says;
// the read buffer grows only with the bytes received (stream_buffer_size).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "stun/channel_data.hpp"
#include "stun/message.hpp"
#include "stun/stream_framer.hpp"

namespace {

using namespace iceway;
using namespace iceway::stun;

void check(bool condition) {
  if (!condition) __builtin_trap();
}

struct Outcome {
  std::vector<std::size_t> frame_sizes;
  bool failed = false;
};

// What a connection does: reads at most the free space of its buffer, whose size follows
// stream_buffer_size(); that size never exceeds twice the bytes received since the buffer was
// last empty (or the initial size), and a full buffer always grows while a frame is
// incomplete, so reading progresses.
Outcome feed(ByteSpan stream, std::size_t chunk) {
  Outcome outcome;
  std::vector<std::byte> buffer;
  std::size_t capacity = kStreamBufferInitialSize;
  std::size_t received_since_empty = 0;
  for (std::size_t offset = 0; offset < stream.size();) {
    const std::size_t room = capacity - buffer.size();
    check(room > 0);
    const ByteSpan piece = stream.subspan(offset, std::min({chunk, stream.size() - offset, room}));
    offset += piece.size();
    received_since_empty += piece.size();
    buffer.insert(buffer.end(), piece.begin(), piece.end());
    std::size_t needed = 0;
    for (;;) {
      const FrameResult result = next_frame(buffer);
      if (result.status == FrameStatus::invalid) {
        outcome.failed = true;
        return outcome;
      }
      if (result.status == FrameStatus::need_more) {
        check(result.size > buffer.size());
        check(result.size <= kMaxStreamFrameSize);
        needed = result.size;
        break;
      }
      check(result.size >= kChannelDataHeaderSize && result.size <= buffer.size());
      const ByteSpan frame(buffer.data(), result.size);
      if (result.kind == FrameKind::channel_data) {
        check(frame.size() % 4 == 0);
        check(parse_channel_data(frame).has_value());
      } else {
        check(looks_like_stun(frame));
        (void)MessageView::parse(frame);
      }
      outcome.frame_sizes.push_back(result.size);
      buffer.erase(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(result.size));
    }
    capacity = stream_buffer_size(capacity, buffer.size(), needed);
    check(capacity > buffer.size());
    check(capacity <= std::max(kStreamBufferInitialSize, 2 * received_since_empty));
    if (buffer.empty()) received_since_empty = 0;
    check(capacity <= kMaxStreamFrameSize);
  }
  return outcome;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const ByteSpan stream(reinterpret_cast<const std::byte*>(data), size);
  const Outcome whole = feed(stream, size == 0 ? 1 : size);
  const Outcome bytewise = feed(stream, 1);
  const std::size_t chunk = size == 0 ? 1 : 1 + data[0] % 64;
  const Outcome chunked = feed(stream, chunk);
  check(whole.frame_sizes == bytewise.frame_sizes && whole.failed == bytewise.failed);
  check(whole.frame_sizes == chunked.frame_sizes && whole.failed == chunked.failed);
  return 0;
}
