#pragma once
// One worker's UDP sockets, waited for together: an epoll set of their descriptors, itself
// registered once with the worker's io_context. Asio waits for each socket on its own, and
// each wait costs system calls of its own: a receive that finds nothing when the wait starts
// and one more when the socket wakes. With many relay sockets that is two system calls per
// socket per wake-up. Here a wake-up costs one epoll_wait that fetches every ready socket
// together, and a socket's receives are only the ones that carry data. Idle sockets cost
// nothing in Asio's reactor either (no descriptor state, no pending operation: about 320
// bytes per relay socket).
//
// Waiting costs no system call of its own. Asio's public async_wait re-registers the
// descriptor (EPOLL_CTL_MOD) each time it starts, one more call per wake-up; the set's wait is
// instead an operation in Asio's reactor of the kind Asio's own socket reads are: it completes
// at once when the set's registration has reported something since it last fetched, and
// otherwise sits in the reactor's queue until the registration (edge-triggered: a socket of
// the set receiving anything is an edge) reports again. This uses Asio's reactor interface
// (boost/asio/detail), as Debian 12's Boost 1.74 has it.
//
// Level-triggered inside the set: a reader that leaves data behind (it drains a bounded
// amount per wake-up so one busy socket cannot starve the others) says so, and the set is
// fetched again before the poll waits; so is a fetch that filled its 64 events.
//
// Threading: everything on the owning worker's thread. Lifetime: a reader removes itself
// before it goes; the poll must outlive its readers and stop() (or destruction) must come
// while its io_context still exists.
#include <sys/epoll.h>

#include <array>
#include <boost/asio/io_context.hpp>

// After io_context.hpp: the reactor's inline members need the scheduler it declares.
#include <boost/asio/detail/reactor.hpp>

#include <cstdint>
#include <optional>
#include <system_error>
#include <vector>

#include "common/result.hpp"

namespace iceway::net {

class ReadyPoll {
 public:
  class Reader {
   public:
    // The descriptor has data (or an error) to read. Called on the worker's thread; may add
    // and remove readers, itself included. True when it stopped before the descriptor was
    // drained (a bound per wake-up, an error that may hide data behind it): the set is
    // fetched again before the poll waits for a new edge.
    virtual bool on_readable() = 0;

   protected:
    ~Reader() = default;
  };

  // Which registration an event belongs to: a slot and the slot's generation, so an event
  // fetched before its reader was removed never reaches a reader added to the same slot later.
  struct Key {
    std::uint32_t slot = 0;
    std::uint32_t generation = 0;
  };

  explicit ReadyPoll(boost::asio::io_context& context);
  ReadyPoll(const ReadyPoll&) = delete;
  ReadyPoll& operator=(const ReadyPoll&) = delete;
  ~ReadyPoll();

  // Registers `fd` for `reader`, not yet watched: nothing is reported until watch(). Fails
  // as epoll_ctl does (the system's limit on watched descriptors, memory).
  Result<Key, std::error_code> add(int fd, Reader& reader);
  // Reports `fd` to its reader whenever it has data.
  std::error_code watch(Key key, int fd);
  // Forgets the registration; events already fetched for it are dropped. Before `fd` is
  // closed or handed to another worker.
  void remove(Key key, int fd);
  // Stops waiting (the io_context then has no work from this poll). Before the io_context
  // is destroyed, when the poll outlives it.
  void stop();

  // Registrations that are watched (what keeps a wait pending).
  std::size_t watched() const { return watched_; }

 private:
  struct Slot {
    Reader* reader = nullptr;
    std::uint32_t generation = 0;
    bool watched = false;
  };
  static constexpr int kEventsPerWait = 64;

  struct FetchOp;
  friend struct FetchOp;

  // Fetches the ready registrations into events_ without blocking; how many.
  int fetch();
  // Calls the readers of the fetched events, then waits again.
  void dispatch();
  // Starts the wait (or completes it at once) unless one is pending or nothing is watched.
  void arm();
  static std::uint64_t pack(Key key) { return (std::uint64_t{key.generation} << 32) | key.slot; }

  int epoll_fd_ = -1;
  boost::asio::detail::reactor& reactor_;
  // The epoll descriptor's registration with Asio's reactor (null once stopped).
  boost::asio::detail::reactor::per_descriptor_data reactor_data_ = nullptr;
  // Reused for every wait (null once stopped: the registration is gone); while pending_ the
  // reactor or the scheduler holds it, and after stop() a pending one deletes itself when it
  // completes.
  FetchOp* op_ = nullptr;
  bool pending_ = false;
  bool look_again_ = false;  // a reader left data behind, or a fetch filled events_
  bool dispatching_ = false;  // events_ is being read: a wait started now would overwrite it
  std::vector<Slot> slots_;
  std::vector<std::uint32_t> free_slots_;
  std::size_t watched_ = 0;
  int fetched_ = 0;
  std::array<epoll_event, kEventsPerWait> events_{};
};

}  // namespace iceway::net
