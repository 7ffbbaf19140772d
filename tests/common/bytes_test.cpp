#include "common/bytes.hpp"

#include <gtest/gtest.h>

#include <array>

#include "common/hex.hpp"

namespace iceway {
namespace {

TEST(ByteReader, ReadsBigEndianAndStopsAtTheEnd) {
  auto data = from_hex("0102 03040506 07");
  ASSERT_TRUE(data);
  ByteReader reader(*data);
  std::uint16_t u16 = 0;
  std::uint32_t u32 = 0;
  std::uint8_t u8 = 0;
  ASSERT_TRUE(reader.read_u16(u16));
  EXPECT_EQ(u16, 0x0102);
  ASSERT_TRUE(reader.read_u32(u32));
  EXPECT_EQ(u32, 0x03040506u);
  EXPECT_FALSE(reader.read_u16(u16));  // one byte left: the failed read must not move
  EXPECT_EQ(reader.remaining(), 1u);
  ASSERT_TRUE(reader.read_u8(u8));
  EXPECT_EQ(u8, 7);
  EXPECT_TRUE(reader.empty());
}

TEST(ByteWriter, RecordsOverflowInsteadOfWritingPastTheBuffer) {
  std::array<std::byte, 5> buffer{};
  ByteWriter writer(buffer);
  writer.write_u32(0xdeadbeef);
  EXPECT_TRUE(writer.ok());
  writer.write_u16(0x1234);  // needs 2, has 1
  EXPECT_FALSE(writer.ok());
  EXPECT_EQ(writer.size(), 4u);
  EXPECT_EQ(to_hex(writer.written()), "deadbeef");
}

TEST(ByteWriter, PatchesALengthWrittenEarlier) {
  std::array<std::byte, 8> buffer{};
  ByteWriter writer(buffer);
  writer.write_u16(0);
  writer.write_u32(0xaabbccdd);
  writer.patch_u16(0, 4);
  EXPECT_EQ(to_hex(writer.written()), "0004aabbccdd");
}

TEST(Hex, RejectsOddLengthAndNonHex) {
  EXPECT_FALSE(from_hex("abc"));
  EXPECT_FALSE(from_hex("zz"));
  EXPECT_EQ(to_hex(*from_hex("DE ad\nBE ef")), "deadbeef");
}

}  // namespace
}  // namespace iceway
