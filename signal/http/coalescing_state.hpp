#pragma once
// The state of one connection's coalescing write layer while it has something to write
// (internal to signal/http/; the layer is coalescing_stream.hpp). An idle connection holds none:
// the layer takes a state from a small per-thread stock when a write arrives and gives it back,
// buffers and all, when everything is written, so a busy connection allocates nothing per flush
// and ten thousand idle ones hold no buffers. Every io_context in iceway is run by one thread, so
// a state taken on a thread goes back on the same thread and the stock needs no lock.
//
// The state is shared because a posted flush or a write to the layer below can complete after
// the layer itself is gone: they hold the state, and `stream` is null once the layer let go.
#include <cstddef>
#include <memory>
#include <vector>

#include <boost/system/error_code.hpp>

namespace iceway::signaling {

// A continuation kept while the layer below is writing (a writer blocked on a full buffer, or a
// caller waiting for the flush). `stream` is the layer (a CoalescingStream<...>*).
struct CoalescingWaiter {
  virtual ~CoalescingWaiter() = default;
  virtual void run(void* stream) = 0;
};

struct CoalescingState {
  void* stream = nullptr;     // the layer that holds this state; null once it let go
  std::vector<char> pending;  // accepted, not yet handed to the layer below
  std::vector<char> sending;  // being written by the layer below
  bool sending_active = false;
  bool turn_posted = false;
  std::size_t writes_since_post = 0;
  boost::system::error_code error;  // the first write error below; every later write fails with it
  std::unique_ptr<CoalescingWaiter> blocked;
  std::unique_ptr<CoalescingWaiter> flushed;
};

// Buffers that grew past this are freed when the state goes back, not kept in the stock.
inline constexpr std::size_t kKeptCoalescingBytes = 64 * 1024;
// States the stock keeps per thread.
inline constexpr std::size_t kKeptCoalescingStates = 64;

// A fresh state (stream null, buffers empty), from this thread's stock when it has one that
// nothing else holds any more.
std::shared_ptr<CoalescingState> take_coalescing_state();
// Gives `state` back: it is reset, and kept if the stock has room.
void give_back_coalescing_state(std::shared_ptr<CoalescingState>&& state);
// States in this thread's stock (for tests).
std::size_t coalescing_states_in_stock();

}  // namespace iceway::signaling
