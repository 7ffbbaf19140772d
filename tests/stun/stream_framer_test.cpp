#include "stun/stream_framer.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <string>
#include <vector>

#include "stun/attributes.hpp"
#include "stun/message_builder.hpp"
#include "test_support.hpp"

namespace iceway::stun {
namespace {

using test::bytes_of;
using test::hex_of;

struct Frame {
  FrameKind kind;
  std::string hex;
  friend bool operator==(const Frame&, const Frame&) = default;
};

struct Outcome {
  std::vector<Frame> frames;
  bool failed = false;
  DecodeReason reason = DecodeReason::too_short;
  std::size_t left_over = 0;
};

// What a connection does: append each chunk, take every complete frame, stop on an error.
Outcome feed(const std::vector<ByteSpan>& chunks) {
  Outcome outcome;
  std::vector<std::byte> buffer;
  for (ByteSpan chunk : chunks) {
    buffer.insert(buffer.end(), chunk.begin(), chunk.end());
    for (;;) {
      const FrameResult result = next_frame(buffer);
      if (result.status == FrameStatus::invalid) {
        outcome.failed = true;
        outcome.reason = result.error.reason;
        return outcome;
      }
      if (result.status == FrameStatus::need_more) {
        EXPECT_GT(result.size, buffer.size()) << "need_more must ask for more than is buffered";
        break;
      }
      EXPECT_LE(result.size, buffer.size());
      EXPECT_LE(result.size, kMaxStreamFrameSize);
      outcome.frames.push_back({result.kind, hex_of(ByteSpan(buffer).first(result.size))});
      buffer.erase(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(result.size));
    }
  }
  outcome.left_over = buffer.size();
  return outcome;
}

std::vector<std::byte> stun_message(std::string_view software) {
  std::array<std::byte, 128> buffer{};
  MessageBuilder builder(buffer);
  builder.start({Method::refresh, Class::request}, TransactionId{})
      .add(Lifetime{600})
      .add(Software{software})
      .add_fingerprint();
  auto bytes = builder.finish();
  EXPECT_TRUE(bytes);
  return {bytes.value().begin(), bytes.value().end()};
}

TEST(StreamFramer, FindsEveryFrameWhereverTheStreamIsSplit) {
  // STUN, padded ChannelData, empty ChannelData, a bare STUN header, 4-aligned ChannelData.
  const std::vector<std::vector<std::byte>> pieces = {
      stun_message("iceway"),
      bytes_of("4001 0005 68656c6c6f 000000"),
      bytes_of("4002 0000"),
      test::raw_message("0001", ""),
      bytes_of("7fff 0004 01020304"),
      stun_message("x"),
  };
  const std::vector<FrameKind> kinds = {FrameKind::stun, FrameKind::channel_data, FrameKind::channel_data,
                                        FrameKind::stun, FrameKind::channel_data, FrameKind::stun};
  std::vector<std::byte> stream;
  std::vector<Frame> expected;
  for (std::size_t i = 0; i < pieces.size(); ++i) {
    stream.insert(stream.end(), pieces[i].begin(), pieces[i].end());
    expected.push_back({kinds[i], hex_of(pieces[i])});
  }
  const ByteSpan all(stream);

  // Every pair of split points: three chunks, any of them possibly empty.
  for (std::size_t first = 0; first <= all.size(); ++first) {
    for (std::size_t second = first; second <= all.size(); ++second) {
      const auto outcome =
          feed({all.first(first), all.subspan(first, second - first), all.subspan(second)});
      ASSERT_FALSE(outcome.failed) << first << "/" << second;
      ASSERT_EQ(outcome.frames, expected) << first << "/" << second;
      ASSERT_EQ(outcome.left_over, 0u);
    }
  }
  // One byte at a time.
  std::vector<ByteSpan> bytes;
  for (std::size_t i = 0; i < all.size(); ++i) bytes.push_back(all.subspan(i, 1));
  EXPECT_EQ(feed(bytes).frames, expected);
}

TEST(StreamFramer, AsksForTheRestOfAPartialFrame) {
  const auto stun = stun_message("iceway");
  struct Case {
    const char* name;
    std::vector<std::byte> bytes;
    FrameKind kind;
    std::size_t needed;
  };
  const Case cases[] = {
      {"nothing yet", {}, FrameKind::stun, 4},
      {"first byte of ChannelData", bytes_of("40"), FrameKind::channel_data, 4},
      {"ChannelData header", bytes_of("4001 0005"), FrameKind::channel_data, 12},
      {"ChannelData without its padding", bytes_of("4001 0005 68656c6c6f"), FrameKind::channel_data, 12},
      {"first byte of STUN", bytes_of("00"), FrameKind::stun, 20},
      {"STUN header only", std::vector<std::byte>(stun.begin(), stun.begin() + 20), FrameKind::stun, stun.size()},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const auto result = next_frame(c.bytes);
    EXPECT_EQ(result.status, FrameStatus::need_more);
    EXPECT_EQ(result.kind, c.kind);
    EXPECT_EQ(result.size, c.needed);
  }
}

TEST(StreamFramer, RejectsStreamsThatCannotBeFramed) {
  struct Case {
    const char* name;
    std::vector<std::byte> bytes;
    DecodeReason reason;
  };
  const Case cases[] = {
      {"first byte 0x80 (RTP)", bytes_of("80"), DecodeReason::not_stun},
      {"first byte 0x16 is STUN-shaped until the cookie (TLS record)", bytes_of("16 0301 0004 01020304"),
       DecodeReason::no_magic_cookie},
      {"first byte 0xff", bytes_of("ff"), DecodeReason::not_stun},
      {"STUN length not a multiple of 4", bytes_of("0001 0003"), DecodeReason::length_not_multiple_of_4},
      {"STUN without the magic cookie", bytes_of("0001 0000 01020304"), DecodeReason::no_magic_cookie},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const auto result = next_frame(c.bytes);
    EXPECT_EQ(result.status, FrameStatus::invalid);
    EXPECT_EQ(to_string(result.error.reason), to_string(c.reason));
  }
}

TEST(StreamFramer, StopsAtGarbageAfterGoodFrames) {
  auto stream = bytes_of("4001 0001 ff000000");
  const auto garbage = bytes_of("c0 00 00 00");
  stream.insert(stream.end(), garbage.begin(), garbage.end());
  const auto outcome = feed({stream});
  ASSERT_EQ(outcome.frames.size(), 1u);
  EXPECT_TRUE(outcome.failed);
  EXPECT_EQ(outcome.reason, DecodeReason::not_stun);
}

TEST(StreamFramer, LargestFramesFitTheAdvertisedBuffer) {
  auto stun_header = test::raw_message("0001", "", 0xfffc);
  const auto stun = next_frame(stun_header);
  EXPECT_EQ(stun.status, FrameStatus::need_more);
  EXPECT_EQ(stun.size, kMaxStreamFrameSize);
  const auto channel_header = bytes_of("4000 ffff");
  const auto channel = next_frame(channel_header);
  EXPECT_EQ(channel.status, FrameStatus::need_more);
  EXPECT_EQ(channel.size, 4u + 0x10000u);
  EXPECT_LE(channel.size, kMaxStreamFrameSize);
}

TEST(StreamBufferSize, AHeaderAnnouncingALargeFrameDoesNotGrowTheBuffer) {
  // 20 bytes that announce a 64 KiB message: the buffer stays as it was until it is full.
  auto header = test::raw_message("0001", "", 0xfffc);
  const auto frame = next_frame(header);
  ASSERT_EQ(frame.status, FrameStatus::need_more);
  EXPECT_EQ(stream_buffer_size(kStreamBufferInitialSize, header.size(), frame.size), kStreamBufferInitialSize);
}

TEST(StreamBufferSize, GrowsWithTheBytesReceivedUpToTheFrame) {
  // What a connection does with a 64 KiB frame that arrives in chunks of several sizes: the
  // buffer is never more than twice the bytes received, and the frame still fits in the end.
  for (std::size_t chunk : {1u, 7u, 1000u, 4096u, 70000u}) {
    SCOPED_TRACE(chunk);
    std::vector<std::byte> frame = test::raw_message("0001", "", 0xfffc);
    frame.resize(kMaxStreamFrameSize);
    std::size_t size = kStreamBufferInitialSize;
    std::size_t buffered = 0;
    bool complete = false;
    while (!complete) {
      buffered += std::min(chunk, size - buffered);  // one read fills at most the free space
      const auto result = next_frame(ByteSpan(frame.data(), buffered));
      ASSERT_NE(result.status, FrameStatus::invalid);
      complete = result.status == FrameStatus::complete;
      if (!complete) size = stream_buffer_size(size, buffered, result.size);
      EXPECT_LE(size, std::max(kStreamBufferInitialSize, 2 * buffered));
      ASSERT_LE(size, kMaxStreamFrameSize);
    }
    EXPECT_EQ(buffered, kMaxStreamFrameSize);
  }
}

TEST(StreamBufferSize, ShrinksBackOnceEmpty) {
  EXPECT_EQ(stream_buffer_size(kMaxStreamFrameSize, 0, kChannelDataHeaderSize), kStreamBufferInitialSize);
  // Not while part of a frame is buffered: those bytes live in it.
  EXPECT_EQ(stream_buffer_size(kMaxStreamFrameSize, 10, 20), kMaxStreamFrameSize);
}

}  // namespace
}  // namespace iceway::stun
