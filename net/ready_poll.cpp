#include "net/ready_poll.hpp"

#include <unistd.h>

#include <cerrno>

namespace iceway::net {

namespace {
std::error_code last_error() { return std::error_code(errno, std::system_category()); }
}  // namespace

ReadyPoll::ReadyPoll(boost::asio::io_context& context) : epoll_fd_(::epoll_create1(EPOLL_CLOEXEC)) {
  if (epoll_fd_ < 0) throw std::system_error(last_error(), "epoll_create1");
  waiter_.emplace(context.get_executor());
  boost::system::error_code error;
  waiter_->assign(epoll_fd_, error);
  if (error) {
    ::close(epoll_fd_);
    throw std::system_error(error, "registering the UDP sockets' epoll set");
  }
}

ReadyPoll::~ReadyPoll() {
  stop();
  ::close(epoll_fd_);
}

void ReadyPoll::stop() {
  if (!waiter_) return;
  waiter_->release();  // the descriptor stays ours; a pending wait ends as aborted
  waiter_.reset();
  armed_ = false;
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
  if (watched_ == 0 && armed_ && waiter_) {
    // Nothing left to wait for: an io_context that runs until it has no work can return.
    boost::system::error_code ignored;
    waiter_->cancel(ignored);
    armed_ = false;
  }
}

void ReadyPoll::arm() {
  if (armed_ || !waiter_ || watched_ == 0) return;
  armed_ = true;
  // A cancelled or stopped wait touches nothing: the poll may be gone by the time it ends.
  waiter_->async_wait(boost::asio::posix::descriptor_base::wait_read, [this](const boost::system::error_code& error) {
    if (error == boost::asio::error::operation_aborted) return;
    armed_ = false;
    on_ready();
  });
}

void ReadyPoll::on_ready() {
  // Every ready socket at once; more than kEventsPerWait stay ready (level-triggered), so
  // the set is readable again as soon as arm() re-registers it.
  const int count = ::epoll_wait(epoll_fd_, events_.data(), kEventsPerWait, 0);
  for (int i = 0; i < count; ++i) {
    const std::uint64_t data = events_[static_cast<std::size_t>(i)].data.u64;
    const auto index = static_cast<std::uint32_t>(data & 0xffffffffu);
    const auto generation = static_cast<std::uint32_t>(data >> 32);
    // A reader removed (or replaced) by an earlier reader's call in this same batch is skipped.
    if (index >= slots_.size()) continue;
    const Slot& slot = slots_[index];
    if (slot.generation != generation || slot.reader == nullptr || !slot.watched) continue;
    slot.reader->on_readable();  // may add readers: `slot` is not used after this
  }
  arm();
}

}  // namespace iceway::net
