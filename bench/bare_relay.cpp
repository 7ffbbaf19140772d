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
  std::array<iovec, kBatch> out_vectors;
  std::array<mmsghdr, kBatch> out{};

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

void send_all(int fd, mmsghdr* messages, unsigned count) {
  unsigned done = 0;
  while (done < count) {
    const int sent = ::sendmmsg(fd, messages + done, count - done, MSG_DONTWAIT);
    done += sent > 0 ? static_cast<unsigned>(sent) : 1;  // a refused datagram is dropped, as a server drops it
  }
}

}  // namespace

Result<std::uint64_t, std::string> run_bare_relay(const BareRelayOptions& options) {
  const int listener = open_bound(options.listen);
  if (listener < 0) return failure("cannot bind " + options.listen.to_string() + ": " + std::strerror(errno));
  sockaddr_storage peer;
  const socklen_t peer_length = net::to_sockaddr(options.peer, peer);
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
    sockaddr_storage address;
    socklen_t length;
  };
  std::vector<Client> clients;                              // by key
  std::unordered_map<Endpoint, std::size_t> client_index;   // client address -> key
  std::uint64_t relayed = 0;
  std::signal(SIGINT, on_stop_signal);
  std::signal(SIGTERM, on_stop_signal);
  Batch batch;
  // One relay socket's datagrams to the peer per receive round of the listener: grouped by
  // relay socket, each group one sendmmsg, as a server batching per socket would.
  std::vector<std::vector<std::size_t>> by_relay;
  std::vector<std::size_t> order;  // relay keys in first-seen order, per round
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
          order.clear();
          for (int i = 0; i < count; ++i) {
            const auto n = static_cast<std::size_t>(i);
            if (batch.in[n].msg_len < kHeader) continue;
            const Endpoint from = net::from_sockaddr(reinterpret_cast<const sockaddr*>(&batch.sources[n]));
            auto found = client_index.find(from);
            if (found == client_index.end()) {
              if (clients.size() >= options.max_clients) continue;
              const int relay = open_bound(Endpoint{options.listen.address, 0});
              if (relay < 0) continue;
              Client client{relay, batch.sources[n], batch.in[n].msg_hdr.msg_namelen};
              found = client_index.emplace(from, clients.size()).first;
              watch(relay, clients.size());
              clients.push_back(client);
              by_relay.emplace_back();
            }
            if (by_relay[found->second].empty()) order.push_back(found->second);
            by_relay[found->second].push_back(n);
          }
          for (std::size_t relay_key : order) {
            unsigned group = 0;
            for (std::size_t n : by_relay[relay_key]) {
              batch.out_vectors[group] = {batch.slots[n].data() + 2 * kHeader, batch.in[n].msg_len - kHeader};
              batch.out[group] = {};
              batch.out[group].msg_hdr.msg_iov = &batch.out_vectors[group];
              batch.out[group].msg_hdr.msg_iovlen = 1;
              batch.out[group].msg_hdr.msg_name = &peer;
              batch.out[group].msg_hdr.msg_namelen = peer_length;
              ++group;
            }
            send_all(clients[relay_key].relay_fd, batch.out.data(), group);
            relayed += group;
            by_relay[relay_key].clear();
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
            batch.out_vectors[n] = {header, size + kHeader};
            batch.out[n] = {};
            batch.out[n].msg_hdr.msg_iov = &batch.out_vectors[n];
            batch.out[n].msg_hdr.msg_iovlen = 1;
            batch.out[n].msg_hdr.msg_name = const_cast<sockaddr_storage*>(&client.address);
            batch.out[n].msg_hdr.msg_namelen = client.length;
          }
          send_all(listener, batch.out.data(), static_cast<unsigned>(count));
          relayed += static_cast<unsigned>(count);
        }
        if (count < static_cast<int>(kBatch)) break;
      }
    }
  }
  for (const Client& client : clients) ::close(client.relay_fd);
  ::close(epoll);
  ::close(listener);
  return relayed;
}

}  // namespace iceway::bench
