#include "signal/http/coalescing_state.hpp"

#include <utility>

namespace iceway::signaling {
namespace {

std::vector<std::shared_ptr<CoalescingState>>& stock() {
  thread_local std::vector<std::shared_ptr<CoalescingState>> states;
  return states;
}

void reset_buffer(std::vector<char>& buffer) {
  if (buffer.capacity() > kKeptCoalescingBytes) {
    std::vector<char>().swap(buffer);
  } else {
    buffer.clear();
  }
}

}  // namespace

std::shared_ptr<CoalescingState> take_coalescing_state() {
  auto& states = stock();
  while (!states.empty()) {
    auto state = std::move(states.back());
    states.pop_back();
    // A completion that was running when the state went back may still hold it; that one is
    // freed when the completion ends.
    if (state.use_count() == 1) return state;
  }
  return std::make_shared<CoalescingState>();
}

void give_back_coalescing_state(std::shared_ptr<CoalescingState>&& state) {
  if (!state) return;
  auto owned = std::move(state);
  owned->stream = nullptr;
  reset_buffer(owned->pending);
  reset_buffer(owned->sending);
  owned->sending_active = false;
  owned->turn_posted = false;
  owned->writes_since_post = 0;
  owned->error = {};
  owned->blocked.reset();
  owned->flushed.reset();
  auto& states = stock();
  if (states.size() < kKeptCoalescingStates) states.push_back(std::move(owned));
}

std::size_t coalescing_states_in_stock() { return stock().size(); }

}  // namespace iceway::signaling
