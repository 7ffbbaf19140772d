#include "stun/channel_data.hpp"

#include <gtest/gtest.h>

#include <array>
#include <vector>

#include "test_support.hpp"

namespace iceway::stun {
namespace {

using test::bytes_of;
using test::hex_of;

TEST(ChannelData, ParsesChannelNumberAndData) {
  struct Case {
    const char* name;
    std::string_view hex;
    std::uint16_t channel;
    std::string_view data_hex;
  };
  const Case cases[] = {
      {"unpadded (UDP)", "4001 0005 68656c6c6f", 0x4001, "68656c6c6f"},
      {"padded (UDP may pad too)", "4001 0005 68656c6c6f 000000", 0x4001, "68656c6c6f"},
      {"empty data", "4000 0000", 0x4000, ""},
      {"last RFC 8656 channel", "4fff 0001 ff", 0x4fff, "ff"},
      {"last RFC 5766 channel", "7fff 0001 ff", 0x7fff, "ff"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const auto bytes = bytes_of(c.hex);
    auto parsed = parse_channel_data(bytes);
    ASSERT_TRUE(parsed) << parsed.error().to_string();
    EXPECT_EQ(parsed.value().channel_number, c.channel);
    EXPECT_EQ(hex_of(parsed.value().data), hex_of(bytes_of(c.data_hex)));
  }
}

TEST(ChannelData, RejectsWhatIsNotAWholeFrame) {
  struct Case {
    const char* name;
    std::string_view hex;
    DecodeReason reason;
    std::uint32_t detail;
  };
  const Case cases[] = {
      {"empty", "", DecodeReason::too_short, 0},
      {"3 bytes", "400100", DecodeReason::too_short, 3},
      {"channel below 0x4000", "3fff 0000", DecodeReason::bad_channel_number, 0x3fff},
      {"channel 0x8000", "8000 0000", DecodeReason::bad_channel_number, 0x8000},
      {"data cut short", "4001 0005 68656c6c", DecodeReason::channel_data_truncated, 5},
      {"length past the datagram", "4001 ffff 00", DecodeReason::channel_data_truncated, 0xffff},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const auto bytes = bytes_of(c.hex);
    auto parsed = parse_channel_data(bytes);
    ASSERT_FALSE(parsed);
    EXPECT_EQ(to_string(parsed.error().reason), to_string(c.reason));
    EXPECT_EQ(parsed.error().detail, c.detail);
  }
}

TEST(ChannelData, BindableNumbersAreRfc8656Range) {
  EXPECT_FALSE(is_bindable_channel_number(0x3fff));
  EXPECT_TRUE(is_bindable_channel_number(0x4000));
  EXPECT_TRUE(is_bindable_channel_number(0x4fff));
  EXPECT_FALSE(is_bindable_channel_number(0x5000));
  EXPECT_FALSE(is_bindable_channel_number(0x7fff));
}

TEST(ChannelData, EncodesWithPaddingOnlyOnStreams) {
  const auto data = bytes_of("68656c6c6f");
  std::array<std::byte, 32> buffer{};
  buffer.fill(std::byte{0xEE});
  auto datagram = encode_channel_data(buffer, 0x4001, data, Framing::datagram);
  ASSERT_TRUE(datagram);
  EXPECT_EQ(hex_of(datagram.value()), "4001000568656c6c6f");
  auto stream = encode_channel_data(buffer, 0x4001, data, Framing::stream);
  ASSERT_TRUE(stream);
  EXPECT_EQ(hex_of(stream.value()), "4001000568656c6c6f000000");
  EXPECT_EQ(channel_data_size(5, Framing::datagram), 9u);
  EXPECT_EQ(channel_data_size(5, Framing::stream), 12u);
  EXPECT_EQ(channel_data_size(0, Framing::stream), 4u);
  EXPECT_EQ(channel_data_size(8, Framing::stream), 12u);
}

TEST(ChannelData, EncodeRefusesSmallBuffersBadChannelsAndHugeData) {
  const auto data = bytes_of("68656c6c6f");
  std::array<std::byte, 11> small{};
  auto too_small = encode_channel_data(small, 0x4001, data, Framing::stream);
  ASSERT_FALSE(too_small);
  EXPECT_EQ(too_small.error().reason, BuildErrorReason::buffer_too_small);
  EXPECT_TRUE(encode_channel_data(small, 0x4001, data, Framing::datagram));

  std::array<std::byte, 16> buffer{};
  auto bad_channel = encode_channel_data(buffer, 0x3fff, data, Framing::datagram);
  ASSERT_FALSE(bad_channel);
  EXPECT_EQ(bad_channel.error().reason, BuildErrorReason::invalid_value);

  std::vector<std::byte> huge(0x10000);
  std::vector<std::byte> out(0x10010);
  auto too_long = encode_channel_data(out, 0x4001, huge, Framing::datagram);
  ASSERT_FALSE(too_long);
  EXPECT_EQ(too_long.error().reason, BuildErrorReason::value_too_long);
}

TEST(ChannelData, HeaderWriterFillsFourBytesInFrontOfData) {
  std::array<std::byte, 9> frame{};
  frame[4] = std::byte{'h'};
  write_channel_data_header(std::span<std::byte, 4>(frame.data(), 4), 0x4abc, 5);
  EXPECT_EQ(hex_of(ByteSpan(frame).first(4)), "4abc0005");
}

TEST(ChannelData, EncodedFramesParseBack) {
  std::vector<std::byte> data(1000);
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = std::byte(i * 7);
  std::vector<std::byte> buffer(1100);
  for (std::size_t size : {0u, 1u, 2u, 3u, 4u, 999u, 1000u}) {
    for (Framing framing : {Framing::datagram, Framing::stream}) {
      SCOPED_TRACE(size);
      auto frame = encode_channel_data(buffer, 0x4123, ByteSpan(data).first(size), framing);
      ASSERT_TRUE(frame);
      EXPECT_EQ(frame.value().size() % 4 == 0, framing == Framing::stream || (size + 4) % 4 == 0);
      auto parsed = parse_channel_data(frame.value());
      ASSERT_TRUE(parsed);
      EXPECT_EQ(parsed.value().channel_number, 0x4123);
      EXPECT_EQ(hex_of(parsed.value().data), hex_of(ByteSpan(data).first(size)));
    }
  }
}

}  // namespace
}  // namespace iceway::stun
