#include "signal/limits.hpp"

#include <string>

#include <gtest/gtest.h>

#include "signal/json_text.hpp"

namespace iceway::signaling {
namespace {

using std::chrono::milliseconds;

const TimePoint kStart = TimePoint{} + std::chrono::hours(1);

TEST(TokenBucket, NewBucketAllowsTheWholeBurstAtOnce) {
  TokenBucket bucket(kStart, 5);
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(bucket.try_take(kStart, 1, 5)) << i;
  EXPECT_FALSE(bucket.try_take(kStart, 1, 5));
}

TEST(TokenBucket, RefillsAtTheRate) {
  TokenBucket bucket(kStart, 2);
  EXPECT_TRUE(bucket.try_take(kStart, 10, 2));
  EXPECT_TRUE(bucket.try_take(kStart, 10, 2));
  EXPECT_FALSE(bucket.try_take(kStart, 10, 2));
  // 10 per second: one token every 100 ms.
  EXPECT_FALSE(bucket.try_take(kStart + milliseconds(99), 10, 2));
  EXPECT_TRUE(bucket.try_take(kStart + milliseconds(100), 10, 2));
  EXPECT_FALSE(bucket.try_take(kStart + milliseconds(100), 10, 2));
}

TEST(TokenBucket, NeverHoldsMoreThanTheBurst) {
  TokenBucket bucket(kStart, 3);
  const TimePoint later = kStart + std::chrono::hours(1);
  int taken = 0;
  while (bucket.try_take(later, 100, 3)) ++taken;
  EXPECT_EQ(taken, 3);
}

TEST(TokenBucket, LoweredBurstAppliesAtOnce) {
  TokenBucket bucket(kStart, 10);
  EXPECT_TRUE(bucket.try_take(kStart, 1, 2));
  EXPECT_TRUE(bucket.try_take(kStart, 1, 2));
  EXPECT_FALSE(bucket.try_take(kStart, 1, 2));
}

TEST(TokenBucket, TimeGoingBackwardsRefillsNothing) {
  TokenBucket bucket(kStart, 1);
  EXPECT_TRUE(bucket.try_take(kStart, 1, 1));
  EXPECT_FALSE(bucket.try_take(kStart - std::chrono::hours(1), 1, 1));
}

TEST(FrameSize, LimitIsInclusive) {
  EXPECT_FALSE(frame_too_large(std::string(10, 'x'), 10));
  EXPECT_TRUE(frame_too_large(std::string(11, 'x'), 10));
}

TEST(JsonDepth, CountsNestingOutsideStrings) {
  struct Case {
    const char* name;
    std::string text;
    std::size_t max_depth;
    bool too_deep;
  };
  const Case cases[] = {
      {"scalar", "42", 0, false},
      {"empty object is depth 1", "{}", 1, false},
      {"empty object over 0", "{}", 0, true},
      {"two levels", R"({"a":[1,2]})", 2, false},
      {"two levels over 1", R"({"a":[1,2]})", 1, true},
      {"siblings do not add up", R"({"a":{},"b":{},"c":[]})", 2, false},
      {"brackets in strings are text", R"({"a":"[[[[{{{{"})", 1, false},
      {"escaped quote keeps the string open", R"({"a":"\"[[[["})", 1, false},
      {"escaped backslash closes the string", R"({"a":"\\","b":[[1]]})", 2, true},
      {"unbalanced closers never wrap", "]]]]{}", 1, false},
      {"deep array", std::string(33, '[') + std::string(33, ']'), 32, true},
      {"exactly the limit", std::string(32, '[') + std::string(32, ']'), 32, false},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(json_too_deep(c.text, c.max_depth), c.too_deep);
  }
}

TEST(JsonDepth, MillionOpenBracketsDoNotRecurse) {
  // The parser never sees this; the pre-scan stops at the limit.
  const std::string text(1'000'000, '[');
  EXPECT_TRUE(json_too_deep(text, 32));
  auto parsed = parse_json_object(text, 32);
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error(), JsonError::too_deep);
}

TEST(ParseJsonObject, ValuesAndErrors) {
  EXPECT_TRUE(parse_json_object(R"({"type":"ping"})", 4));
  auto malformed = parse_json_object(R"({"type":)", 4);
  ASSERT_FALSE(malformed);
  EXPECT_EQ(malformed.error(), JsonError::malformed);
  auto array = parse_json_object("[1,2]", 4);
  ASSERT_FALSE(array);
  EXPECT_EQ(array.error(), JsonError::not_an_object);
  auto bad_utf8 = parse_json_object("{\"a\":\"\xff\"}", 4);
  ASSERT_FALSE(bad_utf8);
  EXPECT_EQ(bad_utf8.error(), JsonError::malformed);
}

TEST(ToText, InvalidUtf8IsReplacedNotThrown) {
  Json value{{"id", std::string("a\xff")}};
  EXPECT_EQ(to_text(value), "{\"id\":\"a\xEF\xBF\xBD\"}");
}

}  // namespace
}  // namespace iceway::signaling
