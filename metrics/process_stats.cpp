#include "metrics/process_stats.hpp"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <fstream>
#include <sstream>
#include <system_error>
#include <utility>

namespace iceway::metrics {
namespace {

constexpr std::string_view kSpaces = " \t\n";

// Splits off the next whitespace-separated token of `text`.
std::string_view next_token(std::string_view& text) {
  const auto begin = text.find_first_not_of(kSpaces);
  if (begin == std::string_view::npos) {
    text = {};
    return {};
  }
  text.remove_prefix(begin);
  const auto end = std::min(text.find_first_of(kSpaces), text.size());
  const std::string_view token = text.substr(0, end);
  text.remove_prefix(end);
  return token;
}

template <class Integer>
std::optional<Integer> to_integer(std::string_view token) {
  Integer value{};
  const auto [end, error] = std::from_chars(token.data(), token.data() + token.size(), value);
  if (error != std::errc{} || end != token.data() + token.size() || token.empty()) return std::nullopt;
  return value;
}

std::optional<std::string> read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return std::nullopt;
  return std::move(text).str();
}

}  // namespace

Result<ProcSelfStat, ProcError> parse_self_stat(std::string_view text) {
  const auto close = text.rfind(')');
  if (close == std::string_view::npos) return failure(ProcError{"stat: no ')' after the command name"});
  std::string_view rest = text.substr(close + 1);

  // Fields after the command name start at field 3 (state); we need up to field 24.
  constexpr int kFirstField = 3;
  constexpr int kLastField = 24;
  std::array<std::string_view, kLastField + 1> fields{};
  for (int field = kFirstField; field <= kLastField; ++field) {
    fields[field] = next_token(rest);
    if (fields[field].empty()) {
      return failure(ProcError{"stat: ends at field " + std::to_string(field) + ", expected at least 24"});
    }
  }

  ProcSelfStat stat;
  const auto unsigned_field = [&](int field, const char* name, std::uint64_t& out) -> std::optional<ProcError> {
    const auto value = to_integer<std::uint64_t>(fields[field]);
    if (!value) return "stat: field " + std::to_string(field) + " (" + name + ") is not a number";
    out = *value;
    return std::nullopt;
  };
  if (auto error = unsigned_field(14, "utime", stat.user_ticks)) return failure(std::move(*error));
  if (auto error = unsigned_field(15, "stime", stat.system_ticks)) return failure(std::move(*error));
  if (auto error = unsigned_field(22, "starttime", stat.start_ticks)) return failure(std::move(*error));
  if (auto error = unsigned_field(23, "vsize", stat.virtual_bytes)) return failure(std::move(*error));
  const auto rss = to_integer<std::int64_t>(fields[24]);
  if (!rss) return failure(ProcError{"stat: field 24 (rss) is not a number"});
  stat.resident_pages = *rss;
  return stat;
}

Result<std::uint64_t, ProcError> parse_boot_time(std::string_view text) {
  while (!text.empty()) {
    const auto end = std::min(text.find('\n'), text.size());
    std::string_view line = text.substr(0, end);
    text.remove_prefix(std::min(end + 1, text.size()));
    if (next_token(line) != "btime") continue;
    const auto value = to_integer<std::uint64_t>(next_token(line));
    if (!value) return failure(ProcError{"stat: btime is not a number"});
    return *value;
  }
  return failure(ProcError{"stat: no btime line"});
}

Result<std::uint64_t, ProcError> parse_max_open_files(std::string_view text) {
  constexpr std::string_view kName = "Max open files";
  while (!text.empty()) {
    const auto end = std::min(text.find('\n'), text.size());
    std::string_view line = text.substr(0, end);
    text.remove_prefix(std::min(end + 1, text.size()));
    if (!line.starts_with(kName)) continue;
    line.remove_prefix(kName.size());
    const std::string_view soft = next_token(line);
    const auto value = to_integer<std::uint64_t>(soft);
    // "unlimited" cannot happen for RLIMIT_NOFILE (it is capped by fs.nr_open), so any
    // non-number is a format we do not understand.
    if (!value) return failure(ProcError{"limits: Max open files soft limit '" + std::string(soft) + "' is not a number"});
    return *value;
  }
  return failure(ProcError{"limits: no 'Max open files' line"});
}

void apply_self_stat(const ProcSelfStat& stat, std::optional<std::uint64_t> boot_time,
                     std::uint64_t ticks_per_second, std::uint64_t page_size, ProcessStats& out) {
  if (ticks_per_second == 0) return;  // sysconf failed: no unit to convert ticks with
  const auto ticks = static_cast<double>(ticks_per_second);
  out.cpu_seconds = static_cast<double>(stat.user_ticks + stat.system_ticks) / ticks;
  out.virtual_bytes = static_cast<double>(stat.virtual_bytes);
  out.resident_bytes = static_cast<double>(stat.resident_pages) * static_cast<double>(page_size);
  if (boot_time) out.start_time_seconds = static_cast<double>(*boot_time) + static_cast<double>(stat.start_ticks) / ticks;
}

ProcessStats read_process_stats(const std::filesystem::path& proc_root) {
  ProcessStats stats;
  const long ticks = ::sysconf(_SC_CLK_TCK);
  const long page = ::sysconf(_SC_PAGESIZE);

  if (const auto self_stat_text = read_file(proc_root / "self" / "stat")) {
    const auto self_stat = parse_self_stat(*self_stat_text);
    if (self_stat && ticks > 0 && page > 0) {
      std::optional<std::uint64_t> boot_time;
      if (const auto stat_text = read_file(proc_root / "stat")) {
        if (const auto parsed = parse_boot_time(*stat_text)) boot_time = parsed.value();
      }
      apply_self_stat(self_stat.value(), boot_time, static_cast<std::uint64_t>(ticks),
                      static_cast<std::uint64_t>(page), stats);
    }
  }
  if (const auto limits_text = read_file(proc_root / "self" / "limits")) {
    if (const auto max_fds = parse_max_open_files(*limits_text)) stats.max_fds = static_cast<double>(max_fds.value());
  }
  // Counting entries also counts the descriptor the iterator itself holds open; one more
  // or less in a gauge of open files is not worth a second pass to correct.
  std::error_code error;
  std::filesystem::directory_iterator entries(proc_root / "self" / "fd", error);
  if (!error) {
    double open = 0;
    for (auto it = entries; it != std::filesystem::directory_iterator(); it.increment(error)) {
      if (error) break;
      ++open;
    }
    if (!error) stats.open_fds = open;
  }
  return stats;
}

}  // namespace iceway::metrics
