#pragma once
// Datagrams queued while a worker handles one receive batch, sent in one sendmmsg per socket
// when the batch is done (issue 16: a relay pays one send syscall per batch and socket, not
// one per datagram).
//
// The data is not copied: a queued datagram is a view into the worker's ReceiveBatch (a
// ChannelData payload going to a peer, or a peer's datagram framed in place for its client),
// valid until the next recvmmsg into that batch. So UdpSocket flushes after every round of
// its receive loop, before any socket of the worker receives again, and before it closes
// (a closed descriptor's number may be reused by the next socket opened). Nothing waits for
// more input: a batch never holds a datagram past the end of the receive round that made it.
//
// Answers built in a buffer the next request reuses (STUN answers) are copied into the
// batch's own storage instead (add_copy), up to kCopyBytes each.
//
// A round is open from the start of a socket's receive loop to the flush at its end; outside
// one, UdpSocket sends at once, so nothing queued can wait for input that may never come.
//
// UDP GSO (UDP_SEGMENT, Linux 4.18): consecutive datagrams of one socket's group that go to the
// same destination from the same source, all of one size but the last (which may be shorter),
// leave as one message that the kernel cuts into datagrams: one trip down the stack for up to
// kMaxSegments of them. A window of ChannelData for one peer is exactly that. If the kernel
// refuses such a message (a device without checksum offload answers EIO; a segment larger than
// the path MTU, EINVAL), its datagrams are sent one by one instead, and after EIO this batch
// sends no more GSO messages.
//
// Order: datagrams for one socket leave in the order queued; sockets are flushed in the order
// they were first queued to. Fixed capacity, no allocation: when full it flushes first.
// Threading: the owning worker's thread only.
#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>

#include "common/bytes.hpp"
#include "common/endpoint.hpp"
#include "net/send_tally.hpp"

namespace iceway::net {

class SendBatch {
 public:
  static constexpr std::size_t kCapacity = 64;
  // STUN answers are a few hundred bytes; a larger one is sent at once.
  static constexpr std::size_t kCopyBytes = 1280;
  // The kernel's limits for one GSO message (UDP_MAX_SEGMENTS; a UDP datagram's payload).
  static constexpr std::size_t kMaxSegments = 64;
  static constexpr std::size_t kMaxGsoBytes = 65000;
  // How a group of datagrams for one descriptor leaves: ::sendmmsg by default; tests record.
  // Returns how many of `count` were sent (the rest are dropped, as a full buffer drops one).
  using Sender = std::function<int(int fd, mmsghdr* messages, unsigned count)>;

  SendBatch();
  // `gso`: join datagrams into UDP_SEGMENT messages (above).
  explicit SendBatch(Sender sender, bool gso = true) : sender_(std::move(sender)), gso_(gso) {}
  SendBatch(const SendBatch&) = delete;
  SendBatch& operator=(const SendBatch&) = delete;

  // Queues `data` (which must stay valid until flush()) for `fd` to `destination`, leaving from
  // `source` when it is given (IP_PKTINFO / IPV6_PKTINFO, for a wildcard socket).
  void add(int fd, ByteSpan data, const Endpoint& destination, const IpAddress* source = nullptr);
  // The same for data the caller reuses at once: copied into the batch. False (nothing queued)
  // when it is larger than kCopyBytes.
  bool add_copy(int fd, ByteSpan data, const Endpoint& destination, const IpAddress* source = nullptr);

  // A receive round: what is queued while it is open leaves at close_round().
  void open_round() { in_round_ = true; }
  void close_round() {
    flush();
    in_round_ = false;
  }
  bool in_round() const { return in_round_; }
  // Sends everything queued, one sendmmsg per descriptor.
  void flush();
  // Sends what is queued for `fd` now (its socket is about to close).
  void flush(int fd);

  std::size_t pending() const { return size_; }
  std::uint64_t sent() const { return tally_.sent(); }
  std::uint64_t dropped() const { return tally_.dropped(); }  // refused by the kernel (buffer full, unreachable)
  std::uint64_t gso_messages() const { return tally_.gso_messages(); }  // sent as one UDP_SEGMENT message
  // The worker's count of every UDP send, this batch's and those made at once (UdpSocket).
  SendTally& tally() { return tally_; }
  const SendTally& tally() const { return tally_; }
  bool gso() const { return gso_; }

 private:
  struct alignas(cmsghdr) Control {
    std::array<std::byte, 64> bytes;
  };
  void send_group(int fd, std::size_t from);
  // Entry `i` opens a message: its destination and source in the kernel's form (written only
  // for datagrams that open a message; the others of a GSO message share the opener's).
  void address_message(std::size_t i);
  // Whether entry `i` can end message `m` of the group being built.
  bool joins(unsigned m, std::size_t i) const;
  // Message `m` was a GSO message the kernel refused: its datagrams one by one.
  void send_segments(int fd, unsigned m);

  Sender sender_;
  std::size_t size_ = 0;
  std::array<int, kCapacity> fds_{};
  std::array<bool, kCapacity> done_{};
  std::array<iovec, kCapacity> vectors_{};
  std::array<Endpoint, kCapacity> destinations_{};
  std::array<IpAddress, kCapacity> sources_{};  // unspecified: none given (the socket's own)
  std::array<sockaddr_storage, kCapacity> addresses_{};
  std::array<socklen_t, kCapacity> address_lengths_{};
  std::array<Control, kCapacity> controls_{};
  std::array<std::size_t, kCapacity> control_lengths_{};
  // One descriptor's messages, in order, for the sender; a message's iovecs are consecutive in
  // group_vectors_ (one per datagram), and a GSO message's control data is in group_controls_.
  std::array<mmsghdr, kCapacity> group_{};
  std::array<iovec, kCapacity> group_vectors_{};
  std::array<Control, kCapacity> group_controls_{};
  std::array<std::size_t, kCapacity> group_first_{};     // the entry that opened each message
  std::array<unsigned, kCapacity> group_segments_{};     // datagrams in each message
  std::array<std::size_t, kCapacity> group_bytes_{};     // their bytes
  std::array<std::array<std::byte, kCopyBytes>, kCapacity> copies_{};  // add_copy's data, by entry
  bool in_round_ = false;
  bool gso_ = true;
  SendTally tally_;
};

}  // namespace iceway::net
