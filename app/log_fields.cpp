#include "app/log_fields.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <optional>
#include <string>

namespace iceway::app {
namespace {

bool key_char(char c, bool first) {
  return (c >= 'a' && c <= 'z') || c == '_' || (!first && c >= '0' && c <= '9');
}

// The length of "key=" at the start of `text` (key included), or 0 when it does not start a field.
std::size_t field_start(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size() && key_char(text[i], i == 0)) ++i;
  return i > 0 && i < text.size() && text[i] == '=' ? i : 0;
}

bool event_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ' ' || c == '-' ||
         c == '_' || c == '.';
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// A quoted value at the start of `text` (which starts with '"'): the unescaped bytes, and how many
// characters it took. Unterminated: the rest of the text, as written.
std::pair<std::string, std::size_t> quoted(std::string_view text) {
  std::string out;
  std::size_t i = 1;
  while (i < text.size()) {
    const char c = text[i];
    if (c == '"') return {out, i + 1};
    if (c == '\\' && i + 1 < text.size()) {
      const char next = text[i + 1];
      if (next == 'n') out.push_back('\n');
      else if (next == 'r') out.push_back('\r');
      else if (next == 't') out.push_back('\t');
      else if (next == 'x' && i + 3 < text.size() && hex_digit(text[i + 2]) >= 0 && hex_digit(text[i + 3]) >= 0) {
        out.push_back(static_cast<char>(hex_digit(text[i + 2]) * 16 + hex_digit(text[i + 3])));
        i += 4;
        continue;
      } else out.push_back(next);
      i += 2;
      continue;
    }
    out.push_back(c);
    ++i;
  }
  return {std::string(text.substr(1)), text.size()};
}

std::optional<std::int64_t> integer(std::string_view text) {
  std::int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

void put(nlohmann::json& fields, const std::string& key, const std::string& value) {
  // Never over the line's own keys, nor twice.
  if (key == "event" || key == "time" || key == "level" || key == "msg") return;
  if (auto number = integer(value)) {
    if (!fields.contains(key)) fields[key] = *number;
    return;
  }
  if (value.size() > 1 && value.back() == 's') {
    if (auto seconds = integer(std::string_view(value).substr(0, value.size() - 1))) {
      if (!fields.contains(key + "_s")) fields[key + "_s"] = *seconds;
      return;
    }
  }
  if (!fields.contains(key)) fields[key] = value;
}

}  // namespace

nlohmann::json log_fields(std::string_view message) {
  nlohmann::json fields = nlohmann::json::object();
  // Where the first field starts (a word "key=" at the start or after a space).
  std::size_t first = std::string_view::npos;
  for (std::size_t i = 0; i < message.size(); ++i) {
    if ((i == 0 || message[i - 1] == ' ') && field_start(message.substr(i)) > 0) {
      first = i;
      break;
    }
  }
  const std::string_view head = message.substr(0, first == std::string_view::npos ? message.size() : first);
  const auto colon = head.find(": ");
  std::string_view event = colon != std::string_view::npos ? head.substr(0, colon) : head;
  while (!event.empty() && event.back() == ' ') event.remove_suffix(1);
  if (colon == std::string_view::npos && first == std::string_view::npos) event = message;
  // An event is a few plain words ("allocation ended"); a message that does not start with one
  // (a warning quoting a config value) is its own event.
  if (event.empty() || !std::all_of(event.begin(), event.end(), event_char)) event = message;
  fields["event"] = std::string(event);
  if (first == std::string_view::npos) return fields;

  std::string key;
  std::string value;
  bool open = false;
  std::size_t i = first;
  while (i < message.size()) {
    if (message[i] == ' ') {
      ++i;
      continue;
    }
    const std::string_view rest = message.substr(i);
    if (const std::size_t key_length = field_start(rest); key_length > 0) {
      if (open) put(fields, key, value);
      key.assign(rest.substr(0, key_length));
      i += key_length + 1;
      if (i < message.size() && message[i] == '"') {
        auto [text, used] = quoted(message.substr(i));
        value = std::move(text);
        i += used;
      } else {
        const std::size_t end = message.find(' ', i);
        value.assign(message.substr(i, end == std::string_view::npos ? std::string_view::npos : end - i));
        i = end == std::string_view::npos ? message.size() : end;
      }
      open = true;
      continue;
    }
    // A word of the previous field's value ("client=udp 203.0.113.7:40000").
    const std::size_t end = message.find(' ', i);
    const std::string_view word = message.substr(i, end == std::string_view::npos ? std::string_view::npos : end - i);
    if (open) {
      value.push_back(' ');
      value.append(word);
    }
    i = end == std::string_view::npos ? message.size() : end;
  }
  if (open) put(fields, key, value);
  return fields;
}

}  // namespace iceway::app
