#pragma once
// Per-connection limits of the signaling core (SPEC §6 "Limits"): a token bucket for messages
// per second, the frame size check and the JSON nesting check. Pure: time is passed in.
#include <cstddef>
#include <string_view>

#include "common/clock.hpp"

namespace iceway::signaling {

// Classic token bucket: `rate` tokens per second refill up to `burst`; each message takes one.
// The rate and burst are passed on every call rather than stored, so a SIGHUP that changes them
// applies to existing connections at once. A new bucket starts full, so a client's opening
// burst (join, a few candidates) is never refused.
class TokenBucket {
 public:
  TokenBucket(TimePoint now, double burst) : tokens_(burst), last_(now) {}

  // Takes a token if one is available. Time going backwards (it cannot with steady_clock, but a
  // test may pass anything) refills nothing.
  bool try_take(TimePoint now, double rate, double burst);
  double tokens() const { return tokens_; }

 private:
  double tokens_;
  TimePoint last_;
};

inline bool frame_too_large(std::string_view text, std::size_t max_frame_bytes) {
  return text.size() > max_frame_bytes;
}

// True if the JSON text nests arrays/objects deeper than max_depth ({} is depth 1). A linear scan
// of brackets outside strings, with no recursion, so it is safe on any input and runs before the
// parser builds anything. The text need not be valid JSON; the parser judges that afterwards.
bool json_too_deep(std::string_view text, std::size_t max_depth);

}  // namespace iceway::signaling
