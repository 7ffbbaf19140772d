#pragma once
// The requests one socket has in flight: at most `size` of them, each in a slot that
// remembers its sequence number and when it was sent. Pure bookkeeping with the time passed
// in (STYLE.md "Time is an argument"), so the closed-loop, open-loop and timeout rules are
// unit-tested without sockets.
//
// A slot's sequence numbers are slot, slot + size, slot + 2*size, ...: the slot of any
// sequence number is `sequence % size`, so an answer finds its request in O(1), and an answer
// that arrives after its slot was reused (a late answer to a request already counted as lost)
// carries an older sequence number and is told apart. Sequence numbers stay below 2^32
// because iceway-bench caps the requests of a run well below that (see StunLoadOptions).
//
// Owned by one load thread; not thread-safe.
#include <chrono>
#include <cstdint>
#include <optional>
#include <vector>

#include "common/clock.hpp"

namespace iceway::bench {

class RequestWindow {
 public:
  // Precondition: size >= 1.
  explicit RequestWindow(std::uint32_t size);

  // Takes a free slot for a new request sent at `now` and returns its sequence number;
  // nullopt when all `size` slots are in flight (open loop counts that as "window full").
  std::optional<std::uint32_t> issue(TimePoint now);
  // The request `sequence` was not sent after all (the socket refused it): frees its slot
  // without counting an answer or a loss.
  void cancel(std::uint32_t sequence);
  // An answer carrying `sequence`: the latency when that request is in flight, else nullopt
  // (a late answer to a request already expired, a duplicate, or a number never issued).
  std::optional<std::chrono::nanoseconds> answer(std::uint32_t sequence, TimePoint now);
  // Frees every request sent before `now - timeout`; returns how many (they are lost).
  std::uint32_t expire(TimePoint now, std::chrono::nanoseconds timeout);

  std::uint32_t size() const { return static_cast<std::uint32_t>(slots_.size()); }
  std::uint32_t in_flight() const { return size() - static_cast<std::uint32_t>(free_.size()); }
  bool full() const { return free_.empty(); }

 private:
  struct Slot {
    std::uint32_t sequence = 0;
    bool pending = false;
    TimePoint sent{};
  };
  Slot* pending_slot(std::uint32_t sequence);

  std::vector<Slot> slots_;
  std::vector<std::uint32_t> free_;  // slot indices, used as a stack
};

}  // namespace iceway::bench
