// next_frame over a byte stream: the frames found do not depend on how the stream is split
// (all at once, byte by byte, or in chunks sized by the input itself); every complete frame
// fits the buffer; need_more asks for more than is buffered; frames decode as their kind says.
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

Outcome feed(ByteSpan stream, std::size_t chunk) {
  Outcome outcome;
  std::vector<std::byte> buffer;
  for (std::size_t offset = 0; offset < stream.size(); offset += chunk) {
    const ByteSpan piece = stream.subspan(offset, std::min(chunk, stream.size() - offset));
    buffer.insert(buffer.end(), piece.begin(), piece.end());
    for (;;) {
      const FrameResult result = next_frame(buffer);
      if (result.status == FrameStatus::invalid) {
        outcome.failed = true;
        return outcome;
      }
      if (result.status == FrameStatus::need_more) {
        check(result.size > buffer.size());
        check(result.size <= kMaxStreamFrameSize);
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
