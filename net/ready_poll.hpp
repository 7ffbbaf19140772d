#pragma once
// One worker's UDP sockets, waited for together: an epoll set of their descriptors, itself
// registered once with the worker's io_context. Asio waits for each socket on its own, and
// each wait costs system calls of its own: a receive that finds nothing when the wait starts
// and one more when the socket wakes. With many relay sockets that is two system calls per
// socket per wake-up. Here a wake-up costs one epoll_wait for every ready socket together,
// and one epoll_ctl that re-arms the set's registration; a socket's receives are only the
// ones that carry data. Idle sockets cost nothing in Asio's reactor either (no descriptor
// state, no pending operation: about 320 bytes per relay socket).
//
// Level-triggered: a reader that leaves data behind (it drains a bounded amount per wake-up
// so one busy socket cannot starve the others) is reported again on the next wake-up.
//
// Threading: everything on the owning worker's thread. Lifetime: a reader removes itself
// before it goes; the poll must outlive its readers and stop() (or destruction) must come
// while its io_context still exists.
#include <sys/epoll.h>

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
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
    // and remove readers, itself included.
    virtual void on_readable() = 0;

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

  void arm();
  void on_ready();
  static std::uint64_t pack(Key key) { return (std::uint64_t{key.generation} << 32) | key.slot; }

  int epoll_fd_ = -1;
  // The epoll descriptor as Asio sees it: readable when any watched socket is.
  std::optional<boost::asio::posix::basic_stream_descriptor<boost::asio::io_context::executor_type>> waiter_;
  bool armed_ = false;
  std::vector<Slot> slots_;
  std::vector<std::uint32_t> free_slots_;
  std::size_t watched_ = 0;
  std::array<epoll_event, kEventsPerWait> events_{};
};

}  // namespace iceway::net
