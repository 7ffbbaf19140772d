#include "signal/http/frame_queue.hpp"

#include <string>

#include <gtest/gtest.h>

namespace iceway::signaling {
namespace {

Frame text(std::size_t n) { return make_frame(std::string(n, 'x') + std::to_string(n)); }

TEST(FrameQueueTest, FirstInFirstOutWithByteCount) {
  FrameQueue queue;
  EXPECT_TRUE(queue.empty());
  queue.push(make_frame("one"));
  queue.push(make_frame("three"));
  EXPECT_EQ(queue.size(), 2u);
  EXPECT_EQ(queue.bytes(), 8u);
  EXPECT_EQ(*queue.pop(), "one");
  EXPECT_EQ(queue.bytes(), 5u);
  queue.push(make_frame("x"));
  EXPECT_EQ(*queue.pop(), "three");
  EXPECT_EQ(*queue.pop(), "x");
  EXPECT_TRUE(queue.empty());
  EXPECT_EQ(queue.bytes(), 0u);
}

TEST(FrameQueueTest, ClearDropsEverything) {
  FrameQueue queue;
  for (std::size_t i = 0; i < 40; ++i) queue.push(text(i));
  queue.pop();
  queue.clear();
  EXPECT_TRUE(queue.empty());
  EXPECT_EQ(queue.size(), 0u);
  EXPECT_EQ(queue.bytes(), 0u);
  queue.push(make_frame("after"));
  EXPECT_EQ(*queue.pop(), "after");
}

// A writer that stays a few frames behind for a long time: order holds and the queue compacts
// instead of keeping every popped slot.
TEST(FrameQueueTest, NeverEmptyingKeepsOrderAndCompacts) {
  FrameQueue queue;
  std::size_t next_in = 0;
  std::size_t next_out = 0;
  for (int i = 0; i < 5; ++i) queue.push(text(next_in++));
  for (int round = 0; round < 10000; ++round) {
    queue.push(text(next_in++));
    ASSERT_EQ(*queue.pop(), *text(next_out++));
    ASSERT_EQ(queue.size(), 5u);
  }
  std::size_t expected_bytes = 0;
  for (std::size_t i = next_out; i < next_in; ++i) expected_bytes += text(i)->size();
  EXPECT_EQ(queue.bytes(), expected_bytes);
  while (!queue.empty()) EXPECT_EQ(*queue.pop(), *text(next_out++));
  EXPECT_EQ(next_out, next_in);
}

}  // namespace
}  // namespace iceway::signaling
