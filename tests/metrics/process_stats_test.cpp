#include "metrics/process_stats.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <string>

namespace iceway::metrics {
namespace {

// A /proc/self/stat line whose command name holds a space and ')' as an attacker-chosen
// argv[0] might; fields 14, 15, 22, 23, 24 = 250, 150, 12345, 104857600, 2560.
constexpr std::string_view kSelfStat =
    "4242 (ice way) 1)) S 1 4242 4242 0 -1 4194560 1200 0 3 0 250 150 0 0 20 0 4 0 12345 104857600 2560 "
    "18446744073709551615 1 1 0 0 0 0 0 4096 0 0 0 17 1 0 0 0 0 0\n";

TEST(ProcessStats, ParsesSelfStatCountingFieldsFromTheLastParenthesis) {
  const auto stat = parse_self_stat(kSelfStat);
  ASSERT_TRUE(stat) << stat.error();
  EXPECT_EQ(stat.value().user_ticks, 250u);
  EXPECT_EQ(stat.value().system_ticks, 150u);
  EXPECT_EQ(stat.value().start_ticks, 12345u);
  EXPECT_EQ(stat.value().virtual_bytes, 104857600u);
  EXPECT_EQ(stat.value().resident_pages, 2560);
}

TEST(ProcessStats, ParsesTheLiveSelfStat) {
  // The kernel's own format, whatever this machine's kernel is.
  std::FILE* file = std::fopen("/proc/self/stat", "r");
  if (file == nullptr) GTEST_SKIP() << "no /proc on this system";
  char buffer[4096] = {};
  const std::size_t length = std::fread(buffer, 1, sizeof buffer - 1, file);
  std::fclose(file);
  const auto stat = parse_self_stat(std::string_view(buffer, length));
  ASSERT_TRUE(stat) << stat.error();
  EXPECT_GT(stat.value().virtual_bytes, 0u);
  EXPECT_GT(stat.value().resident_pages, 0);
}

TEST(ProcessStats, RejectsBrokenSelfStatSayingWhere) {
  struct Case {
    const char* name;
    std::string text;
    std::string error;
  };
  const std::string prefix = "1 (x) S 1 1 1 0 -1 0 0 0 0 0 ";  // fields 1-13
  const Case cases[] = {
      {"empty", "", "stat: no ')' after the command name"},
      {"no command name", "1 x S 1 1", "stat: no ')' after the command name"},
      {"ends after field 23", prefix + "1 2 0 0 20 0 1 0 5 6", "stat: ends at field 24, expected at least 24"},
      {"utime not a number", prefix + "x 2 0 0 20 0 1 0 5 6 7", "stat: field 14 (utime) is not a number"},
      {"stime negative", prefix + "1 -2 0 0 20 0 1 0 5 6 7", "stat: field 15 (stime) is not a number"},
      {"starttime with junk", prefix + "1 2 0 0 20 0 1 0 5z 6 7", "stat: field 22 (starttime) is not a number"},
      {"vsize overflows", prefix + "1 2 0 0 20 0 1 0 5 99999999999999999999999 7",
       "stat: field 23 (vsize) is not a number"},
      {"rss not a number", prefix + "1 2 0 0 20 0 1 0 5 6 seven", "stat: field 24 (rss) is not a number"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const auto stat = parse_self_stat(c.text);
    ASSERT_FALSE(stat);
    EXPECT_EQ(stat.error(), c.error);
  }
  EXPECT_TRUE(parse_self_stat(prefix + "1 2 0 0 20 0 1 0 5 6 7"));  // the same prefix, complete
}

TEST(ProcessStats, ParsesBootTime) {
  struct Case {
    const char* name;
    std::string_view text;
    std::optional<std::uint64_t> boot_time;
    std::string error;
  };
  const Case cases[] = {
      {"among other lines", "cpu  1 2 3\nctxt 5\nbtime 1700000000\nprocesses 9\n", 1700000000, ""},
      {"last line without newline", "cpu 1\nbtime 42", 42, ""},
      {"a line merely starting with btime", "btimex 5\nbtime 6\n", 6, ""},
      {"missing", "cpu 1 2 3\nctxt 5\n", std::nullopt, "stat: no btime line"},
      {"empty", "", std::nullopt, "stat: no btime line"},
      {"not a number", "btime soon\n", std::nullopt, "stat: btime is not a number"},
      {"no value", "btime\n", std::nullopt, "stat: btime is not a number"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const auto boot_time = parse_boot_time(c.text);
    if (c.boot_time) {
      ASSERT_TRUE(boot_time) << boot_time.error();
      EXPECT_EQ(boot_time.value(), *c.boot_time);
    } else {
      ASSERT_FALSE(boot_time);
      EXPECT_EQ(boot_time.error(), c.error);
    }
  }
}

TEST(ProcessStats, ParsesTheSoftLimitOfOpenFiles) {
  struct Case {
    const char* name;
    std::string_view text;
    std::optional<std::uint64_t> limit;
  };
  const Case cases[] = {
      {"kernel layout",
       "Limit                     Soft Limit           Hard Limit           Units     \n"
       "Max processes             96365                96365                processes \n"
       "Max open files            1024                 524288               files     \n",
       1024},
      {"systemd's LimitNOFILE", "Max open files            1048576              1048576              files\n", 1048576},
      {"missing", "Max processes             96365                96365                processes \n", std::nullopt},
      {"unlimited is not a valid RLIMIT_NOFILE", "Max open files            unlimited            unlimited  files\n",
       std::nullopt},
      {"empty", "", std::nullopt},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const auto limit = parse_max_open_files(c.text);
    ASSERT_EQ(limit.has_value(), c.limit.has_value());
    if (c.limit) {
      EXPECT_EQ(limit.value(), *c.limit);
    }
  }
}

TEST(ProcessStats, ConvertsTicksAndPages) {
  const auto stat = parse_self_stat(kSelfStat);
  ASSERT_TRUE(stat);
  ProcessStats out;
  apply_self_stat(stat.value(), 1700000000, 100, 4096, out);
  EXPECT_EQ(out.cpu_seconds, 4.0);                 // (250 + 150) / 100
  EXPECT_EQ(out.resident_bytes, 2560.0 * 4096);
  EXPECT_EQ(out.virtual_bytes, 104857600.0);
  ASSERT_TRUE(out.start_time_seconds);
  EXPECT_DOUBLE_EQ(*out.start_time_seconds, 1700000123.45);  // boot + 12345 / 100

  ProcessStats without_boot;
  apply_self_stat(stat.value(), std::nullopt, 100, 4096, without_boot);
  EXPECT_FALSE(without_boot.start_time_seconds.has_value());
  EXPECT_EQ(without_boot.cpu_seconds, 4.0);

  ProcessStats without_ticks;
  apply_self_stat(stat.value(), 1700000000, 0, 4096, without_ticks);
  EXPECT_FALSE(without_ticks.cpu_seconds.has_value());
}

TEST(ProcessStats, ReadsAProcTree) {
  // tests/metrics/data/proc holds the files above and five entries in self/fd.
  const ProcessStats stats = read_process_stats(std::string(ICEWAY_TEST_DATA_DIR) + "/proc");
  const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
  const double page = static_cast<double>(::sysconf(_SC_PAGESIZE));
  ASSERT_TRUE(stats.cpu_seconds && stats.start_time_seconds);
  EXPECT_DOUBLE_EQ(*stats.cpu_seconds, 400 / ticks);
  EXPECT_EQ(stats.resident_bytes, 2560 * page);
  EXPECT_EQ(stats.virtual_bytes, 104857600.0);
  EXPECT_DOUBLE_EQ(*stats.start_time_seconds, 1700000000 + 12345 / ticks);
  EXPECT_EQ(stats.max_fds, 65536.0);
  EXPECT_EQ(stats.open_fds, 5.0);
}

TEST(ProcessStats, AMissingProcTreeLeavesEveryValueEmpty) {
  const ProcessStats stats = read_process_stats(std::string(ICEWAY_TEST_DATA_DIR) + "/no-such-proc");
  EXPECT_FALSE(stats.cpu_seconds || stats.resident_bytes || stats.virtual_bytes || stats.start_time_seconds ||
               stats.open_fds || stats.max_fds);
}

TEST(ProcessStats, ReadsThisProcess) {
  const ProcessStats stats = read_process_stats();
  if (!stats.resident_bytes) GTEST_SKIP() << "no /proc on this system";
  EXPECT_GT(*stats.resident_bytes, 0);
  EXPECT_GE(stats.cpu_seconds.value_or(-1), 0);
  EXPECT_GE(stats.open_fds.value_or(0), 3);  // stdin, stdout, stderr
  EXPECT_GE(stats.max_fds.value_or(0), stats.open_fds.value_or(0));
  // Started after 2020 and not in the future (start time is to the tick, so allow a few s).
  EXPECT_GT(stats.start_time_seconds.value_or(0), 1577836800);
  EXPECT_LT(stats.start_time_seconds.value_or(0), static_cast<double>(std::time(nullptr)) + 5);
}

}  // namespace
}  // namespace iceway::metrics
