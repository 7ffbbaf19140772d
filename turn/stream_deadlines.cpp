#include "turn/stream_deadlines.hpp"

#include <algorithm>
#include <utility>

namespace iceway::turn {

StreamDeadlines::StreamDeadlines(const StreamTimeouts& timeouts, TimePoint now, bool tls_handshake)
    : timeouts_(timeouts), accepted_(now), last_frame_(now), in_handshake_(tls_handshake) {}

void StreamDeadlines::handshake_done(TimePoint now) {
  in_handshake_ = false;
  last_frame_ = now;
}

void StreamDeadlines::on_read(TimePoint now, bool completed, bool partial) {
  if (completed) {
    last_frame_ = now;
    frame_deadline_.reset();  // the frame that was pending (if any) is done
  }
  // A new incomplete frame starts its clock now; one already pending keeps its deadline.
  if (partial && !frame_deadline_) frame_deadline_ = now + timeouts_.frame;
  if (!partial) frame_deadline_.reset();
}

std::optional<StreamClose> StreamDeadlines::expired(TimePoint now) const {
  std::optional<std::pair<TimePoint, StreamClose>> earliest;
  auto consider = [&](TimePoint deadline, StreamClose reason) {
    if (deadline <= now && (!earliest || deadline < earliest->first)) earliest.emplace(deadline, reason);
  };
  if (in_handshake_) consider(accepted_ + timeouts_.handshake, StreamClose::handshake_timeout);
  if (frame_deadline_) consider(*frame_deadline_, StreamClose::frame_timeout);
  if (!proved_) consider(accepted_ + timeouts_.auth, StreamClose::auth_timeout);
  // The idle clock does not run while a frame is pending (its deadline is the shorter bound)
  // or during the handshake.
  if (!in_handshake_ && !frame_deadline_) consider(last_frame_ + timeouts_.idle, StreamClose::idle_timeout);
  if (!earliest) return std::nullopt;
  return earliest->second;
}

TimePoint StreamDeadlines::next() const {
  TimePoint next = TimePoint::max();
  if (in_handshake_) next = std::min(next, accepted_ + timeouts_.handshake);
  if (frame_deadline_) next = std::min(next, *frame_deadline_);
  if (!proved_) next = std::min(next, accepted_ + timeouts_.auth);
  if (!in_handshake_ && !frame_deadline_) next = std::min(next, last_frame_ + timeouts_.idle);
  return next;
}

}  // namespace iceway::turn
