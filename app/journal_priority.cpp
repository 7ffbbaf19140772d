#include "app/journal_priority.hpp"

#include <charconv>

namespace iceway::app {

int journal_priority(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::critical: return 2;  // LOG_CRIT
    case spdlog::level::err: return 3;       // LOG_ERR
    case spdlog::level::warn: return 4;      // LOG_WARNING
    case spdlog::level::info: return 6;      // LOG_INFO
    // syslog has nothing below debug, so trace is debug too.
    case spdlog::level::debug:
    case spdlog::level::trace:
    case spdlog::level::off:
    case spdlog::level::n_levels: break;
  }
  return 7;  // LOG_DEBUG
}

namespace {

// One unsigned decimal number that must fill the whole text.
bool parse_number(std::string_view text, std::uint64_t& value) {
  if (text.empty()) return false;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  return error == std::errc{} && end == text.data() + text.size();
}

}  // namespace

bool is_journal_stream(std::string_view journal_stream, std::uint64_t device, std::uint64_t inode) {
  auto colon = journal_stream.find(':');
  if (colon == std::string_view::npos) return false;
  std::uint64_t stream_device = 0;
  std::uint64_t stream_inode = 0;
  return parse_number(journal_stream.substr(0, colon), stream_device) &&
         parse_number(journal_stream.substr(colon + 1), stream_inode) && stream_device == device &&
         stream_inode == inode;
}

std::string with_priority_prefix(int priority, std::string_view text) {
  std::string prefix = "<" + std::to_string(priority) + ">";
  std::string out;
  out.reserve(text.size() + prefix.size());
  out += prefix;
  for (std::size_t i = 0; i < text.size(); ++i) {
    out += text[i];
    if (text[i] == '\n' && i + 1 < text.size()) out += prefix;
  }
  return out;
}

}  // namespace iceway::app
