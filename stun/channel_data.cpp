#include "stun/channel_data.hpp"

#include <cstring>

namespace iceway::stun {

Result<ChannelDataView, DecodeError> parse_channel_data(ByteSpan bytes) {
  if (bytes.size() < kChannelDataHeaderSize) {
    return failure(message_error(DecodeReason::too_short, 0, static_cast<std::uint32_t>(bytes.size())));
  }
  const std::uint16_t channel_number = load_u16(bytes.data());
  if (channel_number < kMinChannelNumber || channel_number > kMaxLegacyChannelNumber) {
    return failure(message_error(DecodeReason::bad_channel_number, 0, channel_number));
  }
  const std::size_t length = load_u16(bytes.data() + 2);
  // RFC 8656 §12.4: a datagram shorter than 4 + length is discarded.
  if (bytes.size() - kChannelDataHeaderSize < length) {
    return failure(message_error(DecodeReason::channel_data_truncated, 2, static_cast<std::uint32_t>(length)));
  }
  return ChannelDataView{channel_number, bytes.subspan(kChannelDataHeaderSize, length)};
}

void write_channel_data_header(std::span<std::byte, kChannelDataHeaderSize> out, std::uint16_t channel_number,
                               std::uint16_t data_size) {
  store_u16(out.data(), channel_number);
  store_u16(out.data() + 2, data_size);
}

Result<ByteSpan, BuildError> encode_channel_data(MutableByteSpan out, std::uint16_t channel_number, ByteSpan data,
                                                 Framing framing) {
  if (channel_number < kMinChannelNumber || channel_number > kMaxLegacyChannelNumber) {
    return failure(BuildError{BuildErrorReason::invalid_value, AttributeType::channel_number});
  }
  if (data.size() > 0xFFFF) return failure(BuildError{BuildErrorReason::value_too_long, AttributeType::data});
  const std::size_t size = channel_data_size(data.size(), framing);
  if (out.size() < size) return failure(BuildError{BuildErrorReason::buffer_too_small, AttributeType::data});
  write_channel_data_header(out.first<kChannelDataHeaderSize>(), channel_number,
                            static_cast<std::uint16_t>(data.size()));
  if (!data.empty()) std::memcpy(out.data() + kChannelDataHeaderSize, data.data(), data.size());
  std::memset(out.data() + kChannelDataHeaderSize + data.size(), 0, size - kChannelDataHeaderSize - data.size());
  return ByteSpan(out.data(), size);
}

}  // namespace iceway::stun
