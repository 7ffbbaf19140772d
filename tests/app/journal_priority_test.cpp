#include "app/journal_priority.hpp"

#include <gtest/gtest.h>

namespace iceway::app {
namespace {

TEST(JournalPriority, EachLevelMapsToItsSyslogPriority) {
  struct Case {
    spdlog::level::level_enum level;
    int priority;
  };
  const Case cases[] = {
      {spdlog::level::critical, 2}, {spdlog::level::err, 3},   {spdlog::level::warn, 4},
      {spdlog::level::info, 6},     {spdlog::level::debug, 7}, {spdlog::level::trace, 7},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(spdlog::level::to_string_view(c.level).data());
    EXPECT_EQ(journal_priority(c.level), c.priority);
  }
}

TEST(JournalStream, CountsOnlyWhenItNamesStderrItself) {
  struct Case {
    const char* name;
    const char* value;
    bool expected;
  };
  const Case cases[] = {
      {"same device and inode", "64768:123456", true},
      {"other inode (inherited by a child whose stderr is a pipe)", "64768:123457", false},
      {"other device", "64769:123456", false},
      {"unset or empty", "", false},
      {"no colon", "64768123456", false},
      {"missing inode", "64768:", false},
      {"trailing text", "64768:123456x", false},
      {"negative", "-64768:123456", false},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(is_journal_stream(c.value, 64768, 123456), c.expected);
  }
}

TEST(JournalPriorityPrefix, PrefixesEveryLineButNotAfterTheFinalNewline) {
  EXPECT_EQ(with_priority_prefix(3, "error boom\n"), "<3>error boom\n");
  EXPECT_EQ(with_priority_prefix(4, "warn a\nb\n"), "<4>warn a\n<4>b\n");
  EXPECT_EQ(with_priority_prefix(6, "{\"msg\":\"x\"}\n"), "<6>{\"msg\":\"x\"}\n");
  EXPECT_EQ(with_priority_prefix(7, "no newline"), "<7>no newline");
}

}  // namespace
}  // namespace iceway::app
