#include "common/log_rate_limiter.hpp"

#include <cassert>

namespace iceway {

LogRateLimiter::LogRateLimiter(std::size_t keys, std::uint32_t per_window, Duration window)
    : per_window_(per_window), window_(window), windows_(keys) {}

LogRateLimiter::Admission LogRateLimiter::admit(std::size_t key, TimePoint now) {
  assert(key < windows_.size());  // keys come from the caller's fixed enum
  Window& window = windows_[key];
  Admission admission;
  if (!window.opened || now - *window.opened >= window_) {
    admission.held_back = window.held_back;
    window = Window{now, 0, 0};
  }
  if (window.written < per_window_) {
    ++window.written;
    admission.write = true;
  } else {
    ++window.held_back;
  }
  return admission;
}

std::vector<LogRateLimiter::HeldBack> LogRateLimiter::flush(TimePoint now) {
  std::vector<HeldBack> closed;
  for (std::size_t key = 0; key < windows_.size(); ++key) {
    Window& window = windows_[key];
    if (window.held_back == 0 || now - *window.opened < window_) continue;
    closed.push_back({key, window.held_back});
    window.held_back = 0;
  }
  return closed;
}

}  // namespace iceway
