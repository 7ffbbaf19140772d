#pragma once
// A UDP socket that drains the kernel in batches (recvmmsg) and hands each datagram to a
// DatagramHandler, and sends without blocking. Used for the STUN/TURN listeners (one per
// worker and address, SO_REUSEPORT so the kernel spreads clients over workers) and for TURN
// relay sockets. Knows no protocol.
//
// Threading: all calls on the owning worker's thread. The worker's ReadyPoll reports when it
// has data (net/ready_poll.hpp). Lifetime: owned through shared_ptr, because a handler may drop
// the last other reference while the socket delivers to it; close() stops delivery at once, so
// the handler may be destroyed right after close() even while the socket object lingers.
#include <sys/socket.h>

#include <array>
#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <system_error>
#include <utility>

#include "common/bytes.hpp"
#include "common/clock.hpp"
#include "common/endpoint.hpp"
#include "common/result.hpp"
#include "net/ready_poll.hpp"
#include "net/receive_tally.hpp"
#include "net/send_batch.hpp"

namespace iceway::net {

class UdpSocket;

// A received datagram in the worker's receive batch: buffer[offset, offset + size), with
// ReceiveBatch::kHeadroom writable bytes before it and kTailroom after it, so a relay can
// prepend a header and pad in place instead of copying. Valid only during the call.
struct Datagram {
  MutableByteSpan buffer;
  std::size_t offset = 0;
  std::size_t size = 0;
  // Where it was sent to: the socket's local address, or on a wildcard socket (0.0.0.0, [::])
  // the host address the client used (IP_PKTINFO), which answers must leave from.
  Endpoint destination;
  // When its receive round was read: one clock read per recvmmsg, not one per datagram.
  TimePoint received_at{};
  ByteSpan data() const { return ByteSpan(buffer.data() + offset, size); }
};

class DatagramHandler {
 public:
  virtual void on_datagram(const Datagram& datagram, const Endpoint& from, UdpSocket& socket) = 0;

 protected:
  ~DatagramHandler() = default;
};

// One worker's receive buffers. 64 KiB of payload per slot so no datagram is truncated
// (ChannelData may carry up to 65535 bytes); only the pages datagrams land in become
// resident, a page or two per slot for ordinary sizes. 64 slots per recvmmsg, as many as the
// SendBatch holds: a listening socket that serves many clients has that many waiting at a
// wake-up under load, and 16 took a third more receive calls per relayed packet than the bare
// relay of bench/ (docs/BENCHMARKS.md). Headroom fits a TURN Data indication header (48 bytes).
struct ReceiveBatch {
  static constexpr std::size_t kMessages = 64;
  // Receive rounds per wake-up of one socket (kMessages each): then the worker's other sockets
  // and timers get their turn, and the poll reports what is left on its next wake-up.
  static constexpr int kRoundsPerWakeUp = 4;
  static constexpr std::size_t kHeadroom = 64;
  static constexpr std::size_t kTailroom = 64;
  static constexpr std::size_t kPayloadBytes = 65536;
  static constexpr std::size_t kSlotBytes = kHeadroom + kPayloadBytes + kTailroom;
  std::array<std::array<std::byte, kSlotBytes>, kMessages> slots;
  std::array<sockaddr_storage, kMessages> sources;
  // IP_PKTINFO / IPV6_PKTINFO of wildcard sockets (CMSG_SPACE of an in6_pktinfo on 64-bit
  // Linux: 40 bytes; 64 leaves room).
  static constexpr std::size_t kControlBytes = 64;
  struct alignas(cmsghdr) Control {
    std::array<std::byte, kControlBytes> bytes;
  };
  std::array<Control, kMessages> control;
  // recvmmsg's headers over the slots, set up once: the kernel writes only the lengths and
  // flags of the headers it fills, so prepare() resets those `filled` ones, not all of them
  // (a relay socket's wake-up usually reads a few datagrams, not kMessages).
  std::array<mmsghdr, kMessages> headers;
  std::array<iovec, kMessages> vectors;
  std::size_t filled = 0;
  ReceiveBatch();
  mmsghdr* prepare();
  // Relayed datagrams queued while this batch is handled: views into `slots`, so every socket
  // of the worker flushes them after each receive round (net/send_batch.hpp).
  SendBatch sends;
  // Datagrams the kernel dropped at this worker's full receive buffers.
  ReceiveTally receives;
};

struct UdpSocketOptions {
  bool reuse_port = false;
  int receive_buffer_bytes = 0;  // 0 = kernel default
  int send_buffer_bytes = 0;
};

// A bound UDP socket that nobody reads: it keeps its port taken until it is closed or handed
// to a UdpSocket (TURN port reservations). Belongs to no worker, so any worker may adopt it.
// Move-only; closes on destruction.
class BoundUdpPort {
 public:
  // Binds to `local` (IPv6 sockets are v6-only, so 0.0.0.0 and [::] can both be bound).
  static Result<BoundUdpPort, std::error_code> bind(const Endpoint& local, const UdpSocketOptions& options);

  BoundUdpPort(BoundUdpPort&& other) noexcept : fd_(std::exchange(other.fd_, -1)), local_(other.local_) {}
  BoundUdpPort& operator=(BoundUdpPort&& other) noexcept;
  BoundUdpPort(const BoundUdpPort&) = delete;
  BoundUdpPort& operator=(const BoundUdpPort&) = delete;
  ~BoundUdpPort();

  const Endpoint& local() const { return local_; }  // the bound address and port
  int release() { return std::exchange(fd_, -1); }

 private:
  friend class UdpSocket;  // release() gives its descriptor back as one
  BoundUdpPort(int fd, const Endpoint& local) : fd_(fd), local_(local) {}
  int fd_ = -1;
  Endpoint local_;
};

class UdpSocket final : public std::enable_shared_from_this<UdpSocket>, private ReadyPoll::Reader {
 public:
  UdpSocket(ReadyPoll& poll, ReceiveBatch& batch);
  UdpSocket(const UdpSocket&) = delete;
  UdpSocket& operator=(const UdpSocket&) = delete;
  ~UdpSocket();

  // Binds to `local` (IPv6 sockets are v6-only, so 0.0.0.0 and [::] can both be bound).
  std::error_code open(const Endpoint& local, const UdpSocketOptions& options);
  // Takes over a port bound earlier, perhaps on another thread.
  std::error_code adopt(BoundUdpPort port);
  Endpoint local_endpoint() const { return local_; }
  // Starts delivering datagrams to `handler`, which must outlive the socket or its close().
  // Fails only if the poll cannot watch the descriptor; the socket delivers nothing then.
  [[nodiscard]] std::error_code start(DatagramHandler& handler);
  // Sends without blocking; a full kernel buffer drops the datagram (UDP semantics) and
  // returns false so the caller can count it. On a wildcard socket `source` (a host address,
  // usually a Datagram::destination) is the address it leaves from; otherwise the kernel picks
  // by route, which on a multi-homed host may not be the address the client sent to, and the
  // client would drop the answer.
  bool send_to(ByteSpan data, const Endpoint& destination, const IpAddress* source = nullptr);
  // The same, queued in the worker's SendBatch and sent with the rest of the receive round's
  // datagrams (one sendmmsg per socket): for data that lives in the worker's ReceiveBatch.
  // The round's end flushes it; outside a round it is sent at once. Whether the kernel took
  // it is counted in the SendBatch, not returned.
  void send_batched(ByteSpan data, const Endpoint& destination, const IpAddress* source = nullptr);
  // The same for data the caller reuses at once (an answer buffer): copied into the batch.
  void send_copied(ByteSpan data, const Endpoint& destination, const IpAddress* source = nullptr);
  // Sets the DF bit on everything sent (RFC 8656 DONT-FRAGMENT); false when the OS refuses.
  bool set_dont_fragment();
  // Sends what the worker's batch still holds for this socket, then closes it. Returns how many
  // datagrams the kernel still had queued for it, unread, which go with it (at most
  // kMaxDiscarded are counted), so that the caller can count them as lost.
  std::size_t close();
  // Takes what the kernel has queued for this socket and throws it away unread; returns how
  // many datagrams that was (at most `at_most`, so a flood cannot hold the caller).
  static constexpr std::size_t kMaxDiscarded = 8192;
  std::size_t discard_queued(std::size_t at_most = kMaxDiscarded);
  // Stops delivering and gives the descriptor up, still bound, with whatever the kernel has
  // queued for it, for another worker to adopt(). Nothing when the socket is not open.
  std::optional<BoundUdpPort> release();
  bool is_open() const { return fd_ >= 0; }
  // Adds what the kernel's count of drops at this socket's full receive buffer grew by since
  // it was last read to the worker's ReceiveTally. The socket does so itself while it receives
  // (at most once a second) and when it closes; the worker also calls it every second for its
  // listeners, so their drops show within a second even when traffic stops.
  void count_drops();

 private:
  // Counts a send made at once in the worker's SendTally, as the batch counts its own.
  bool tallied(bool sent);
  // The kernel's count of datagrams this socket dropped at its full receive buffer
  // (SO_MEMINFO), or nothing when the kernel does not say.
  std::optional<std::uint32_t> kernel_drops() const;
  bool on_readable() override;
  // Stops delivery and takes the descriptor out of the poll; it is still open.
  void unregister();

  int fd_ = -1;
  ReadyPoll& poll_;
  ReadyPoll::Key key_;
  ReceiveBatch& batch_;
  DatagramHandler* handler_ = nullptr;
  Endpoint local_;
  bool packet_info_ = false;  // a wildcard socket: learn each datagram's destination
  // Drops at the full receive buffer are read from the kernel at most once a second while the
  // socket receives, and when it closes or is released (net/receive_tally.hpp), not per
  // datagram: SO_RXQ_OVFL control data on every datagram cost 5 % of a relaying worker.
  static constexpr std::chrono::seconds kDropCheckInterval{1};
  std::uint32_t kernel_drops_ = 0;  // the kernel's count when last read
  TimePoint next_drop_check_ = TimePoint::min();
};

}  // namespace iceway::net
