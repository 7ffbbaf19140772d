// The format checker has to catch what it claims to catch, or every test built on it
// passes for nothing.
#include "exposition.hpp"

#include <gtest/gtest.h>

namespace iceway::metrics::testing {
namespace {

constexpr std::string_view kGood =
    "# HELP a_total Help text.\n"
    "# TYPE a_total counter\n"
    "a_total{x=\"1\",y=\"q\\\"uote\\\\ and \\n\"} 3\n"
    "a_total{x=\"2\"} 4.5\n"
    "# HELP g A gauge.\n"
    "# TYPE g gauge\n"
    "g -1\n"
    "g{z=\"\"} +Inf\n";

TEST(Exposition, ReadsAWellFormedText) {
  const Exposition exposition = parse_exposition(kGood);
  EXPECT_TRUE(exposition.errors.empty()) << ::testing::PrintToString(exposition.errors);
  ASSERT_EQ(exposition.families.size(), 2u);
  EXPECT_EQ(exposition.families[0].type, "counter");
  EXPECT_EQ(exposition.families[0].help, "Help text.");
  EXPECT_EQ(exposition.value("a_total", {{"x", "1"}, {"y", "q\"uote\\ and \n"}}), 3);
  EXPECT_EQ(exposition.value("a_total", {{"x", "2"}}), 4.5);
  EXPECT_EQ(exposition.value("g"), -1);
  EXPECT_FALSE(exposition.value("g", {{"z", "other"}}).has_value());
  EXPECT_FALSE(exposition.value("missing").has_value());
}

TEST(Exposition, ReportsEveryKindOfViolation) {
  struct Case {
    const char* name;
    std::string_view text;
  };
  const Case cases[] = {
      {"counter without _total", "# HELP a x\n# TYPE a counter\na 1\n"},
      {"gauge with _total", "# HELP a_total x\n# TYPE a_total gauge\na_total 1\n"},
      {"no TYPE", "# HELP a x\na 1\n"},
      {"no HELP", "# TYPE a gauge\na 1\n"},
      {"unknown type", "# HELP a x\n# TYPE a meter\na 1\n"},
      {"TYPE after samples", "# HELP a x\na 1\n# TYPE a gauge\n"},
      {"family split", "# HELP a x\n# TYPE a gauge\na 1\n# HELP b x\n# TYPE b gauge\nb 1\na{l=\"v\"} 2\n"},
      {"duplicate series", "# HELP a x\n# TYPE a gauge\na{l=\"v\"} 1\na{l=\"v\"} 2\n"},
      {"bad value", "# HELP a x\n# TYPE a gauge\na one\n"},
      {"timestamp", "# HELP a x\n# TYPE a gauge\na 1 1700000000000\n"},
      {"bad metric name", "# HELP a x\n# TYPE a gauge\n1a 1\n"},
      {"bad label name", "# HELP a x\n# TYPE a gauge\na{1l=\"v\"} 1\n"},
      {"reserved label name", "# HELP a x\n# TYPE a gauge\na{__name__=\"v\"} 1\n"},
      {"unterminated label value", "# HELP a x\n# TYPE a gauge\na{l=\"v} 1\n"},
      {"unknown escape", "# HELP a x\n# TYPE a gauge\na{l=\"\\t\"} 1\n"},
      {"repeated label", "# HELP a x\n# TYPE a gauge\na{l=\"v\",l=\"w\"} 1\n"},
      {"empty line", "# HELP a x\n\n# TYPE a gauge\na 1\n"},
      {"no final newline", "# HELP a x\n# TYPE a gauge\na 1"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_FALSE(parse_exposition(c.text).errors.empty());
  }
}

}  // namespace
}  // namespace iceway::metrics::testing
