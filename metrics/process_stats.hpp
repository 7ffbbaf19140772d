#pragma once
// The process_* metrics (the names every Prometheus client library exports), taken from
// /proc. Parsing is pure: functions of the text of one /proc file, tested with sample
// text. read_process_stats() is the thin wrapper that reads the files.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace iceway::metrics {

// The fields we use from /proc/<pid>/stat (proc(5)).
struct ProcSelfStat {
  std::uint64_t user_ticks = 0;    // field 14, utime
  std::uint64_t system_ticks = 0;  // field 15, stime
  std::uint64_t start_ticks = 0;   // field 22, starttime: clock ticks after boot
  std::uint64_t virtual_bytes = 0; // field 23, vsize
  std::int64_t resident_pages = 0; // field 24, rss (signed in the kernel's format)
};

// Errors say which file and field: "stat: field 22 (starttime) is not a number".
using ProcError = std::string;

// /proc/self/stat. The command name (field 2) is in parentheses and may itself contain
// spaces and ')', so fields are counted from the last ')'.
Result<ProcSelfStat, ProcError> parse_self_stat(std::string_view text);
// /proc/stat: the `btime` line, boot time in seconds since the epoch.
Result<std::uint64_t, ProcError> parse_boot_time(std::string_view text);
// /proc/self/limits: the soft limit of "Max open files".
Result<std::uint64_t, ProcError> parse_max_open_files(std::string_view text);

// Values as exported; a metric whose source could not be read is absent rather than 0, so
// a dashboard shows a gap instead of a wrong number.
struct ProcessStats {
  std::optional<double> cpu_seconds;
  std::optional<double> resident_bytes;
  std::optional<double> virtual_bytes;
  std::optional<double> start_time_seconds;
  std::optional<double> open_fds;
  std::optional<double> max_fds;
};

// Converts ticks and pages with the system's constants (sysconf _SC_CLK_TCK and
// _SC_PAGESIZE, passed in so tests need not know the host's).
// Without a boot time there is no start time.
void apply_self_stat(const ProcSelfStat& stat, std::optional<std::uint64_t> boot_time,
                     std::uint64_t ticks_per_second, std::uint64_t page_size, ProcessStats& out);

// Reads <proc_root>/self/stat, <proc_root>/stat, <proc_root>/self/limits and counts
// <proc_root>/self/fd. Never throws; what it cannot read stays empty.
ProcessStats read_process_stats(const std::filesystem::path& proc_root = "/proc");

}  // namespace iceway::metrics
