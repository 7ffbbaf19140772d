#include "net/send_batch.hpp"

#include <netinet/udp.h>

#include <cerrno>
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
  destinations_[i] = destination;
  sources_[i] = source != nullptr && !source->is_unspecified() ? *source : IpAddress{};
}

void SendBatch::address_message(std::size_t i) {
  address_lengths_[i] = to_sockaddr(destinations_[i], addresses_[i]);
  // The source address as control data, as UdpSocket::send_to writes it.
  control_lengths_[i] = sources_[i].is_unspecified() ? 0 : write_packet_info(sources_[i], controls_[i].bytes.data());
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

bool SendBatch::joins(unsigned m, std::size_t i) const {
  const std::size_t first = group_first_[m];
  const std::size_t segment = vectors_[first].iov_len;
  // Every segment but the last is `segment` bytes: a message whose last one is shorter is closed.
  const iovec& previous = group_[m].msg_hdr.msg_iov[group_segments_[m] - 1];
  return group_segments_[m] < kMaxSegments && previous.iov_len == segment && vectors_[i].iov_len <= segment &&
         vectors_[i].iov_len > 0 && group_bytes_[m] + vectors_[i].iov_len <= kMaxGsoBytes &&
         destinations_[i] == destinations_[first] && sources_[i] == sources_[first];
}

void SendBatch::send_group(int fd, std::size_t from) {
  unsigned count = 0;
  std::size_t vectors = 0;
  for (std::size_t i = from; i < size_; ++i) {
    if (done_[i] || fds_[i] != fd) continue;
    done_[i] = true;
    group_vectors_[vectors] = vectors_[i];
    if (gso_ && count > 0 && joins(count - 1, i)) {
      ++vectors;
      ++group_segments_[count - 1];
      group_bytes_[count - 1] += vectors_[i].iov_len;
      ++group_[count - 1].msg_hdr.msg_iovlen;
      continue;
    }
    const unsigned m = count++;
    address_message(i);
    group_first_[m] = i;
    group_segments_[m] = 1;
    group_bytes_[m] = vectors_[i].iov_len;
    mmsghdr& message = group_[m];
    message = mmsghdr{};
    message.msg_hdr.msg_name = &addresses_[i];
    message.msg_hdr.msg_namelen = address_lengths_[i];
    message.msg_hdr.msg_iov = &group_vectors_[vectors++];
    message.msg_hdr.msg_iovlen = 1;
    if (control_lengths_[i] > 0) {
      message.msg_hdr.msg_control = controls_[i].bytes.data();
      message.msg_hdr.msg_controllen = control_lengths_[i];
    }
  }
  // A joined message carries its source (if any) and UDP_SEGMENT: the size of each datagram.
  for (unsigned m = 0; m < count; ++m) {
    if (group_segments_[m] < 2) continue;
    const std::size_t first = group_first_[m];
    auto* control = group_controls_[m].bytes.data();
    std::memcpy(control, controls_[first].bytes.data(), control_lengths_[first]);
    auto* header = reinterpret_cast<cmsghdr*>(control + control_lengths_[first]);
    header->cmsg_level = SOL_UDP;
    header->cmsg_type = UDP_SEGMENT;
    header->cmsg_len = CMSG_LEN(sizeof(std::uint16_t));
    const auto segment = static_cast<std::uint16_t>(vectors_[first].iov_len);
    std::memcpy(CMSG_DATA(header), &segment, sizeof segment);
    group_[m].msg_hdr.msg_control = control;
    group_[m].msg_hdr.msg_controllen = control_lengths_[first] + CMSG_SPACE(sizeof(std::uint16_t));
  }
  // sendmmsg stops at the first message the kernel refuses; skip that one (dropped, as
  // send_to drops it, or resent as single datagrams if it was a GSO message) and go on with
  // the rest, so one bad destination costs only its own.
  unsigned offset = 0;
  while (offset < count) {
    const int result = sender_(fd, group_.data() + offset, count - offset);
    if (result > 0) {
      for (unsigned m = offset; m < offset + static_cast<unsigned>(result); ++m) {
        tally_.add_sent(group_segments_[m]);
        if (group_segments_[m] > 1) tally_.add_gso_message();
      }
      offset += static_cast<unsigned>(result);
    } else if (group_segments_[offset] > 1) {
      if (errno == EIO) gso_ = false;  // no checksum offload on this path: GSO cannot work here
      send_segments(fd, offset++);
    } else {
      tally_.add_dropped();
      ++offset;
    }
  }
}

void SendBatch::send_segments(int fd, unsigned m) {
  const std::size_t first = group_first_[m];
  mmsghdr single{};
  single.msg_hdr.msg_name = &addresses_[first];
  single.msg_hdr.msg_namelen = address_lengths_[first];
  single.msg_hdr.msg_iovlen = 1;
  if (control_lengths_[first] > 0) {
    single.msg_hdr.msg_control = controls_[first].bytes.data();
    single.msg_hdr.msg_controllen = control_lengths_[first];
  }
  for (unsigned k = 0; k < group_segments_[m]; ++k) {
    single.msg_hdr.msg_iov = group_[m].msg_hdr.msg_iov + k;
    if (sender_(fd, &single, 1) > 0) {
      tally_.add_sent();
    } else {
      tally_.add_dropped();
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
