#include "net/ready_poll.hpp"

#include <unistd.h>

#include <boost/asio/detail/reactor_op.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/execution_context.hpp>
#include <cerrno>
#include <utility>

namespace iceway::net {

namespace {
std::error_code last_error() { return std::error_code(errno, std::system_category()); }
}  // namespace

// The set's wait, as Asio's reactor runs its own socket reads: perform() is tried when the wait
// starts and whenever the registration reports an edge; it completes (and the scheduler calls
// complete()) once a fetch found something.
struct ReadyPoll::FetchOp : boost::asio::detail::reactor_op {
  explicit FetchOp(ReadyPoll* owner) : reactor_op(boost::system::error_code(), &perform_fetch, &complete), poll(owner) {}

  static status perform_fetch(reactor_op* base) {
    auto* op = static_cast<FetchOp*>(base);
    // Exhausted: whatever becomes ready later is a new edge, so the reactor need not try again
    // before it reports one (a reader that left data behind says so: look_again_).
    return op->poll->fetch() > 0 ? done_and_exhausted : not_done;
  }

  // The scheduler's call: `owner` is null when the io_context is destroyed with the wait
  // pending. The operation's own ec_ tells a cancelled wait.
  static void complete(void* owner, boost::asio::detail::scheduler_operation* base, const boost::system::error_code&,
                       std::size_t) {
    auto* op = static_cast<FetchOp*>(base);
    ReadyPoll* poll = op->poll;
    if (poll == nullptr) {  // the poll stopped while this was pending
      delete op;
      return;
    }
    poll->pending_ = false;
    if (owner == nullptr) return;
    if (std::exchange(op->ec_, boost::system::error_code()) == boost::asio::error::operation_aborted) {
      poll->arm();  // cancelled when nothing was watched; something may be again
      return;
    }
    poll->dispatch();
  }

  ReadyPoll* poll;
};

ReadyPoll::ReadyPoll(boost::asio::io_context& context)
    : epoll_fd_(::epoll_create1(EPOLL_CLOEXEC)),
      reactor_(boost::asio::use_service<boost::asio::detail::reactor>(
          static_cast<boost::asio::execution_context&>(context))) {
  if (epoll_fd_ < 0) throw std::system_error(last_error(), "epoll_create1");
  reactor_.init_task();  // as Asio's own descriptor services do: the scheduler runs the reactor
  if (const int error = reactor_.register_descriptor(epoll_fd_, reactor_data_); error != 0) {
    reactor_.cleanup_descriptor_data(reactor_data_);
    ::close(epoll_fd_);
    throw std::system_error(std::error_code(error, std::system_category()), "registering the UDP sockets' epoll set");
  }
  op_ = new FetchOp(this);
}

ReadyPoll::~ReadyPoll() {
  stop();
  ::close(epoll_fd_);
}

void ReadyPoll::stop() {
  if (op_ == nullptr) return;  // stopped already
  // A pending wait ends as aborted; the descriptor stays ours.
  reactor_.deregister_descriptor(epoll_fd_, reactor_data_, false);
  reactor_.cleanup_descriptor_data(reactor_data_);
  if (pending_) {
    op_->poll = nullptr;  // it deletes itself when the scheduler completes or destroys it
  } else {
    delete op_;
  }
  op_ = nullptr;
  pending_ = false;
}

Result<ReadyPoll::Key, std::error_code> ReadyPoll::add(int fd, Reader& reader) {
  const bool reused = !free_slots_.empty();
  std::uint32_t slot;
  if (reused) {
    slot = free_slots_.back();
  } else {
    slot = static_cast<std::uint32_t>(slots_.size());
    slots_.emplace_back();
  }
  const Key key{slot, slots_[slot].generation};
  epoll_event event{};
  event.events = 0;  // registered, not reported: watch() turns it on
  event.data.u64 = pack(key);
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &event) != 0) {
    const auto error = last_error();
    if (!reused) slots_.pop_back();
    return failure(error);
  }
  if (reused) free_slots_.pop_back();
  slots_[slot].reader = &reader;
  return key;
}

std::error_code ReadyPoll::watch(Key key, int fd) {
  if (key.slot >= slots_.size()) return std::make_error_code(std::errc::invalid_argument);
  Slot& slot = slots_[key.slot];
  if (slot.generation != key.generation || slot.reader == nullptr) return std::make_error_code(std::errc::invalid_argument);
  if (slot.watched) return {};
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.u64 = pack(key);
  // A descriptor that is readable already makes the set readable: an edge the wait sees.
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, fd, &event) != 0) return last_error();
  slot.watched = true;
  ++watched_;
  arm();
  return {};
}

void ReadyPoll::remove(Key key, int fd) {
  if (key.slot >= slots_.size()) return;
  Slot& slot = slots_[key.slot];
  if (slot.generation != key.generation || slot.reader == nullptr) return;
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
  if (slot.watched) --watched_;
  slot = Slot{nullptr, key.generation + 1, false};
  free_slots_.push_back(key.slot);
  if (watched_ == 0 && pending_ && op_ != nullptr) {
    // Nothing left to wait for: an io_context that runs until it has no work can return. A
    // wait that has completed already finds nothing watched and stays down.
    reactor_.cancel_ops(epoll_fd_, reactor_data_);
  }
}

int ReadyPoll::fetch() {
  const int count = ::epoll_wait(epoll_fd_, events_.data(), kEventsPerWait, 0);
  fetched_ = count > 0 ? count : 0;
  // A full fetch may have left ready registrations behind: level-triggered, they are fetched
  // again, but only a look, not an edge, finds them.
  if (fetched_ == kEventsPerWait) look_again_ = true;
  return fetched_;
}

void ReadyPoll::arm() {
  if (pending_ || dispatching_ || op_ == nullptr || watched_ == 0) return;
  pending_ = true;
  if (std::exchange(look_again_, false) && fetch() > 0) {
    reactor_.post_immediate_completion(op_, false);  // after the handlers already waiting
    return;
  }
  reactor_.start_op(boost::asio::detail::reactor::read_op, epoll_fd_, reactor_data_, op_, false, true);
}

void ReadyPoll::dispatch() {
  const int count = std::exchange(fetched_, 0);
  dispatching_ = true;
  for (int i = 0; i < count; ++i) {
    const std::uint64_t data = events_[static_cast<std::size_t>(i)].data.u64;
    const auto index = static_cast<std::uint32_t>(data & 0xffffffffu);
    const auto generation = static_cast<std::uint32_t>(data >> 32);
    // A reader removed (or replaced) by an earlier reader's call in this same batch is skipped.
    if (index >= slots_.size()) continue;
    const Slot& slot = slots_[index];
    if (slot.generation != generation || slot.reader == nullptr || !slot.watched) continue;
    if (slot.reader->on_readable()) look_again_ = true;  // may add readers: `slot` is not used after this
  }
  dispatching_ = false;
  arm();
}

}  // namespace iceway::net
