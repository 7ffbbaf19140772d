#include "common/log_escape.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace iceway {
namespace {

TEST(LogEscape, WellFormedIdsPrintAsTheyAre) {
  for (const char* id : {"alice", "user:42", "a.b-c_d@example.com+1", "3f2b8c1e-9d4a-4f6e-8b7c-1a2b3c4d5e6f"}) {
    SCOPED_TRACE(id);
    EXPECT_EQ(log_escape(id), id);
  }
}

TEST(LogEscape, ValuesThatCouldEndAFieldOrALineAreQuotedAndEscaped) {
  struct Case {
    const char* name;
    std::string input;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {"empty", "", R"("")"},
      {"space would start a new field", "alice remote=10.0.0.1", R"("alice remote=10.0.0.1")"},
      {"equals sign", "a=b", R"("a=b")"},
      {"newline would start a new line", "x\ninfo allocation created: user=admin",
       R"("x\ninfo allocation created: user=admin")"},
      {"carriage return and tab", "a\rb\tc", R"("a\rb\tc")"},
      {"quote cannot close the quotes", "a\" b", R"("a\" b")"},
      {"backslash cannot escape the closing quote", "a\\", R"("a\\")"},
      {"other controls and DEL", std::string("a\0b\x1b\x7f", 5), R"("a\x00b\x1b\x7f")"},
      {"non-ASCII bytes (U+2028 line separator)", "a\xe2\x80\xa8z", R"("a\xe2\x80\xa8z")"},
      {"invalid UTF-8", "\xff", R"("\xff")"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(log_escape(c.input), c.expected);
  }
}

TEST(LogEscape, EveryByteGivesOnePrintableTokenWithoutLineBreaks) {
  for (int byte = 0; byte < 256; ++byte) {
    const std::string input = "a" + std::string(1, static_cast<char>(byte)) + "b";
    const std::string out = log_escape(input);
    SCOPED_TRACE(byte);
    for (char c : out) EXPECT_TRUE(c >= 0x20 && c < 0x7f) << static_cast<int>(static_cast<unsigned char>(c));
    // Quoted output: the only unescaped quotes are the first and the last.
    if (out.front() == '"') {
      for (std::size_t i = 1; i + 1 < out.size(); ++i) {
        if (out[i] == '\\') ++i;
        else EXPECT_NE(out[i], '"') << out;
      }
    } else {
      EXPECT_EQ(out.find(' '), std::string::npos) << out;
    }
  }
}

}  // namespace
}  // namespace iceway
