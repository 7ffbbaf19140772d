#include "net/udp_socket.hpp"

#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "net/address.hpp"

namespace iceway::net {

ReceiveBatch::ReceiveBatch() : headers{}, vectors{} {
  for (std::size_t i = 0; i < kMessages; ++i) {
    vectors[i] = {slots[i].data() + kHeadroom, kPayloadBytes};
    headers[i].msg_hdr.msg_iov = &vectors[i];
    headers[i].msg_hdr.msg_iovlen = 1;
    headers[i].msg_hdr.msg_name = &sources[i];
    headers[i].msg_hdr.msg_namelen = sizeof(sockaddr_storage);
    headers[i].msg_hdr.msg_control = control[i].bytes.data();
    headers[i].msg_hdr.msg_controllen = kControlBytes;
  }
}

mmsghdr* ReceiveBatch::prepare() {
  for (std::size_t i = 0; i < filled; ++i) {
    headers[i].msg_hdr.msg_namelen = sizeof(sockaddr_storage);
    headers[i].msg_hdr.msg_controllen = kControlBytes;
    headers[i].msg_hdr.msg_flags = 0;
  }
  filled = 0;
  return headers.data();
}

UdpSocket::UdpSocket(ReadyPoll& poll, ReceiveBatch& batch) : poll_(poll), batch_(batch) {}

UdpSocket::~UdpSocket() { close(); }

Result<BoundUdpPort, std::error_code> BoundUdpPort::bind(const Endpoint& local, const UdpSocketOptions& options) {
  const auto system_error = [] { return std::error_code(errno, std::system_category()); };
  const int fd = ::socket(local.address.is_v4() ? AF_INET : AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return failure(system_error());
  BoundUdpPort port(fd, local);  // closes fd on every early return
  int one = 1;
  if (local.address.is_v6()) ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
  if (options.reuse_port && ::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0)
    return failure(system_error());
  if (options.receive_buffer_bytes > 0)
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &options.receive_buffer_bytes, sizeof options.receive_buffer_bytes);
  if (options.send_buffer_bytes > 0)
    ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &options.send_buffer_bytes, sizeof options.send_buffer_bytes);
  sockaddr_storage address;
  const socklen_t length = to_sockaddr(local, address);
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&address), length) != 0) return failure(system_error());
  socklen_t bound_length = sizeof address;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &bound_length) != 0) return failure(system_error());
  port.local_ = from_sockaddr(reinterpret_cast<const sockaddr*>(&address));
  return port;
}

BoundUdpPort& BoundUdpPort::operator=(BoundUdpPort&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    local_ = other.local_;
  }
  return *this;
}

BoundUdpPort::~BoundUdpPort() {
  if (fd_ >= 0) ::close(fd_);
}

std::error_code UdpSocket::open(const Endpoint& local, const UdpSocketOptions& options) {
  auto port = BoundUdpPort::bind(local, options);
  if (!port) return port.error();
  return adopt(std::move(port).value());
}

std::error_code UdpSocket::adopt(BoundUdpPort port) {
  close();
  const Endpoint local = port.local();
  const int fd = port.fd_;  // BoundUdpPort::bind made it non-blocking
  auto key = poll_.add(fd, *this);
  if (!key) return key.error();  // `port` still owns the descriptor and closes it
  fd_ = port.release();
  key_ = key.value();
  local_ = local;
  // Drops before this socket took the port (another worker's, which counted them) are not ours.
  kernel_drops_ = kernel_drops().value_or(0);
  next_drop_check_ = TimePoint::min();
  packet_info_ = false;
  if (local.address.is_unspecified()) {
    int one = 1;
    packet_info_ = local.address.is_v4() ? ::setsockopt(fd_, IPPROTO_IP, IP_PKTINFO, &one, sizeof one) == 0
                                         : ::setsockopt(fd_, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof one) == 0;
  }
  return {};
}

std::error_code UdpSocket::start(DatagramHandler& handler) {
  if (fd_ < 0) return std::make_error_code(std::errc::bad_file_descriptor);
  handler_ = &handler;
  return poll_.watch(key_, fd_);
}

bool UdpSocket::on_readable() {
  if (!handler_ || fd_ < 0) return false;
  // The handler may drop the last other reference to this socket (an allocation that ends).
  const auto self = shared_from_this();
  auto& headers = batch_.headers;
  // The address each datagram was sent to: ours, unless the control data names another.
  auto read_control = [this](const msghdr& header) {
    Endpoint destination = local_;
    if (!packet_info_) return destination;
    for (cmsghdr* c = CMSG_FIRSTHDR(&header); c != nullptr; c = CMSG_NXTHDR(const_cast<msghdr*>(&header), c)) {
      if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
        in_pktinfo info;
        std::memcpy(&info, CMSG_DATA(c), sizeof info);
        std::array<std::uint8_t, 4> bytes;
        std::memcpy(bytes.data(), &info.ipi_addr, 4);
        destination = Endpoint{IpAddress::v4(bytes), local_.port};
      } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
        in6_pktinfo info;
        std::memcpy(&info, CMSG_DATA(c), sizeof info);
        std::array<std::uint8_t, 16> bytes;
        std::memcpy(bytes.data(), &info.ipi6_addr, 16);
        destination = Endpoint{IpAddress::v6(bytes), local_.port};
      }
    }
    return destination;
  };
  // Drain a bounded number of batches per wake-up so one busy socket cannot starve the
  // worker's other sockets and timers.
  for (int round = 0; round < ReceiveBatch::kRoundsPerWakeUp; ++round) {
    int count = ::recvmmsg(fd_, batch_.prepare(), ReceiveBatch::kMessages, MSG_DONTWAIT, nullptr);
    // EAGAIN: drained. Other errors (ICMP-reported) belong to one datagram and are consumed by
    // this call: the socket keeps receiving, and the poll looks again for what is still queued.
    if (count < 0) return errno != EAGAIN && errno != EWOULDBLOCK;
    if (count == 0) return false;
    batch_.filled = static_cast<std::size_t>(count);
    const TimePoint received_at = Clock::now();
    if (received_at >= next_drop_check_) {
      count_drops();
      next_drop_check_ = received_at + kDropCheckInterval;
    }
    batch_.sends.open_round();
    for (int i = 0; i < count; ++i) {
      const Endpoint destination = read_control(headers[i].msg_hdr);
      if (headers[i].msg_hdr.msg_flags & MSG_TRUNC) continue;  // larger than any valid STUN/TURN datagram
      Endpoint from = from_sockaddr(reinterpret_cast<const sockaddr*>(&batch_.sources[i]));
      Datagram datagram{MutableByteSpan(batch_.slots[i]), ReceiveBatch::kHeadroom, headers[i].msg_len, destination,
                        received_at};
      handler_->on_datagram(datagram, from, *this);
      if (!handler_) {  // the handler closed this socket
        batch_.sends.close_round();
        return false;
      }
    }
    // The round's relayed datagrams and answers leave now, before any socket of this worker
    // receives into the same slots again.
    batch_.sends.close_round();
    // A short batch is the queue's end (an error hit after some datagrams is kept by the
    // kernel for the next call, and an error's arrival is an edge the poll sees).
    if (count < static_cast<int>(ReceiveBatch::kMessages)) return false;
  }
  return true;  // the bounded drain ended with the queue perhaps not empty: the poll looks again
}

bool UdpSocket::send_to(ByteSpan data, const Endpoint& destination, const IpAddress* source) {
  sockaddr_storage address;
  socklen_t length = to_sockaddr(destination, address);
  if (destination.address.is_v4() && local_.address.is_v6()) return false;  // v6-only socket
  if (!packet_info_ || source == nullptr || source->is_unspecified() || source->family() != local_.address.family()) {
    ssize_t sent = ::sendto(fd_, data.data(), data.size(), MSG_DONTWAIT,
                            reinterpret_cast<const sockaddr*>(&address), length);
    return tallied(sent == static_cast<ssize_t>(data.size()));
  }
  // The source address as IP_PKTINFO / IPV6_PKTINFO control data (on the stack: no allocation).
  ReceiveBatch::Control control{};
  iovec vector{const_cast<std::byte*>(data.data()), data.size()};
  msghdr header{};
  header.msg_name = &address;
  header.msg_namelen = length;
  header.msg_iov = &vector;
  header.msg_iovlen = 1;
  header.msg_control = control.bytes.data();
  header.msg_controllen = write_packet_info(*source, control.bytes.data());
  ssize_t sent = ::sendmsg(fd_, &header, MSG_DONTWAIT);
  return tallied(sent == static_cast<ssize_t>(data.size()));
}

bool UdpSocket::tallied(bool sent) {
  if (sent) batch_.sends.tally().add_sent();
  else batch_.sends.tally().add_dropped();
  return sent;
}

void UdpSocket::send_batched(ByteSpan data, const Endpoint& destination, const IpAddress* source) {
  if (!batch_.sends.in_round()) {
    send_to(data, destination, source);
    return;
  }
  if (fd_ < 0) return;
  if (destination.address.is_v4() && local_.address.is_v6()) return;  // v6-only socket, as send_to
  const bool from_source = packet_info_ && source != nullptr && !source->is_unspecified() &&
                           source->family() == local_.address.family();
  batch_.sends.add(fd_, data, destination, from_source ? source : nullptr);
}

void UdpSocket::send_copied(ByteSpan data, const Endpoint& destination, const IpAddress* source) {
  if (!batch_.sends.in_round() || fd_ < 0) {
    send_to(data, destination, source);
    return;
  }
  if (destination.address.is_v4() && local_.address.is_v6()) return;  // v6-only socket, as send_to
  const bool from_source = packet_info_ && source != nullptr && !source->is_unspecified() &&
                           source->family() == local_.address.family();
  if (!batch_.sends.add_copy(fd_, data, destination, from_source ? source : nullptr))
    send_to(data, destination, source);
}

bool UdpSocket::set_dont_fragment() {
  if (fd_ < 0) return false;
  if (local_.address.is_v4()) {
    int mode = IP_PMTUDISC_DO;
    return ::setsockopt(fd_, IPPROTO_IP, IP_MTU_DISCOVER, &mode, sizeof mode) == 0;
  }
  int one = 1;
  return ::setsockopt(fd_, IPPROTO_IPV6, IPV6_DONTFRAG, &one, sizeof one) == 0;
}

void UdpSocket::unregister() {
  // What is queued for this descriptor leaves first: once closed, its number may belong to
  // the next socket opened, and once released, to another worker's.
  batch_.sends.flush(fd_);
  handler_ = nullptr;
  poll_.remove(key_, fd_);
}

std::optional<BoundUdpPort> UdpSocket::release() {
  if (fd_ < 0) return std::nullopt;
  count_drops();
  unregister();
  return BoundUdpPort(std::exchange(fd_, -1), local_);
}

std::size_t UdpSocket::discard_queued(std::size_t at_most) {
  if (fd_ < 0) return 0;
  // No buffers: each datagram is taken whole and truncated to nothing.
  std::array<mmsghdr, 64> messages{};
  std::size_t discarded = 0;
  while (discarded < at_most) {
    const auto want = static_cast<unsigned>(std::min(messages.size(), at_most - discarded));
    const int count = ::recvmmsg(fd_, messages.data(), want, MSG_DONTWAIT, nullptr);
    if (count <= 0) break;
    discarded += static_cast<std::size_t>(count);
    if (static_cast<unsigned>(count) < want) break;
  }
  return discarded;
}

std::size_t UdpSocket::close() {
  if (fd_ < 0) return 0;
  count_drops();
  unregister();
  // After unregister(): its flush may have sent datagrams to this very socket (one relay of
  // the worker to another), and on loopback they arrive before the send returns.
  const std::size_t unread = discard_queued();
  ::close(std::exchange(fd_, -1));
  return unread;
}

std::optional<std::uint32_t> UdpSocket::kernel_drops() const {
  std::array<std::uint32_t, SK_MEMINFO_VARS> info{};
  socklen_t length = sizeof info;
  if (::getsockopt(fd_, SOL_SOCKET, SO_MEMINFO, info.data(), &length) != 0 || length <= SK_MEMINFO_DROPS * 4)
    return std::nullopt;
  return info[SK_MEMINFO_DROPS];
}

void UdpSocket::count_drops() {
  const auto drops = kernel_drops();
  if (!drops) return;
  // The kernel's count only grows (modulo 2^32): what it grew by since it was last read.
  if (*drops != kernel_drops_) batch_.receives.add_overflowed(static_cast<std::uint32_t>(*drops - kernel_drops_));
  kernel_drops_ = *drops;
}

}  // namespace iceway::net
