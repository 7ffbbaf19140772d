#pragma once
// The frames waiting for one WebSocket session's writer, oldest first (internal to signal/http/).
// It replaces a std::deque, which allocates a 512-byte block and its map as soon as it exists:
// a tenth of an idle connection's memory (docs/BENCHMARKS.md, PeerJS section). This allocates
// nothing until a frame has to wait, keeps a small capacity so a busy connection does not
// allocate per frame, and gives a large one back when it empties.
#include <cstddef>
#include <utility>
#include <vector>

#include "signal/outbox.hpp"

namespace iceway::signaling {

class FrameQueue {
 public:
  // Capacity kept when the queue empties; anything larger is freed then.
  static constexpr std::size_t kKeptCapacity = 16;

  bool empty() const { return head_ == frames_.size(); }
  std::size_t size() const { return frames_.size() - head_; }
  // Bytes of text waiting.
  std::size_t bytes() const { return bytes_; }

  void push(Frame frame) {
    bytes_ += frame->size();
    frames_.push_back(std::move(frame));
  }

  // Precondition: !empty().
  Frame pop() {
    Frame frame = std::move(frames_[head_++]);
    bytes_ -= frame->size();
    if (head_ == frames_.size()) {
      release_if_large();
    } else if (head_ >= kKeptCapacity && head_ * 2 >= frames_.size()) {
      // A writer that never catches up would otherwise grow the vector with moved-from slots.
      frames_.erase(frames_.begin(), frames_.begin() + static_cast<std::ptrdiff_t>(head_));
      head_ = 0;
    }
    return frame;
  }

  void clear() {
    bytes_ = 0;
    release_if_large();
  }

 private:
  void release_if_large() {
    if (frames_.capacity() > kKeptCapacity) {
      std::vector<Frame>().swap(frames_);
    } else {
      frames_.clear();
    }
    head_ = 0;
  }

  std::vector<Frame> frames_;
  std::size_t head_ = 0;  // frames_[0, head_) were popped
  std::size_t bytes_ = 0;
};

}  // namespace iceway::signaling
