#pragma once
// LogRateLimiter: at most `per_window` log lines per key (a reason) in each window, so a
// flood of refusals cannot fill the disk while the first lines of each kind still say what
// happened. The lines held back are not lost silently: the caller writes one "and K more"
// summary for each key whose window held some back.
//
// A key's window opens at the first line after the previous one closed (fixed windows, not a
// sliding one: a summary per window is what an operator reads). Pure: `now` is an argument,
// nothing is written here. One owner (a worker) calls it; not thread-safe.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "common/clock.hpp"

namespace iceway {

class LogRateLimiter {
 public:
  // `keys` distinct reasons, numbered 0 .. keys - 1.
  LogRateLimiter(std::size_t keys, std::uint32_t per_window, Duration window);

  struct Admission {
    bool write = false;           // write this line
    std::uint64_t held_back = 0;  // lines of this key held back in its window that just closed:
                                  // write their summary first
  };
  Admission admit(std::size_t key, TimePoint now);

  struct HeldBack {
    std::size_t key = 0;
    std::uint64_t lines = 0;
  };
  // The keys whose window has closed with lines held back, once each (admit() will not report
  // them again). Called from a timer so a flood that stops still gets its summary.
  std::vector<HeldBack> flush(TimePoint now);

  std::uint32_t per_window() const { return per_window_; }

 private:
  struct Window {
    std::optional<TimePoint> opened;
    std::uint32_t written = 0;
    std::uint64_t held_back = 0;
  };

  std::uint32_t per_window_;
  Duration window_;
  std::vector<Window> windows_;
};

}  // namespace iceway
