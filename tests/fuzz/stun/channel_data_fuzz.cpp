// parse_channel_data and encode_channel_data: what parses re-encodes to the same leading
// bytes (datagram) and, padded for a stream, parses to the same channel and data.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "stun/channel_data.hpp"
#include "stun/message.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace iceway;
  using namespace iceway::stun;
  const ByteSpan input(reinterpret_cast<const std::byte*>(data), size);
  auto parsed = parse_channel_data(input);
  if (!parsed) {
    (void)parsed.error().to_string();
    return 0;
  }
  if (!looks_like_channel_data(input)) __builtin_trap();
  const ChannelDataView& frame = parsed.value();
  if (frame.data.data() < input.data() || frame.data.data() + frame.data.size() > input.data() + input.size()) {
    __builtin_trap();
  }
  for (Framing framing : {Framing::datagram, Framing::stream}) {
    std::vector<std::byte> out(channel_data_size(frame.data.size(), framing));
    auto encoded = encode_channel_data(out, frame.channel_number, frame.data, framing);
    if (!encoded || encoded.value().size() != out.size()) __builtin_trap();
    const std::size_t prefix = kChannelDataHeaderSize + frame.data.size();
    if (std::memcmp(encoded.value().data(), input.data(), prefix) != 0) __builtin_trap();
    auto again = parse_channel_data(encoded.value());
    if (!again || again.value().channel_number != frame.channel_number ||
        again.value().data.size() != frame.data.size()) {
      __builtin_trap();
    }
  }
  return 0;
}
