#pragma once
// Time aliases. Cores never read a clock: they take `now` as an argument (STYLE.md
// "Time is an argument"). Monotonic time drives timers; wall time enters only where a
// protocol carries it (REST-API usernames carry a Unix expiry).
#include <chrono>
#include <cstdint>

namespace iceway {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;
using Duration = Clock::duration;
using Seconds = std::chrono::seconds;
using Milliseconds = std::chrono::milliseconds;

// Seconds since the Unix epoch, as carried by TURN REST-API usernames and JWT `exp`.
using UnixSeconds = std::int64_t;

}  // namespace iceway
