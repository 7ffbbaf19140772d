#pragma once
// Log lines to journald through stderr carry their priority as an sd-daemon(3) "<N>" prefix,
// which journald strips and stores as PRIORITY, so `journalctl -p warning` finds warnings and
// errors. Pure: the caller reads JOURNAL_STREAM and fstat()s stderr.
#include <spdlog/common.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace iceway::app {

// syslog(3) priorities as journald stores them: error 3, warning 4, info 6, debug 7.
int journal_priority(spdlog::level::level_enum level);

// systemd.exec(5): JOURNAL_STREAM is "DEVICE:INODE" of the stream it connected to the
// service's stdout/stderr. It is inherited by children whose stderr is something else (a
// pipe, a file), so it only counts when it names the stream stderr actually is.
bool is_journal_stream(std::string_view journal_stream, std::uint64_t device, std::uint64_t inode);

// The prefix before text and before every line inside it: journald makes each line an entry
// of its own and reads the priority per line. The final newline gets none.
std::string with_priority_prefix(int priority, std::string_view text);

}  // namespace iceway::app
