#include "net/send_batch.hpp"

#include <cstring>

#include "net/address.hpp"

namespace iceway::net {

SendBatch::SendBatch()
    : sender_([](int fd, mmsghdr* messages, unsigned count) {
        return ::sendmmsg(fd, messages, count, MSG_DONTWAIT);
      }) {}

void SendBatch::add(int fd, ByteSpan data, const Endpoint& destination, const IpAddress* source) {
  if (size_ == kCapacity) flush();
  const std::size_t i = size_++;
  fds_[i] = fd;
  done_[i] = false;
  vectors_[i] = {const_cast<std::byte*>(data.data()), data.size()};
  address_lengths_[i] = to_sockaddr(destination, addresses_[i]);
  control_lengths_[i] = 0;
  if (source == nullptr || source->is_unspecified()) return;
  // The source address as control data, as UdpSocket::send_to writes it.
  control_lengths_[i] = write_packet_info(*source, controls_[i].bytes.data());
}

bool SendBatch::add_copy(int fd, ByteSpan data, const Endpoint& destination, const IpAddress* source) {
  if (data.size() > kCopyBytes) return false;
  if (size_ == kCapacity) flush();
  // The entry add() is about to fill is size_: its copy slot holds the bytes.
  auto& copy = copies_[size_];
  std::memcpy(copy.data(), data.data(), data.size());
  add(fd, ByteSpan(copy.data(), data.size()), destination, source);
  return true;
}

void SendBatch::send_group(int fd, std::size_t from) {
  unsigned count = 0;
  for (std::size_t i = from; i < size_; ++i) {
    if (done_[i] || fds_[i] != fd) continue;
    done_[i] = true;
    mmsghdr& message = group_[count++];
    message = mmsghdr{};
    message.msg_hdr.msg_name = &addresses_[i];
    message.msg_hdr.msg_namelen = address_lengths_[i];
    message.msg_hdr.msg_iov = &vectors_[i];
    message.msg_hdr.msg_iovlen = 1;
    if (control_lengths_[i] > 0) {
      message.msg_hdr.msg_control = controls_[i].bytes.data();
      message.msg_hdr.msg_controllen = control_lengths_[i];
    }
  }
  // sendmmsg stops at the first datagram the kernel refuses; skip that one (dropped, as
  // send_to drops it) and go on with the rest, so one bad destination costs only its own.
  unsigned offset = 0;
  while (offset < count) {
    const int result = sender_(fd, group_.data() + offset, count - offset);
    if (result > 0) {
      sent_ += static_cast<unsigned>(result);
      offset += static_cast<unsigned>(result);
    } else {
      ++dropped_;
      ++offset;
    }
  }
}

void SendBatch::flush() {
  for (std::size_t i = 0; i < size_; ++i) {
    if (!done_[i]) send_group(fds_[i], i);
  }
  size_ = 0;
}

void SendBatch::flush(int fd) {
  bool found = false;
  for (std::size_t i = 0; i < size_ && !found; ++i) found = !done_[i] && fds_[i] == fd;
  if (!found) return;
  // Everything before it goes first too, so no socket's order changes.
  flush();
}

}  // namespace iceway::net
