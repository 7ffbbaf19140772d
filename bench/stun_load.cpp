#include "bench/stun_load.hpp"

#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <memory>
#include <random>
#include <thread>
#include <vector>

#include "bench/probe_id.hpp"
#include "bench/request_window.hpp"
#include "net/address.hpp"
#include "stun/attributes.hpp"
#include "stun/message_builder.hpp"

namespace iceway::bench {
namespace {

using std::chrono::nanoseconds;

// 64 datagrams per recvmmsg/sendmmsg: past ~32 the saving per datagram is small on
// loopback, and a batch this size keeps one socket from monopolising the thread.
constexpr std::size_t kBatch = 64;
// A Binding answer from either server is under 100 bytes; anything that does not fit is not
// an answer to us (MSG_TRUNC, counted as malformed).
constexpr std::size_t kAnswerBytes = 512;
// Our requests: a 20-byte header and an 8-byte FINGERPRINT at most.
constexpr std::size_t kRequestBytes = 64;
// How often in-flight requests are checked against the timeout. Finer than any timeout the
// options allow to matter (>= 1 ms), coarse enough that the scan costs nothing.
constexpr std::chrono::milliseconds kScanInterval{5};
// Open loop: most requests issued in one pacing step when the thread falls behind, so a
// stall turns into a visible shortfall in the sent rate rather than a burst that floods the
// server's queue.
constexpr std::uint64_t kMaxBurst = 8192;

double seconds_between(TimePoint from, TimePoint to) { return std::chrono::duration<double>(to - from).count(); }

std::string errno_text(const char* what) { return std::string(what) + ": " + std::strerror(errno); }

class FileDescriptor {
 public:
  FileDescriptor() = default;
  explicit FileDescriptor(int fd) : fd_(fd) {}
  FileDescriptor(FileDescriptor&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  FileDescriptor& operator=(FileDescriptor&& other) noexcept {
    if (this != &other) {
      reset();
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  ~FileDescriptor() { reset(); }
  int get() const { return fd_; }
  void reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

struct LoadSocket {
  FileDescriptor fd;
  std::uint32_t index = 0;  // across the whole run; goes into every transaction id
  Endpoint local;           // what a correct XOR-MAPPED-ADDRESS says
  RequestWindow window;
};

Result<LoadSocket, std::string> open_socket(const StunLoadOptions& options, std::uint32_t index) {
  sockaddr_storage server;
  const socklen_t server_length = net::to_sockaddr(options.server, server);
  FileDescriptor fd(::socket(server.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) return failure(errno_text("socket"));
  // Room for a full window of answers even if the thread is busy with other sockets for a
  // while: an answer the kernel drops here would count against the server.
  int receive_buffer = static_cast<int>(std::min<std::uint64_t>(std::uint64_t{options.window} * 2048, 8u << 20));
  int current = 0;
  socklen_t length = sizeof current;
  if (::getsockopt(fd.get(), SOL_SOCKET, SO_RCVBUF, &current, &length) == 0 && current < receive_buffer)
    ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&server), server_length) != 0)
    return failure(errno_text("connect"));
  sockaddr_storage local;
  socklen_t local_length = sizeof local;
  if (::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&local), &local_length) != 0)
    return failure(errno_text("getsockname"));
  return LoadSocket{std::move(fd), index, net::from_sockaddr(reinterpret_cast<const sockaddr*>(&local)),
                    RequestWindow(options.window)};
}

class LoadThread {
 public:
  LoadThread(const StunLoadOptions& options, std::uint32_t run_tag, std::uint64_t budget, double rate)
      : options_(options), run_tag_(run_tag), budget_(budget), rate_(rate) {}

  void add(LoadSocket socket) { sockets_.push_back(std::move(socket)); }

  Result<void, std::string> prepare() {
    epoll_ = FileDescriptor(::epoll_create1(EPOLL_CLOEXEC));
    if (epoll_.get() < 0) return failure(errno_text("epoll_create1"));
    for (std::uint32_t i = 0; i < sockets_.size(); ++i) {
      epoll_event event{};
      event.events = EPOLLIN;
      event.data.u32 = i;
      if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, sockets_[i].fd.get(), &event) != 0)
        return failure(errno_text("epoll_ctl"));
    }
    for (std::size_t i = 0; i < kBatch; ++i) {
      receive_vectors_[i] = {receive_buffers_[i].data(), kAnswerBytes};
      receive_headers_[i].msg_hdr.msg_iov = &receive_vectors_[i];
      receive_headers_[i].msg_hdr.msg_iovlen = 1;
    }
    return success();
  }

  // Sends until `send_until` or the budget is spent, then waits for the answers in flight
  // for at most one timeout.
  void run(TimePoint start, TimePoint send_until) {
    start_ = start;
    const auto timeout = std::chrono::duration_cast<nanoseconds>(options_.timeout);
    TimePoint next_scan = start;
    TimePoint drain_deadline{};
    std::array<epoll_event, kBatch> events;
    for (;;) {
      TimePoint now = Clock::now();
      const bool was_sending = sending_;
      sending_ = now < send_until && issued_ < budget_;
      if (was_sending && !sending_) {
        sending_ended_ = now;
        drain_deadline = now + timeout;
      }
      if (!sending_) {
        if (in_flight() == 0 || now >= drain_deadline) {
          for (auto& socket : sockets_) counts.timed_out += socket.window.expire(now, timeout);
          drained_ = now;
          return;
        }
      }
      if (now >= next_scan) {
        for (auto& socket : sockets_) {
          counts.timed_out += socket.window.expire(now, timeout);
          if (sending_ && !options_.open_loop()) refill(socket, now);
        }
        next_scan = now + kScanInterval;
      }
      if (sending_ && options_.open_loop()) pace(now);

      // Open loop wakes every millisecond to pace; closed loop only needs the timeout scan.
      const int wait_ms = options_.open_loop() && sending_ ? 1 : static_cast<int>(kScanInterval.count());
      const int ready = ::epoll_wait(epoll_.get(), events.data(), static_cast<int>(events.size()), wait_ms);
      for (int i = 0; i < ready; ++i) on_readable(sockets_[events[i].data.u32]);
    }
  }

  TimePoint sending_ended() const { return sending_ended_; }
  TimePoint drained() const { return drained_; }

  StunLoadCounts counts;
  LatencyHistogram latency;

 private:
  std::uint64_t in_flight() const {
    std::uint64_t total = 0;
    for (const auto& socket : sockets_) total += socket.window.in_flight();
    return total;
  }

  // Closed loop: fill every free slot of the window (while the run is sending).
  void refill(LoadSocket& socket, TimePoint now) {
    while (!socket.window.full() && issued_ < budget_) {
      if (!queue_request(socket, now)) break;
      if (outgoing_ == kBatch) flush(socket);
    }
    flush(socket);
  }

  // Open loop: issue what the rate owes since the start, spread evenly over the sockets.
  void pace(TimePoint now) {
    const auto due_total = std::min<std::uint64_t>(
        budget_, static_cast<std::uint64_t>(rate_ * seconds_between(start_, now)));
    if (due_total <= offered_) return;
    const std::uint64_t due = std::min(due_total - offered_, kMaxBurst);
    offered_ += due;
    const std::uint64_t share = due / sockets_.size();
    std::uint64_t extra = due % sockets_.size();
    for (std::size_t n = 0; n < sockets_.size(); ++n) {
      LoadSocket& socket = sockets_[(next_socket_ + n) % sockets_.size()];
      std::uint64_t count = share + (extra > 0 ? 1 : 0);
      if (extra > 0) --extra;
      for (std::uint64_t i = 0; i < count; ++i) {
        if (socket.window.full() || issued_ >= budget_) {
          counts.window_full += count - i;
          break;
        }
        queue_request(socket, now);
        if (outgoing_ == kBatch) flush(socket);
      }
      flush(socket);
    }
    next_socket_ = (next_socket_ + static_cast<std::size_t>(due % sockets_.size())) % sockets_.size();
  }

  // Builds the next request in the outgoing batch; false if the window is full.
  bool queue_request(LoadSocket& socket, TimePoint now) {
    auto sequence = socket.window.issue(now);
    if (!sequence) return false;
    ++issued_;
    const ProbeId id{run_tag_, socket.index, *sequence};
    stun::MessageBuilder builder(send_buffers_[outgoing_]);
    builder.start({stun::Method::binding, stun::Class::request}, id.to_transaction_id());
    if (options_.fingerprint) builder.add_fingerprint();
    auto bytes = builder.finish();
    // The buffer holds 64 bytes and a request is at most 28: building cannot fail.
    if (!bytes) {
      socket.window.cancel(*sequence);
      --issued_;
      ++counts.send_errors;
      return true;
    }
    send_vectors_[outgoing_] = {const_cast<std::byte*>(bytes.value().data()), bytes.value().size()};
    send_headers_[outgoing_] = {};
    send_headers_[outgoing_].msg_hdr.msg_iov = &send_vectors_[outgoing_];
    send_headers_[outgoing_].msg_hdr.msg_iovlen = 1;
    send_sequences_[outgoing_] = *sequence;
    ++outgoing_;
    return true;
  }

  void flush(LoadSocket& socket) {
    std::size_t done = 0;
    bool retried = false;
    while (done < outgoing_) {
      const int sent = ::sendmmsg(socket.fd.get(), send_headers_.data() + done, static_cast<unsigned>(outgoing_ - done),
                                  MSG_DONTWAIT);
      if (sent > 0) {
        done += static_cast<std::size_t>(sent);
        continue;
      }
      // A connected UDP socket reports an earlier ICMP port unreachable on the next call;
      // the datagrams themselves can still go, so try once more.
      if (sent < 0 && errno == ECONNREFUSED && !retried) {
        ++counts.refused;
        retried = true;
        continue;
      }
      break;
    }
    counts.sent += done;
    for (std::size_t i = done; i < outgoing_; ++i) {
      socket.window.cancel(send_sequences_[i]);
      --issued_;
      ++counts.send_errors;
    }
    outgoing_ = 0;
  }

  void on_readable(LoadSocket& socket) {
    for (;;) {
      for (auto& header : receive_headers_) header.msg_hdr.msg_flags = 0;
      const int received = ::recvmmsg(socket.fd.get(), receive_headers_.data(), kBatch, MSG_DONTWAIT, nullptr);
      if (received < 0) {
        if (errno == ECONNREFUSED) {
          ++counts.refused;
          continue;
        }
        break;  // EAGAIN: drained
      }
      const TimePoint now = Clock::now();
      for (int i = 0; i < received; ++i) {
        const auto& header = receive_headers_[static_cast<std::size_t>(i)];
        if (header.msg_hdr.msg_flags & MSG_TRUNC) {
          ++counts.malformed;
          continue;
        }
        on_answer(socket, ByteSpan(receive_buffers_[static_cast<std::size_t>(i)].data(), header.msg_len), now);
      }
      if (sending_ && !options_.open_loop()) refill(socket, now);
      if (static_cast<std::size_t>(received) < kBatch) break;
    }
  }

  void on_answer(LoadSocket& socket, ByteSpan bytes, TimePoint now) {
    auto message = stun::MessageView::parse(bytes);
    if (!message || message.value().method() != stun::Method::binding) {
      ++counts.malformed;
      return;
    }
    const auto& answer = message.value();
    const ProbeId id = ProbeId::from_transaction_id(answer.transaction_id());
    if (id.run_tag != run_tag_ || id.socket != socket.index) {
      ++counts.malformed;  // not an answer to this run's requests from this socket
      return;
    }
    switch (answer.message_class()) {
      case stun::Class::success: {
        auto mapped = answer.get<stun::XorMappedAddress>();
        const bool correct = mapped && mapped.value() && mapped.value()->endpoint == socket.local;
        auto latency_ns = socket.window.answer(id.sequence, now);
        if (!latency_ns) ++counts.late;
        else if (!correct) ++counts.wrong_address;
        else {
          ++counts.answered;
          latency.record(*latency_ns);
        }
        return;
      }
      case stun::Class::error:
        if (socket.window.answer(id.sequence, now)) ++counts.error_responses;
        else ++counts.late;
        return;
      default:
        ++counts.malformed;
        return;
    }
  }

  const StunLoadOptions& options_;
  const std::uint32_t run_tag_;
  const std::uint64_t budget_;  // requests this thread may send in all
  const double rate_;           // open loop: this thread's share of the rate
  std::vector<LoadSocket> sockets_;
  FileDescriptor epoll_;

  TimePoint start_{};
  TimePoint sending_ended_{};
  TimePoint drained_{};
  bool sending_ = true;
  std::uint64_t issued_ = 0;   // requests put on the wire (or about to be)
  std::uint64_t offered_ = 0;  // open loop: requests the rate has asked for so far
  std::size_t next_socket_ = 0;

  std::array<std::array<std::byte, kAnswerBytes>, kBatch> receive_buffers_{};
  std::array<iovec, kBatch> receive_vectors_{};
  std::array<mmsghdr, kBatch> receive_headers_{};

  std::array<std::array<std::byte, kRequestBytes>, kBatch> send_buffers_{};
  std::array<iovec, kBatch> send_vectors_{};
  std::array<mmsghdr, kBatch> send_headers_{};
  std::array<std::uint32_t, kBatch> send_sequences_{};
  std::size_t outgoing_ = 0;
};

struct CpuTimes {
  double user = 0;
  double system = 0;
};

CpuTimes process_cpu_times() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  auto to_seconds = [](const timeval& value) { return value.tv_sec + value.tv_usec / 1e6; };
  return {to_seconds(usage.ru_utime), to_seconds(usage.ru_stime)};
}

}  // namespace

Result<StunLoadReport, std::string> run_stun_load(const StunLoadOptions& options) {
  const CpuTimes cpu_before = process_cpu_times();
  // A random tag per run: answers to an earlier run still in the socket queues (same ports
  // reused) cannot be mistaken for ours.
  const std::uint32_t run_tag = std::random_device{}();

  std::vector<std::unique_ptr<LoadThread>> threads;
  for (std::uint32_t t = 0; t < options.threads; ++t) {
    std::uint32_t thread_sockets = options.sockets / options.threads + (t < options.sockets % options.threads ? 1 : 0);
    std::uint64_t budget = options.max_requests / options.threads + (t < options.max_requests % options.threads ? 1 : 0);
    double rate = options.rate * thread_sockets / options.sockets;
    threads.push_back(std::make_unique<LoadThread>(options, run_tag, budget, rate));
  }
  for (std::uint32_t index = 0; index < options.sockets; ++index) {
    auto socket = open_socket(options, index);
    if (!socket) return failure("socket " + std::to_string(index) + ": " + socket.error());
    threads[index % options.threads]->add(std::move(socket).value());
  }
  for (auto& thread : threads) {
    auto prepared = thread->prepare();
    if (!prepared) return failure(prepared.error());
  }

  const TimePoint start = Clock::now();
  const TimePoint send_until =
      start + std::chrono::duration_cast<Duration>(std::chrono::duration<double>(options.duration_seconds));
  std::vector<std::jthread> running;
  for (std::size_t t = 1; t < threads.size(); ++t)
    running.emplace_back([&thread = *threads[t], start, send_until] { thread.run(start, send_until); });
  threads[0]->run(start, send_until);
  running.clear();  // joins

  StunLoadReport report;
  report.options = options;
  TimePoint ended = start;
  TimePoint drained = start;
  for (auto& thread : threads) {
    report.counts.add(thread->counts);
    report.latency.merge(thread->latency);
    ended = std::max(ended, thread->sending_ended());
    drained = std::max(drained, thread->drained());
  }
  report.send_seconds = seconds_between(start, ended);
  report.drain_seconds = seconds_between(ended, drained);
  const CpuTimes cpu_after = process_cpu_times();
  report.cpu_user_seconds = cpu_after.user - cpu_before.user;
  report.cpu_system_seconds = cpu_after.system - cpu_before.system;
  return report;
}

}  // namespace iceway::bench
