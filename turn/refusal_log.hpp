#pragma once
// RefusalLog: the log lines that say why a client was refused with 486, 508, 403, 437 or 441,
// at most kLinesPerWindow per code in each kWindow (common/log_rate_limiter.hpp), so a client
// looping on a refusal cannot fill the disk; the lines held back are counted in one summary
// line when the code's window closes. Pure: a HandleResult, its 5-tuple and `now` in, finished
// lines out; the worker writes them. One per worker (not thread-safe), so a server with T
// worker threads writes at most T x kLinesPerWindow lines per code a minute.
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "common/endpoint.hpp"
#include "common/log_rate_limiter.hpp"
#include "turn/handlers/context.hpp"

namespace iceway::turn {

class RefusalLog {
 public:
  // Enough to see a pattern (which users, which addresses) in a minute; a flood costs one
  // summary line per code per minute after that.
  static constexpr std::uint32_t kLinesPerWindow = 10;
  static constexpr Duration kWindow = std::chrono::seconds(60);

  RefusalLog();

  // The lines to write for this answer: the summary of a window that just closed with lines
  // held back, then the refusal itself if admitted; nothing for other answers.
  std::vector<std::string> on_result(const HandleResult& result, const FiveTuple& five_tuple, TimePoint now);
  // Summaries for windows that closed with lines held back (from the worker's timer, so a
  // flood that stops still reports how many lines it cost).
  std::vector<std::string> flush(TimePoint now);

 private:
  LogRateLimiter limiter_;
};

}  // namespace iceway::turn
