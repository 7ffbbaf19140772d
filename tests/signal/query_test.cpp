#include "signal/query.hpp"

#include <gtest/gtest.h>

namespace iceway::signaling {
namespace {

TEST(Query, ParsesThePeerJsSocketUrl) {
  auto query = Query::parse("/peerjs/peerjs?key=peerjs&id=alice&token=abc123&version=1.5.4");
  EXPECT_EQ(query.value("key"), "peerjs");
  EXPECT_EQ(query.value("id"), "alice");
  EXPECT_EQ(query.value("token"), "abc123");
  EXPECT_EQ(query.value("version"), "1.5.4");
  EXPECT_FALSE(query.get("missing"));
}

TEST(Query, DecodesLikeUrlSearchParams) {
  struct Case {
    const char* target;
    const char* expected;
  };
  const Case cases[] = {
      {"/x?a=hello%20world", "hello world"},
      {"/x?a=hello+world", "hello world"},
      {"/x?a=%41%62", "Ab"},
      {"/x?a=%zz", "%zz"},    // malformed escape kept literally
      {"/x?a=50%", "50%"},    // truncated escape kept literally
      {"/x?a=%4", "%4"},
      {"/x?a=", ""},
      {"/x?a", ""},
      {"/x?a=1#frag", "1"},
      {"/x?b=2&a=first&a=second", "first"},  // first wins
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.target);
    auto query = Query::parse(c.target);
    ASSERT_TRUE(query.get("a"));
    EXPECT_EQ(*query.get("a"), c.expected);
  }
}

TEST(Query, NoQueryStringIsEmpty) {
  EXPECT_TRUE(Query::parse("/ws").items().empty());
  EXPECT_TRUE(Query::parse("/ws?").items().empty());
  EXPECT_TRUE(Query::parse("/ws?&&").items().empty());
}

TEST(Query, TargetPathStopsAtTheQuery) {
  EXPECT_EQ(target_path("/peerjs/peerjs/id?ts=1"), "/peerjs/peerjs/id");
  EXPECT_EQ(target_path("/ws"), "/ws");
}

}  // namespace
}  // namespace iceway::signaling
