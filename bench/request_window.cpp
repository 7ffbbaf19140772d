#include "bench/request_window.hpp"

#include <cassert>

namespace iceway::bench {

RequestWindow::RequestWindow(std::uint32_t size) : slots_(size) {
  assert(size >= 1);  // the options check rejects a zero window before any window is built
  free_.reserve(size);
  // Reverse order, so the first requests go out in slots 0, 1, 2, ... (readable in captures).
  for (std::uint32_t slot = size; slot-- > 0;) {
    slots_[slot].sequence = slot;
    free_.push_back(slot);
  }
}

std::optional<std::uint32_t> RequestWindow::issue(TimePoint now) {
  if (free_.empty()) return std::nullopt;
  Slot& slot = slots_[free_.back()];
  free_.pop_back();
  slot.pending = true;
  slot.sent = now;
  return slot.sequence;
}

RequestWindow::Slot* RequestWindow::pending_slot(std::uint32_t sequence) {
  Slot& slot = slots_[sequence % slots_.size()];
  return slot.pending && slot.sequence == sequence ? &slot : nullptr;
}

void RequestWindow::cancel(std::uint32_t sequence) {
  Slot* slot = pending_slot(sequence);
  if (!slot) return;
  // The same sequence number may be used again: nobody saw it on the wire.
  slot->pending = false;
  free_.push_back(sequence % size());
}

std::optional<std::chrono::nanoseconds> RequestWindow::answer(std::uint32_t sequence, TimePoint now) {
  Slot* slot = pending_slot(sequence);
  if (!slot) return std::nullopt;
  slot->pending = false;
  slot->sequence += size();  // the next request in this slot must not match a late copy of this answer
  free_.push_back(sequence % size());
  return std::chrono::duration_cast<std::chrono::nanoseconds>(now - slot->sent);
}

std::uint32_t RequestWindow::expire(TimePoint now, std::chrono::nanoseconds timeout) {
  std::uint32_t expired = 0;
  for (std::uint32_t index = 0; index < slots_.size(); ++index) {
    Slot& slot = slots_[index];
    if (!slot.pending || now - slot.sent < timeout) continue;
    slot.pending = false;
    slot.sequence += size();
    free_.push_back(index);
    ++expired;
  }
  return expired;
}

}  // namespace iceway::bench
