#include "bench/bare_relay.hpp"

#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <unordered_map>
#include <vector>

#include "net/address.hpp"
#include "net/send_batch.hpp"

namespace iceway::bench {
namespace {

constexpr std::size_t kBatch = 64;
constexpr std::size_t kHeader = 4;  // ChannelData: channel number and length
constexpr std::size_t kSlotBytes = 2048;

std::atomic<bool> g_stop{false};
void on_stop_signal(int) { g_stop = true; }

int open_bound(const Endpoint& local) {
  sockaddr_storage address;
  const socklen_t length = net::to_sockaddr(local, address);
  const int fd = ::socket(address.ss_family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return -1;
  int buffer = 4 << 20;
  ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buffer, sizeof buffer);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buffer, sizeof buffer);
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&address), length) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// One receive batch, with room before each payload for the ChannelData header.
struct Batch {
  std::array<std::array<std::byte, kSlotBytes>, kBatch> slots;
  std::array<iovec, kBatch> in_vectors;
  std::array<sockaddr_storage, kBatch> sources;
  std::array<mmsghdr, kBatch> in{};

  int receive(int fd) {
    for (std::size_t i = 0; i < kBatch; ++i) {
      in_vectors[i] = {slots[i].data() + kHeader, kSlotBytes - kHeader};
      in[i] = {};
      in[i].msg_hdr.msg_iov = &in_vectors[i];
      in[i].msg_hdr.msg_iovlen = 1;
      in[i].msg_hdr.msg_name = &sources[i];
      in[i].msg_hdr.msg_namelen = sizeof(sockaddr_storage);
    }
    return ::recvmmsg(fd, in.data(), kBatch, MSG_DONTWAIT, nullptr);
  }
};

}  // namespace

Result<std::uint64_t, std::string> run_bare_relay(const BareRelayOptions& options) {
  const int listener = open_bound(options.listen);
  if (listener < 0) return failure("cannot bind " + options.listen.to_string() + ": " + std::strerror(errno));
  const int epoll = ::epoll_create1(EPOLL_CLOEXEC);
  auto watch = [epoll](int fd, std::uint64_t key) {
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.u64 = key;
    ::epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &event);
  };
  constexpr std::uint64_t kListenerKey = ~std::uint64_t{0};
  watch(listener, kListenerKey);

  struct Client {
    int relay_fd;
    Endpoint address;
  };
  std::vector<Client> clients;                              // by key
  std::unordered_map<Endpoint, std::size_t> client_index;   // client address -> key
  std::signal(SIGINT, on_stop_signal);
  std::signal(SIGTERM, on_stop_signal);
  Batch batch;
  // Each receive round's datagrams leave in one sendmmsg per socket (grouped by relay socket),
  // as iceway's do, through the same SendBatch.
  net::SendBatch sends(
      [](int fd, mmsghdr* messages, unsigned count) { return ::sendmmsg(fd, messages, count, MSG_DONTWAIT); },
      options.gso);
  const auto end = std::chrono::steady_clock::now() + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                                           std::chrono::duration<double>(options.duration_seconds));
  std::array<epoll_event, 64> events;
  while (!g_stop && std::chrono::steady_clock::now() < end) {
    const int ready = ::epoll_wait(epoll, events.data(), static_cast<int>(events.size()), 100);
    for (int e = 0; e < ready; ++e) {
      const std::uint64_t key = events[static_cast<std::size_t>(e)].data.u64;
      for (int round = 0; round < 8; ++round) {
        const int count = batch.receive(key == kListenerKey ? listener : clients[key].relay_fd);
        if (count <= 0) break;
        if (key == kListenerKey) {
          // Client -> peer: drop the header, send from the client's relay socket.
          for (int i = 0; i < count; ++i) {
            const auto n = static_cast<std::size_t>(i);
            if (batch.in[n].msg_len < kHeader) continue;
            const Endpoint from = net::from_sockaddr(reinterpret_cast<const sockaddr*>(&batch.sources[n]));
            auto found = client_index.find(from);
            if (found == client_index.end()) {
              if (clients.size() >= options.max_clients) continue;
              const int relay = open_bound(Endpoint{options.listen.address, 0});
              if (relay < 0) continue;
              found = client_index.emplace(from, clients.size()).first;
              watch(relay, clients.size());
              clients.push_back(Client{relay, from});
            }
            sends.add(clients[found->second].relay_fd,
                      ByteSpan(batch.slots[n].data() + 2 * kHeader, batch.in[n].msg_len - kHeader), options.peer);
          }
        } else {
          // Peer -> client: the header in front of the payload, from the listening socket.
          const Client& client = clients[key];
          for (int i = 0; i < count; ++i) {
            const auto n = static_cast<std::size_t>(i);
            const std::size_t size = batch.in[n].msg_len;
            std::byte* header = batch.slots[n].data();
            header[0] = std::byte{0x40};
            header[1] = std::byte{0x00};
            header[2] = std::byte(size >> 8);
            header[3] = std::byte(size & 0xff);
            sends.add(listener, ByteSpan(header, size + kHeader), client.address);
          }
        }
        sends.flush();  // before the next receive reuses the batch's slots
        if (count < static_cast<int>(kBatch)) break;
      }
    }
  }
  const std::uint64_t relayed = sends.sent();
  for (const Client& client : clients) ::close(client.relay_fd);
  ::close(epoll);
  ::close(listener);
  return relayed;
}

}  // namespace iceway::bench
