// ReadyPoll (net/ready_poll.hpp): one epoll set for a worker's sockets, waited for through one
// registration with the io_context. Pipes stand in for sockets: a write makes the read end
// readable at once, so every test runs the io_context with poll() and never waits.
#include "net/ready_poll.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <functional>
#include <optional>
#include <string>

namespace iceway::net {
namespace {

struct Pipe {
  Pipe() { EXPECT_EQ(::pipe2(fds, O_NONBLOCK | O_CLOEXEC), 0); }
  ~Pipe() {
    for (int fd : fds)
      if (fd >= 0) ::close(fd);
  }
  int read_end() const { return fds[0]; }
  void write(const std::string& text) const {
    ASSERT_EQ(::write(fds[1], text.data(), text.size()), static_cast<ssize_t>(text.size()));
  }
  int fds[2] = {-1, -1};
};

// Reads `bytes_per_call` bytes each time it is told its pipe is readable (0: all of them).
struct PipeReader final : ReadyPoll::Reader {
  explicit PipeReader(const Pipe& pipe, std::size_t bytes_per_call = 0) : fd(pipe.read_end()), per_call(bytes_per_call) {}
  void on_readable() override {
    ++calls;
    char buffer[256];
    const std::size_t want = per_call == 0 ? sizeof buffer : per_call;
    const ssize_t n = ::read(fd, buffer, want);
    if (n > 0) received.append(buffer, static_cast<std::size_t>(n));
    if (then) then();
  }
  int fd;
  std::size_t per_call;
  int calls = 0;
  std::string received;
  std::function<void()> then;
};

// Runs every handler that is ready, as often as they become ready again, a bounded number of
// times (a poll that kept re-reporting an empty descriptor would show as a count, not a hang).
void run_ready(boost::asio::io_context& context, int rounds = 10) {
  for (int i = 0; i < rounds; ++i) {
    context.restart();
    context.poll();
  }
}

TEST(ReadyPoll, AWatchedDescriptorWithDataReachesItsReader) {
  boost::asio::io_context context;
  ReadyPoll poll(context);
  Pipe pipe;
  PipeReader reader(pipe);
  auto key = poll.add(pipe.read_end(), reader);
  ASSERT_TRUE(key);
  ASSERT_FALSE(poll.watch(key.value(), pipe.read_end()));
  run_ready(context);
  EXPECT_EQ(reader.calls, 0) << "nothing to read yet";
  pipe.write("hello");
  run_ready(context);
  EXPECT_EQ(reader.received, "hello");
  EXPECT_EQ(reader.calls, 1) << "drained in one call: not reported again";
  poll.remove(key.value(), pipe.read_end());
}

TEST(ReadyPoll, AnAddedDescriptorIsNotReportedUntilWatched) {
  boost::asio::io_context context;
  ReadyPoll poll(context);
  Pipe pipe;
  PipeReader reader(pipe);
  auto key = poll.add(pipe.read_end(), reader);
  ASSERT_TRUE(key);
  pipe.write("early");
  run_ready(context);
  EXPECT_EQ(reader.calls, 0);
  EXPECT_TRUE(context.stopped()) << "no wait is pending while nothing is watched";
  ASSERT_FALSE(poll.watch(key.value(), pipe.read_end()));
  run_ready(context);
  EXPECT_EQ(reader.received, "early");
  poll.remove(key.value(), pipe.read_end());
}

// A reader that drains a bounded amount per call is told again about what it left, on the
// poll's next wake-up, until nothing is left.
TEST(ReadyPoll, DataLeftBehindIsReportedAgain) {
  boost::asio::io_context context;
  ReadyPoll poll(context);
  Pipe pipe;
  PipeReader reader(pipe, /*bytes_per_call=*/1);
  auto key = poll.add(pipe.read_end(), reader);
  ASSERT_TRUE(key);
  ASSERT_FALSE(poll.watch(key.value(), pipe.read_end()));
  pipe.write("abc");
  run_ready(context);
  EXPECT_EQ(reader.received, "abc");
  EXPECT_EQ(reader.calls, 3);
  poll.remove(key.value(), pipe.read_end());
}

// Two descriptors ready in the same wake-up, and whichever is told first removes the other:
// the other's event, already fetched, is dropped.
TEST(ReadyPoll, AReaderRemovedEarlierInTheSameWakeUpIsNotCalled) {
  boost::asio::io_context context;
  ReadyPoll poll(context);
  Pipe first_pipe, second_pipe;
  PipeReader first(first_pipe), second(second_pipe);
  auto first_key = poll.add(first_pipe.read_end(), first);
  auto second_key = poll.add(second_pipe.read_end(), second);
  ASSERT_TRUE(first_key && second_key);
  ASSERT_FALSE(poll.watch(first_key.value(), first_pipe.read_end()));
  ASSERT_FALSE(poll.watch(second_key.value(), second_pipe.read_end()));
  first.then = [&] { poll.remove(second_key.value(), second_pipe.read_end()); };
  second.then = [&] { poll.remove(first_key.value(), first_pipe.read_end()); };
  first_pipe.write("1");
  second_pipe.write("2");
  run_ready(context);
  EXPECT_EQ(first.calls + second.calls, 1);
  EXPECT_EQ(poll.watched(), 1u);
  // The survivor goes too: with nothing watched, no wait is left pending.
  if (first.calls == 1) poll.remove(first_key.value(), first_pipe.read_end());
  else poll.remove(second_key.value(), second_pipe.read_end());
  EXPECT_EQ(poll.watched(), 0u);
  run_ready(context);
  EXPECT_TRUE(context.stopped());
}

// A slot freed by remove() is used again with a new generation, so an event for the old
// registration can never be taken for the new one; removing by the old key does nothing.
TEST(ReadyPoll, ASlotUsedAgainHasANewGeneration) {
  boost::asio::io_context context;
  ReadyPoll poll(context);
  Pipe old_pipe, new_pipe;
  PipeReader old_reader(old_pipe), new_reader(new_pipe);
  auto old_key = poll.add(old_pipe.read_end(), old_reader);
  ASSERT_TRUE(old_key);
  ASSERT_FALSE(poll.watch(old_key.value(), old_pipe.read_end()));
  poll.remove(old_key.value(), old_pipe.read_end());
  auto new_key = poll.add(new_pipe.read_end(), new_reader);
  ASSERT_TRUE(new_key);
  EXPECT_EQ(new_key.value().slot, old_key.value().slot);
  EXPECT_NE(new_key.value().generation, old_key.value().generation);
  ASSERT_FALSE(poll.watch(new_key.value(), new_pipe.read_end()));
  EXPECT_TRUE(poll.watch(old_key.value(), old_pipe.read_end())) << "a stale key watches nothing";
  poll.remove(old_key.value(), new_pipe.read_end());
  EXPECT_EQ(poll.watched(), 1u) << "a stale key removes nothing";
  old_pipe.write("old");
  new_pipe.write("new");
  run_ready(context);
  EXPECT_EQ(old_reader.calls, 0);
  EXPECT_EQ(new_reader.received, "new");
  poll.remove(new_key.value(), new_pipe.read_end());
}

// A reader may add another while it is called; the new one is served like any other.
TEST(ReadyPoll, AReaderAddedDuringAWakeUpIsServed) {
  boost::asio::io_context context;
  ReadyPoll poll(context);
  Pipe first_pipe, added_pipe;
  PipeReader first(first_pipe), added(added_pipe);
  std::optional<ReadyPoll::Key> added_key;
  first.then = [&] {
    auto key = poll.add(added_pipe.read_end(), added);
    ASSERT_TRUE(key);
    ASSERT_FALSE(poll.watch(key.value(), added_pipe.read_end()));
    added_key = key.value();
    first.then = nullptr;
  };
  auto first_key = poll.add(first_pipe.read_end(), first);
  ASSERT_TRUE(first_key);
  ASSERT_FALSE(poll.watch(first_key.value(), first_pipe.read_end()));
  added_pipe.write("waiting");
  first_pipe.write("go");
  run_ready(context);
  ASSERT_TRUE(added_key);
  EXPECT_EQ(added.received, "waiting");
  poll.remove(first_key.value(), first_pipe.read_end());
  poll.remove(*added_key, added_pipe.read_end());
  EXPECT_EQ(poll.watched(), 0u);
}

TEST(ReadyPoll, AStoppedPollReportsNothingAndLeavesNoWork) {
  boost::asio::io_context context;
  ReadyPoll poll(context);
  Pipe pipe;
  PipeReader reader(pipe);
  auto key = poll.add(pipe.read_end(), reader);
  ASSERT_TRUE(key);
  ASSERT_FALSE(poll.watch(key.value(), pipe.read_end()));
  poll.stop();
  pipe.write("late");
  run_ready(context);
  EXPECT_EQ(reader.calls, 0);
  EXPECT_TRUE(context.stopped());
  poll.remove(key.value(), pipe.read_end());
}

TEST(ReadyPoll, ADescriptorEpollCannotWatchIsRefused) {
  boost::asio::io_context context;
  ReadyPoll poll(context);
  Pipe pipe;
  PipeReader reader(pipe);
  auto bad = poll.add(-1, reader);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error(), std::errc::bad_file_descriptor);
  auto key = poll.add(pipe.read_end(), reader);
  ASSERT_TRUE(key);
  EXPECT_EQ(key.value().slot, 0u) << "the refused registration took no slot";
  poll.remove(key.value(), pipe.read_end());
}

}  // namespace
}  // namespace iceway::net
