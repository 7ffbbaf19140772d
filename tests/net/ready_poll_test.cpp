// ReadyPoll (net/ready_poll.hpp): one epoll set for a worker's sockets, waited for through one
// registration with the io_context. Pipes stand in for sockets: a write makes the read end
// readable at once, so every test runs the io_context with poll() and never waits.
#include "net/ready_poll.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <vector>
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

// Reads `bytes_per_call` bytes each time it is told its pipe is readable (0: up to 256), and
// says it may have left data behind when it read all it wanted.
struct PipeReader final : ReadyPoll::Reader {
  explicit PipeReader(const Pipe& pipe, std::size_t bytes_per_call = 0) : fd(pipe.read_end()), per_call(bytes_per_call) {}
  bool on_readable() override {
    ++calls;
    char buffer[256];
    const std::size_t want = per_call == 0 ? sizeof buffer : per_call;
    const ssize_t n = ::read(fd, buffer, want);
    if (n > 0) received.append(buffer, static_cast<std::size_t>(n));
    if (then) then();
    return n == static_cast<ssize_t>(want);
  }
  int fd;
  std::size_t per_call;
  int calls = 0;
  std::string received;
  std::function<void()> then;
};

// A poll on its own io_context, run with poll() only: pipes are readable the moment they are
// written, so nothing here waits.
struct ReadyPollTest : ::testing::Test {
  // Registers the pipe's read end for `reader` and watches it.
  ReadyPoll::Key watch(const Pipe& pipe, PipeReader& reader) {
    auto key = poll.add(pipe.read_end(), reader);
    EXPECT_TRUE(key);
    if (!key) return {};
    EXPECT_FALSE(poll.watch(key.value(), pipe.read_end()));
    return key.value();
  }
  // Runs every handler that is ready, as often as they become ready again, a bounded number of
  // times (a poll that kept re-reporting an empty descriptor would show as a count, not a hang).
  void run_ready(int rounds = 10) {
    for (int i = 0; i < rounds; ++i) {
      context.restart();
      context.poll();
    }
  }
  boost::asio::io_context context;
  ReadyPoll poll{context};
};

TEST_F(ReadyPollTest, AWatchedDescriptorWithDataReachesItsReader) {
  Pipe pipe;
  PipeReader reader(pipe);
  const auto key = watch(pipe, reader);
  run_ready();
  EXPECT_EQ(reader.calls, 0) << "nothing to read yet";
  pipe.write("hello");
  run_ready();
  EXPECT_EQ(reader.received, "hello");
  EXPECT_EQ(reader.calls, 1) << "drained in one call: not reported again";
  poll.remove(key, pipe.read_end());
}

TEST_F(ReadyPollTest, AnAddedDescriptorIsNotReportedUntilWatched) {
  Pipe pipe;
  PipeReader reader(pipe);
  auto key = poll.add(pipe.read_end(), reader);
  ASSERT_TRUE(key);
  pipe.write("early");
  run_ready();
  EXPECT_EQ(reader.calls, 0);
  EXPECT_TRUE(context.stopped()) << "no wait is pending while nothing is watched";
  ASSERT_FALSE(poll.watch(key.value(), pipe.read_end()));
  run_ready();
  EXPECT_EQ(reader.received, "early");
  poll.remove(key.value(), pipe.read_end());
}

// A reader that drains a bounded amount per call is told again about what it left, on the
// poll's next wake-up, until nothing is left.
TEST_F(ReadyPollTest, DataLeftBehindIsReportedAgain) {
  Pipe pipe;
  PipeReader reader(pipe, /*bytes_per_call=*/1);
  const auto key = watch(pipe, reader);
  pipe.write("abc");
  run_ready();
  EXPECT_EQ(reader.received, "abc");
  EXPECT_EQ(reader.calls, 3);
  poll.remove(key, pipe.read_end());
}

// The wait is edge-driven: a reader that says it drained is not asked again for what it left
// until something new arrives (the set is not looked at on every wake-up, which is what makes
// a wake-up cost no system call beyond the fetch).
TEST_F(ReadyPollTest, AReaderThatSaysItDrainedIsToldAgainOnlyWhenMoreArrives) {
  struct SaysDrained final : ReadyPoll::Reader {
    explicit SaysDrained(const Pipe& pipe) : fd(pipe.read_end()) {}
    bool on_readable() override {
      ++calls;
      char byte;
      if (::read(fd, &byte, 1) == 1) received.push_back(byte);
      return false;
    }
    int fd;
    int calls = 0;
    std::string received;
  };
  Pipe pipe;
  SaysDrained reader(pipe);
  auto key = poll.add(pipe.read_end(), reader);
  ASSERT_TRUE(key);
  ASSERT_FALSE(poll.watch(key.value(), pipe.read_end()));
  pipe.write("ab");
  run_ready();
  EXPECT_EQ(reader.received, "a");
  EXPECT_EQ(reader.calls, 1);
  pipe.write("c");
  run_ready();
  EXPECT_EQ(reader.received, "ab") << "the new byte is an edge; the reader takes the oldest";
  EXPECT_EQ(reader.calls, 2);
  poll.remove(key.value(), pipe.read_end());
}

// Two descriptors ready in the same wake-up, and whichever is told first removes the other:
// the other's event, already fetched, is dropped.
TEST_F(ReadyPollTest, AReaderRemovedEarlierInTheSameWakeUpIsNotCalled) {
  Pipe first_pipe, second_pipe;
  PipeReader first(first_pipe), second(second_pipe);
  const auto first_key = watch(first_pipe, first);
  const auto second_key = watch(second_pipe, second);
  first.then = [&] { poll.remove(second_key, second_pipe.read_end()); };
  second.then = [&] { poll.remove(first_key, first_pipe.read_end()); };
  first_pipe.write("1");
  second_pipe.write("2");
  run_ready();
  EXPECT_EQ(first.calls + second.calls, 1);
  EXPECT_EQ(poll.watched(), 1u);
  // The survivor goes too: with nothing watched, no wait is left pending.
  if (first.calls == 1) poll.remove(first_key, first_pipe.read_end());
  else poll.remove(second_key, second_pipe.read_end());
  EXPECT_EQ(poll.watched(), 0u);
  run_ready();
  EXPECT_TRUE(context.stopped());
}

// A slot freed by remove() is used again with a new generation, so an event for the old
// registration can never be taken for the new one; a stale key watches and removes nothing.
TEST_F(ReadyPollTest, ASlotUsedAgainHasANewGeneration) {
  Pipe old_pipe, new_pipe;
  PipeReader old_reader(old_pipe), new_reader(new_pipe);
  const auto old_key = watch(old_pipe, old_reader);
  poll.remove(old_key, old_pipe.read_end());
  const auto new_key = watch(new_pipe, new_reader);
  EXPECT_EQ(new_key.slot, old_key.slot);
  EXPECT_NE(new_key.generation, old_key.generation);
  EXPECT_TRUE(poll.watch(old_key, old_pipe.read_end()));
  poll.remove(old_key, new_pipe.read_end());
  EXPECT_EQ(poll.watched(), 1u);
  old_pipe.write("old");
  new_pipe.write("new");
  run_ready();
  EXPECT_EQ(old_reader.calls, 0);
  EXPECT_EQ(new_reader.received, "new");
  poll.remove(new_key, new_pipe.read_end());
}

// A reader may add another while it is called; the new one is served like any other.
TEST_F(ReadyPollTest, AReaderAddedDuringAWakeUpIsServed) {
  Pipe first_pipe, added_pipe;
  PipeReader first(first_pipe), added(added_pipe);
  std::optional<ReadyPoll::Key> added_key;
  first.then = [&] {
    added_key = watch(added_pipe, added);
    first.then = nullptr;
  };
  const auto first_key = watch(first_pipe, first);
  added_pipe.write("waiting");
  first_pipe.write("go");
  run_ready();
  ASSERT_TRUE(added_key);
  EXPECT_EQ(added.received, "waiting");
  poll.remove(first_key, first_pipe.read_end());
  poll.remove(*added_key, added_pipe.read_end());
  EXPECT_EQ(poll.watched(), 0u);
}

// One wake-up fetches at most 64 ready descriptors; the rest stay ready (level-triggered) and
// are served on the following wake-ups, none skipped.
TEST_F(ReadyPollTest, MoreReadyDescriptorsThanOneWakeUpFetchesAreAllServed) {
  constexpr int kCount = 70;
  std::vector<std::unique_ptr<Pipe>> pipes;
  std::vector<std::unique_ptr<PipeReader>> readers;
  std::vector<ReadyPoll::Key> keys;
  for (int i = 0; i < kCount; ++i) {
    pipes.push_back(std::make_unique<Pipe>());
    readers.push_back(std::make_unique<PipeReader>(*pipes.back()));
    keys.push_back(watch(*pipes.back(), *readers.back()));
    pipes.back()->write("x");
  }
  context.restart();
  context.run_one();  // one wake-up
  int served = 0;
  for (const auto& reader : readers) served += reader->calls;
  EXPECT_EQ(served, 64);
  run_ready();
  for (const auto& reader : readers) EXPECT_EQ(reader->received, "x");
  for (int i = 0; i < kCount; ++i) poll.remove(keys[i], pipes[i]->read_end());
}

TEST_F(ReadyPollTest, AStoppedPollReportsNothingAndLeavesNoWork) {
  Pipe pipe;
  PipeReader reader(pipe);
  const auto key = watch(pipe, reader);
  poll.stop();
  pipe.write("late");
  run_ready();
  EXPECT_EQ(reader.calls, 0);
  EXPECT_TRUE(context.stopped());
  poll.remove(key, pipe.read_end());
}

// Watching a descriptor that is readable already completes the wait at once; stopping before
// that completion runs leaves it nothing to report and no work behind (under ASan: nothing
// leaked, nothing used after it went).
TEST_F(ReadyPollTest, AStopBeforeAnImmediateWakeUpRunsReportsNothing) {
  Pipe pipe;
  PipeReader reader(pipe);
  pipe.write("ready");
  const auto key = watch(pipe, reader);
  poll.stop();
  run_ready();
  EXPECT_EQ(reader.calls, 0);
  EXPECT_TRUE(context.stopped());
  poll.remove(key, pipe.read_end());
}

// Nothing watched cancels the pending wait; watching again starts a new one.
TEST_F(ReadyPollTest, WatchingAgainAfterEverythingWasRemovedIsServed) {
  Pipe first_pipe, second_pipe;
  PipeReader first(first_pipe), second(second_pipe);
  const auto first_key = watch(first_pipe, first);
  poll.remove(first_key, first_pipe.read_end());
  const auto second_key = watch(second_pipe, second);  // before the cancelled wait completes
  second_pipe.write("again");
  run_ready();
  EXPECT_EQ(second.received, "again");
  poll.remove(second_key, second_pipe.read_end());
  run_ready();
  EXPECT_TRUE(context.stopped());
}

TEST_F(ReadyPollTest, ADescriptorEpollCannotWatchIsRefused) {
  Pipe pipe;
  PipeReader reader(pipe);
  auto bad = poll.add(-1, reader);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error(), std::errc::bad_file_descriptor);
  const auto key = watch(pipe, reader);
  EXPECT_EQ(key.slot, 0u) << "the refused registration took no slot";
  poll.remove(key, pipe.read_end());
}

}  // namespace
}  // namespace iceway::net
