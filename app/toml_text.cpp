#include "app/toml_text.hpp"

#include <cstdint>
#include <cstdio>

namespace iceway::app {
namespace {

std::string hex_byte(unsigned char byte) {
  char text[8];
  std::snprintf(text, sizeof text, "0x%02X", byte);
  return text;
}

// The length of the UTF-8 sequence at text[at], or 0 when it is not well-formed (RFC 3629 §4:
// no overlong forms, no surrogates, nothing above U+10FFFF).
std::size_t utf8_sequence_length(std::string_view text, std::size_t at) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char lead = byte(at);
  std::size_t length = 0;
  unsigned char low = 0x80;
  unsigned char high = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;   // overlong
    if (lead == 0xED) high = 0x9F;  // UTF-16 surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;   // overlong
    if (lead == 0xF4) high = 0x8F;  // above U+10FFFF
  } else {
    return 0;
  }
  if (at + length > text.size()) return 0;
  if (byte(at + 1) < low || byte(at + 1) > high) return 0;
  for (std::size_t i = 2; i < length; ++i) {
    if (byte(at + i) < 0x80 || byte(at + i) > 0xBF) return 0;
  }
  return length;
}

// Tracks where strings and comments are, so brackets inside them do not count as nesting. It
// sees every code point once (non-ASCII ones only by their position); it only has to be right
// for text that passed the byte checks, since toml11 judges the syntax.
class NestingCounter {
 public:
  // `at` starts a code point of `text`. Returns false when the nesting grows past the bound.
  bool feed(std::string_view text, std::size_t at) {
    if (skip_ > 0) {  // the code point after a backslash, or the rest of a """ or '''
      --skip_;
      return true;
    }
    const char c = text[at];
    const auto starts = [&](std::string_view token) { return text.substr(at, token.size()) == token; };
    switch (state_) {
      case State::comment:
        if (c == '\n') state_ = State::code;
        return true;
      case State::basic:
        if (c == '\\') skip_ = 1;
        else if (c == '"' || c == '\n') state_ = State::code;
        return true;
      case State::literal:
        if (c == '\'' || c == '\n') state_ = State::code;
        return true;
      case State::multiline_basic:
        if (c == '\\') skip_ = 1;
        else if (starts(R"(""")")) state_ = State::code, skip_ = 2;
        return true;
      case State::multiline_literal:
        if (starts("'''")) state_ = State::code, skip_ = 2;
        return true;
      case State::code:
        break;
    }
    if (c == '#') state_ = State::comment;
    else if (starts(R"(""")")) state_ = State::multiline_basic, skip_ = 2;
    else if (starts("'''")) state_ = State::multiline_literal, skip_ = 2;
    else if (c == '"') state_ = State::basic;
    else if (c == '\'') state_ = State::literal;
    else if (c == '[' || c == '{') return ++depth_ <= kMaxTomlNesting;
    else if ((c == ']' || c == '}') && depth_ > 0) --depth_;
    return true;
  }

 private:
  enum class State { code, comment, basic, literal, multiline_basic, multiline_literal };
  State state_ = State::code;
  std::size_t depth_ = 0;
  std::size_t skip_ = 0;
};

}  // namespace

std::optional<TomlTextProblem> check_toml_text(std::string_view text) {
  std::size_t line = 1;
  NestingCounter nesting;
  for (std::size_t at = 0; at < text.size();) {
    const auto byte = static_cast<unsigned char>(text[at]);
    std::size_t length = 1;
    if (byte >= 0x80) {
      length = utf8_sequence_length(text, at);
      if (length == 0) {
        return TomlTextProblem{line, "byte " + hex_byte(byte) +
                                         " is not valid UTF-8; TOML files must be UTF-8 text (save the file as UTF-8)"};
      }
    } else if (byte == '\r' && (at + 1 >= text.size() || text[at + 1] != '\n')) {
      return TomlTextProblem{line, "a carriage return (0x0D) not followed by a newline; TOML lines end in LF or CRLF"};
    } else if ((byte < 0x20 && byte != '\t' && byte != '\n' && byte != '\r') || byte == 0x7F) {
      return TomlTextProblem{line, "control character " + hex_byte(byte) +
                                       " is not allowed in TOML; only tab and line ends are (inside a \"string\" "
                                       "write it as an escape such as \\u0001)"};
    }
    if (!nesting.feed(text, at)) {
      return TomlTextProblem{line, "arrays and inline tables nest deeper than " + std::to_string(kMaxTomlNesting) +
                                       " levels; no iceway setting needs more than 2"};
    }
    if (byte == '\n') ++line;
    at += length;
  }
  return std::nullopt;
}

}  // namespace iceway::app
