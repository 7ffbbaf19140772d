#include "app/toml_text.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace iceway::app {
namespace {

using namespace std::string_literals;

TEST(TomlText, ValidDocumentsPass) {
  struct Case {
    const char* name;
    std::string text;
  };
  const std::vector<Case> cases = {
      {"empty", ""},
      {"plain keys", "[server]\nrealm = \"example.org\"\nthreads = 2\n"},
      {"CRLF line ends", "[server]\r\nrealm = \"a\"\r\n"},
      {"tabs", "[server]\n\trealm\t=\t\"a\"\n"},
      {"multibyte UTF-8 in strings and comments", "# 信令服务器 ✓\nrealm = \"例子.中国\" # é\n"},
      {"four-byte UTF-8", "realm = \"\xF0\x9F\x98\x80\"\n"},
      {"the highest code point", "realm = \"\xF4\x8F\xBF\xBF\"\n"},
      {"escaped control characters", "realm = \"a\\u0001\\t\"\n"},
      {"brackets inside strings and comments do not nest",
       "a = \"" + std::string(200, '[') + "\"\nb = '" + std::string(200, '{') + "' # " + std::string(200, '[') +
           "\nc = \"\"\"" + std::string(200, '[') + "\"\"\"\nd = '''" + std::string(200, '[') + "'''\n"},
      {"an escaped quote keeps the string open", "a = \"\\\"[[[[\"\n"},
      {"nesting at the bound", "a = " + std::string(kMaxTomlNesting, '[') + std::string(kMaxTomlNesting, ']') + "\n"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const auto problem = check_toml_text(c.text);
    EXPECT_FALSE(problem) << problem->message;
  }
}

TEST(TomlText, WhatTheSpecForbidsIsRefusedWithItsLine) {
  struct Case {
    const char* name;
    std::string text;
    std::size_t line;
    const char* says;
  };
  const std::vector<Case> cases = {
      {"NUL", "a = 1\nb = \"x\0y\"\n"s, 2, "control character 0x00"},
      {"a control character in a literal string", "a = 'x\x01'\n", 1, "control character 0x01"},
      {"unit separator", "\n\na = \"\x1F\"\n", 3, "control character 0x1F"},
      {"DEL", "a = \"\x7F\"\n", 1, "control character 0x7F"},
      {"a lone carriage return", "a = 1\rb = 2\n", 1, "carriage return"},
      {"a carriage return at the end", "a = 1\r", 1, "carriage return"},
      {"a lone continuation byte", "a = \"\x80\"\n", 1, "byte 0x80 is not valid UTF-8"},
      {"an overlong two-byte form", "a = \"\xC0\xAF\"\n", 1, "byte 0xC0"},
      {"an overlong three-byte form", "a = \"\xE0\x80\xAF\"\n", 1, "byte 0xE0"},
      {"a UTF-16 surrogate", "a = \"\xED\xA0\x80\"\n", 1, "byte 0xED"},
      {"above U+10FFFF", "a = \"\xF4\x90\x80\x80\"\n", 1, "byte 0xF4"},
      {"a sequence cut by the end", "a = \"\xE4\xB8", 1, "byte 0xE4"},
      {"a sequence cut by a quote", "a = \"\xE4\"\"\n", 1, "byte 0xE4"},
      {"0xFE never appears in UTF-8", "x\n\xFE\n", 2, "byte 0xFE"},
      {"nesting past the bound", "a = " + std::string(kMaxTomlNesting + 1, '[') + "\n", 1, "nest deeper than"},
      {"inline tables count too", "a = " + std::string(kMaxTomlNesting + 1, '{') + "\n", 1, "nest deeper than"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const auto problem = check_toml_text(c.text);
    ASSERT_TRUE(problem);
    EXPECT_EQ(problem->line, c.line);
    EXPECT_NE(problem->message.find(c.says), std::string::npos) << problem->message;
  }
}

// The input that made Debian's toml11 3.7.1 read past its buffer (issue 10): the first line
// is a --set value with a NUL and bytes that are not UTF-8.
TEST(TomlText, TheToml11OverflowReproducerIsRefused) {
  const std::string reproducer = "lo\xFE\x1C\0\xFCslo='sexte\xFBr=:'se\xF1xtern"s;
  const auto problem = check_toml_text(reproducer);
  ASSERT_TRUE(problem);
  EXPECT_NE(problem->message.find("0xFE"), std::string::npos) << problem->message;
}

}  // namespace
}  // namespace iceway::app
