#pragma once
// The checks the TOML spec (v1.0.0) asks of a document's text, done before toml11 sees it.
// Debian's toml11 3.7.1 reads past its buffer on some invalid input (a heap-buffer-overflow in
// parse_literal_string, found by tests/fuzz/app/config_file_fuzz): control bytes and broken
// UTF-8 inside strings send its location bookkeeping off the end. A document TOML allows never
// holds those bytes anywhere (spec: "A TOML file must be a valid UTF-8 encoded Unicode
// document"; control characters other than tab are not permitted in strings or comments; a
// newline is LF or CRLF), so refusing them up front costs no valid file, and every operator
// input (the file, each --set value, the file re-read on SIGHUP) passes through here first.
//
// The nesting depth of arrays and inline tables is bounded too: toml11 parses them by
// recursion, so a line of a hundred thousand '[' would otherwise exhaust the stack.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace iceway::app {

struct TomlTextProblem {
  std::size_t line = 1;  // 1-based, counted in LF
  std::string message;   // says what is wrong and what to do
};

// Deeper than any configuration needs (iceway's deepest value is a list of tables: 2).
inline constexpr std::size_t kMaxTomlNesting = 64;

// nullopt when the text may be handed to toml11.
std::optional<TomlTextProblem> check_toml_text(std::string_view text);

}  // namespace iceway::app
