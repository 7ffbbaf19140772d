#include "signal/limits.hpp"

#include <algorithm>
#include <chrono>

namespace iceway::signaling {

bool TokenBucket::try_take(TimePoint now, double rate, double burst) {
  if (now > last_) {
    const double elapsed = std::chrono::duration<double>(now - last_).count();
    tokens_ = std::min(burst, tokens_ + elapsed * rate);
    last_ = now;
  }
  // A burst lowered by a reload takes effect at once.
  tokens_ = std::min(tokens_, burst);
  if (tokens_ < 1.0) return false;
  tokens_ -= 1.0;
  return true;
}

bool json_too_deep(std::string_view text, std::size_t max_depth) {
  std::size_t depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    switch (c) {
      case '"': in_string = true; break;
      case '[':
      case '{':
        if (++depth > max_depth) return true;
        break;
      case ']':
      case '}':
        // Unbalanced closers are the parser's problem; never let the count wrap.
        if (depth > 0) --depth;
        break;
      default: break;
    }
  }
  return false;
}

}  // namespace iceway::signaling
