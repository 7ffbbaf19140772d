#include "bench/turn_load.hpp"

#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <thread>

#include <nlohmann/json.hpp>

#include "net/address.hpp"
#include "stun/attributes.hpp"
#include "stun/channel_data.hpp"
#include "stun/integrity.hpp"
#include "stun/message_builder.hpp"
#include "turn/rest_credentials.hpp"

namespace iceway::bench {
namespace {

constexpr std::size_t kBatch = 64;
constexpr std::size_t kFrameBytes = 2048;
constexpr std::uint16_t kChannel = 0x4000;

std::string errno_text(const char* what) { return std::string(what) + ": " + std::strerror(errno); }

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

int open_udp(const Endpoint& bind_to, const Endpoint* connect_to) {
  sockaddr_storage address;
  socklen_t length = net::to_sockaddr(bind_to, address);
  const int fd = ::socket(address.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  int buffer = 4 << 20;
  ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buffer, sizeof buffer);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buffer, sizeof buffer);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), length) != 0) {
    ::close(fd);
    return -1;
  }
  if (connect_to) {
    length = net::to_sockaddr(*connect_to, address);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&address), length) != 0) {
      ::close(fd);
      return -1;
    }
  }
  return fd;
}

Endpoint local_of(int fd) {
  sockaddr_storage address;
  socklen_t length = sizeof address;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  return net::from_sockaddr(reinterpret_cast<const sockaddr*>(&address));
}

// One request and its answer on a connected socket (setup only: blocking, with a timeout).
Result<std::vector<std::byte>, std::string> exchange(int fd, ByteSpan request, std::chrono::milliseconds timeout) {
  if (::send(fd, request.data(), request.size(), 0) != static_cast<ssize_t>(request.size())) return failure(errno_text("send"));
  pollfd poll_fd{fd, POLLIN, 0};
  if (::poll(&poll_fd, 1, static_cast<int>(timeout.count())) <= 0) return failure("no answer from the server");
  std::vector<std::byte> answer(kFrameBytes);
  const ssize_t n = ::recv(fd, answer.data(), answer.size(), 0);
  if (n <= 0) return failure(errno_text("recv"));
  answer.resize(static_cast<std::size_t>(n));
  return answer;
}

stun::TransactionId transaction(std::uint32_t allocation, std::uint8_t step) {
  stun::TransactionId id;
  for (int i = 0; i < 4; ++i) id.bytes[i] = std::byte(allocation >> (24 - 8 * i));
  id.bytes[4] = std::byte{step};
  return id;
}

struct Allocation {
  int fd = -1;
  Endpoint relayed;
  std::uint32_t in_flight = 0;
  // What a Refresh needs to delete it when the run ends.
  std::uint32_t index = 0;
  std::string username;
  std::string realm;
  std::string nonce;
  stun::LongTermKey key{};
};

// Allocate (after the 401 that names realm and nonce), then ChannelBind kChannel to `peer`.
Result<Allocation, std::string> set_up(const TurnLoadOptions& options, std::uint32_t index, const Endpoint& peer) {
  const Endpoint any{options.server.address.is_v4() ? *IpAddress::parse("0.0.0.0") : *IpAddress::parse("::"), 0};
  Allocation allocation;
  allocation.fd = open_udp(any, &options.server);
  if (allocation.fd < 0) return failure(errno_text("socket"));
  std::array<std::byte, 1024> buffer;
  auto build = [&](stun::Method method, std::uint8_t step, auto&& attributes) {
    stun::MessageBuilder builder(buffer);
    builder.start({method, stun::Class::request}, transaction(index, step));
    attributes(builder);
    return builder.finish();
  };
  auto first = build(stun::Method::allocate, 1, [](stun::MessageBuilder& b) {
    b.add(stun::RequestedTransport{stun::RequestedTransport::kUdp});
  });
  auto challenge = exchange(allocation.fd, first.value(), options.timeout);
  if (!challenge) return failure(challenge.error());
  auto challenge_view = stun::MessageView::parse(challenge.value());
  if (!challenge_view) return failure("the server's first answer is not STUN");
  const auto realm = challenge_view.value().get<stun::Realm>();
  const auto nonce = challenge_view.value().get<stun::Nonce>();
  if (!realm || !realm.value() || !nonce || !nonce.value()) return failure("the server's 401 has no REALM or NONCE");
  const std::string realm_text(realm.value()->value);
  const std::string nonce_text(nonce.value()->value);
  const auto expiry = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()) +
                      std::chrono::hours(1);
  const std::string username = std::to_string(expiry.count()) + ":bench" + std::to_string(index);
  const std::string password = turn::rest_password(options.secret, username);
  const auto key = stun::long_term_key(username, realm_text, password);
  auto with_credentials = [&](stun::MessageBuilder& b) {
    b.add(stun::Username{username}).add(stun::Realm{realm_text}).add(stun::Nonce{nonce_text});
    b.add_message_integrity(key);
  };
  auto allocate = build(stun::Method::allocate, 2, [&](stun::MessageBuilder& b) {
    b.add(stun::RequestedTransport{stun::RequestedTransport::kUdp});
    with_credentials(b);
  });
  auto answer = exchange(allocation.fd, allocate.value(), options.timeout);
  if (!answer) return failure(answer.error());
  auto view = stun::MessageView::parse(answer.value());
  if (!view || view.value().message_class() != stun::Class::success) return failure("Allocate was refused");
  const auto relayed = view.value().get<stun::XorRelayedAddress>();
  if (!relayed || !relayed.value()) return failure("Allocate's answer has no XOR-RELAYED-ADDRESS");
  allocation.relayed = relayed.value()->endpoint;
  allocation.index = index;
  allocation.username = username;
  allocation.realm = realm_text;
  allocation.nonce = nonce_text;
  allocation.key = key;
  auto bind = build(stun::Method::channel_bind, 3, [&](stun::MessageBuilder& b) {
    b.add(stun::ChannelNumber{kChannel}).add(stun::XorPeerAddress{peer});
    with_credentials(b);
  });
  auto bound = exchange(allocation.fd, bind.value(), options.timeout);
  if (!bound) return failure(bound.error());
  auto bound_view = stun::MessageView::parse(bound.value());
  if (!bound_view || bound_view.value().message_class() != stun::Class::success) return failure("ChannelBind was refused");
  return allocation;
}

// Deletes the allocation (Refresh with LIFETIME 0, RFC 8656 §7) as a client that is done does.
// Left to expire, a run's allocations would outlive it by their lifetime, and a later run whose
// socket the kernel gives the same port would get 437 (Allocation Mismatch) for its Allocate.
// Echoes still on their way are skipped while the answer is awaited; a 438 (stale nonce) is
// retried once with the new nonce. Best effort: the run's figures do not depend on it.
void delete_allocation(Allocation& allocation, std::chrono::milliseconds timeout) {
  std::array<std::byte, 1024> buffer;
  for (std::uint8_t attempt = 0; attempt < 2; ++attempt) {
    stun::MessageBuilder builder(buffer);
    const auto id = transaction(allocation.index, static_cast<std::uint8_t>(4 + attempt));
    builder.start({stun::Method::refresh, stun::Class::request}, id);
    builder.add(stun::Lifetime{0});
    builder.add(stun::Username{allocation.username}).add(stun::Realm{allocation.realm}).add(stun::Nonce{allocation.nonce});
    builder.add_message_integrity(allocation.key);
    auto request = builder.finish();
    if (!request || ::send(allocation.fd, request.value().data(), request.value().size(), 0) < 0) return;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::optional<stun::MessageView> answer;
    std::array<std::byte, kFrameBytes> received;
    while (!answer) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      pollfd poll_fd{allocation.fd, POLLIN, 0};
      if (left.count() <= 0 || ::poll(&poll_fd, 1, static_cast<int>(left.count())) <= 0) return;
      const ssize_t n = ::recv(allocation.fd, received.data(), received.size(), 0);
      if (n <= 0) return;
      auto view = stun::MessageView::parse(ByteSpan(received.data(), static_cast<std::size_t>(n)));
      if (view && view.value().transaction_id() == id) answer = view.value();
    }
    if (answer->message_class() == stun::Class::success) return;
    const auto error = answer->get<stun::ErrorCodeAttribute>();
    const auto nonce = answer->get<stun::Nonce>();
    if (!error || !error.value() || error.value()->code != 438 || !nonce || !nonce.value()) return;
    allocation.nonce = std::string(nonce.value()->value);
  }
}

// The echo peer: everything it receives goes back to its sender, in batches.
void echo(int fd, const std::atomic<bool>& stop) {
  std::array<std::array<std::byte, kFrameBytes>, kBatch> buffers;
  std::array<iovec, kBatch> vectors;
  std::array<sockaddr_storage, kBatch> sources;
  std::array<mmsghdr, kBatch> headers{};
  while (!stop.load(std::memory_order_relaxed)) {
    pollfd poll_fd{fd, POLLIN, 0};
    if (::poll(&poll_fd, 1, 50) <= 0) continue;
    for (std::size_t i = 0; i < kBatch; ++i) {
      vectors[i] = {buffers[i].data(), kFrameBytes};
      headers[i] = {};
      headers[i].msg_hdr.msg_iov = &vectors[i];
      headers[i].msg_hdr.msg_iovlen = 1;
      headers[i].msg_hdr.msg_name = &sources[i];
      headers[i].msg_hdr.msg_namelen = sizeof(sockaddr_storage);
    }
    const int received = ::recvmmsg(fd, headers.data(), kBatch, MSG_DONTWAIT, nullptr);
    if (received <= 0) continue;
    for (int i = 0; i < received; ++i) vectors[static_cast<std::size_t>(i)].iov_len = headers[static_cast<std::size_t>(i)].msg_len;
    int done = 0;
    while (done < received) {
      const int sent = ::sendmmsg(fd, headers.data() + done, static_cast<unsigned>(received - done), 0);
      if (sent <= 0) break;
      done += sent;
    }
  }
}

// An idle client of the bare relay, the counterpart of an idle allocation: one ChannelData
// frame makes the relay open this client's relay socket, its echo says the socket is there,
// and then the client says nothing more.
Result<Allocation, std::string> set_up_bare_idle(const TurnLoadOptions& options) {
  Allocation idle;
  idle.fd = open_udp(Endpoint{options.server.address, 0}, &options.server);
  if (idle.fd < 0) return failure(errno_text("socket"));
  std::array<std::byte, kFrameBytes> buffer;
  const std::vector<std::byte> payload(options.size, std::byte{0x5a});
  auto frame = stun::encode_channel_data(buffer, kChannel, payload, stun::Framing::datagram);
  auto echoed = exchange(idle.fd, frame.value(), options.timeout);
  if (!echoed) {
    ::close(idle.fd);
    return failure("no echo through the bare relay: " + echoed.error());
  }
  return idle;
}

}  // namespace

std::vector<std::string> TurnLoadOptions::problems() const {
  std::vector<std::string> out;
  if (secret.empty()) out.emplace_back("--secret: the server's REST-API secret is needed");
  if (allocations == 0 || allocations > 10000) out.emplace_back("--allocations: 1 to 10000");
  if (idle > 20000) out.emplace_back("--idle: 0 to 20000");
  if (size < 16 || size > 1400) out.emplace_back("--size: 16 to 1400 bytes");
  if (window == 0 || window > 1024) out.emplace_back("--window: 1 to 1024");
  if (!(duration_seconds > 0 && duration_seconds <= 600)) out.emplace_back("--duration: more than 0, at most 600 seconds");
  if (timeout.count() < 1 || timeout.count() > 60000) out.emplace_back("--timeout: 1 to 60000 milliseconds");
  return out;
}

Result<TurnLoadReport, std::string> run_turn_load(const TurnLoadOptions& options,
                                                  const std::function<void(double)>& on_ready) {
  const Endpoint loopback{options.server.address, options.peer_port};
  const int peer_fd = open_udp(loopback, nullptr);
  if (peer_fd < 0) return failure(errno_text("echo peer socket"));
  // The echo peer receives from every relay at once (8,000 frames in flight at 1,000
  // allocations x window 8): with the default receive buffer its own socket drops them, and the
  // loss would be the tool's, not the server's. The kernel caps this at net.core.rmem_max.
  const int peer_buffer = 4 << 20;
  ::setsockopt(peer_fd, SOL_SOCKET, SO_RCVBUF, &peer_buffer, sizeof peer_buffer);
  ::setsockopt(peer_fd, SOL_SOCKET, SO_SNDBUF, &peer_buffer, sizeof peer_buffer);
  const Endpoint peer = local_of(peer_fd);
  std::atomic<bool> stop{false};
  std::jthread echo_thread([peer_fd, &stop] { echo(peer_fd, stop); });
  struct Cleanup {
    std::atomic<bool>& stop;
    int fd;
    std::vector<Allocation>& allocations;
    std::vector<Allocation>& idle;
    ~Cleanup() {
      stop = true;
      for (auto& a : allocations) ::close(a.fd);
      for (auto& a : idle) ::close(a.fd);
    }
  };
  std::vector<Allocation> allocations;
  std::vector<Allocation> idle;
  Cleanup cleanup{stop, peer_fd, allocations, idle};
  const auto setup_start = std::chrono::steady_clock::now();
  for (std::uint32_t i = 0; i < options.allocations; ++i) {
    if (options.bare) {
      Allocation bare;
      bare.fd = open_udp(Endpoint{options.server.address, 0}, &options.server);
      if (bare.fd < 0) return failure(errno_text("socket"));
      allocations.push_back(bare);
      continue;
    }
    auto allocation = set_up(options, i, peer);
    if (!allocation) return failure("allocation " + std::to_string(i) + ": " + allocation.error());
    allocations.push_back(allocation.value());
  }
  for (std::uint32_t i = 0; i < options.idle; ++i) {
    auto allocation = options.bare ? set_up_bare_idle(options) : set_up(options, options.allocations + i, peer);
    if (!allocation) return failure("idle allocation " + std::to_string(i) + ": " + allocation.error());
    idle.push_back(allocation.value());
  }
  if (on_ready) on_ready(std::chrono::duration<double>(std::chrono::steady_clock::now() - setup_start).count());

  const int epoll = ::epoll_create1(EPOLL_CLOEXEC);
  for (std::uint32_t i = 0; i < allocations.size(); ++i) {
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.u32 = i;
    ::epoll_ctl(epoll, EPOLL_CTL_ADD, allocations[i].fd, &event);
  }
  TurnLoadReport report;
  report.options = options;
  std::array<std::array<std::byte, kFrameBytes>, kBatch> frames;
  std::array<iovec, kBatch> vectors;
  std::array<mmsghdr, kBatch> headers{};
  std::vector<std::byte> payload(options.size, std::byte{0x5a});
  auto fill = [&](Allocation& allocation) {
    std::size_t count = 0;
    while (allocation.in_flight < options.window && count < kBatch) {
      const std::int64_t sent_at = now_ns();
      std::memcpy(payload.data(), &sent_at, sizeof sent_at);
      auto frame = stun::encode_channel_data(frames[count], kChannel, payload, stun::Framing::datagram);
      vectors[count] = {const_cast<std::byte*>(frame.value().data()), frame.value().size()};
      headers[count] = {};
      headers[count].msg_hdr.msg_iov = &vectors[count];
      headers[count].msg_hdr.msg_iovlen = 1;
      ++count;
      ++allocation.in_flight;
    }
    std::size_t done = 0;
    while (done < count) {
      const int sent = ::sendmmsg(allocation.fd, headers.data() + done, static_cast<unsigned>(count - done), MSG_DONTWAIT);
      if (sent <= 0) break;
      done += static_cast<std::size_t>(sent);
    }
    report.sent += done;
    report.send_errors += count - done;
    allocation.in_flight -= static_cast<std::uint32_t>(count - done);
  };

  const auto start = std::chrono::steady_clock::now();
  const auto send_until = start + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                      std::chrono::duration<double>(options.duration_seconds));
  auto last_progress = start;
  for (auto& allocation : allocations) fill(allocation);
  std::array<epoll_event, 64> events;
  std::array<std::array<std::byte, kFrameBytes>, kBatch> receive_buffers;
  std::array<iovec, kBatch> receive_vectors;
  std::array<mmsghdr, kBatch> receive_headers{};
  for (std::size_t i = 0; i < kBatch; ++i) {
    receive_vectors[i] = {receive_buffers[i].data(), kFrameBytes};
    receive_headers[i].msg_hdr.msg_iov = &receive_vectors[i];
    receive_headers[i].msg_hdr.msg_iovlen = 1;
  }
  for (;;) {
    const auto now = std::chrono::steady_clock::now();
    const bool sending = now < send_until;
    std::uint64_t in_flight = 0;
    for (const auto& a : allocations) in_flight += a.in_flight;
    if (!sending && (in_flight == 0 || now - last_progress > options.timeout)) {
      report.timed_out = in_flight;
      break;
    }
    if (sending && now - last_progress > options.timeout) {
      // A window stuck on lost frames: count them lost and open it again.
      for (auto& a : allocations) {
        report.timed_out += a.in_flight;
        a.in_flight = 0;
        fill(a);
      }
      last_progress = now;
    }
    const int ready = ::epoll_wait(epoll, events.data(), static_cast<int>(events.size()), 10);
    for (int e = 0; e < ready; ++e) {
      Allocation& allocation = allocations[events[static_cast<std::size_t>(e)].data.u32];
      const int received = ::recvmmsg(allocation.fd, receive_headers.data(), kBatch, MSG_DONTWAIT, nullptr);
      if (received <= 0) continue;
      const std::int64_t arrived = now_ns();
      for (int i = 0; i < received; ++i) {
        auto frame = stun::parse_channel_data(
            ByteSpan(receive_buffers[static_cast<std::size_t>(i)].data(), receive_headers[static_cast<std::size_t>(i)].msg_len));
        if (!frame || frame.value().data.size() < sizeof(std::int64_t)) continue;
        std::int64_t sent_at;
        std::memcpy(&sent_at, frame.value().data.data(), sizeof sent_at);
        report.latency.record(std::chrono::nanoseconds(arrived - sent_at));
        ++report.echoed;
        if (allocation.in_flight > 0) --allocation.in_flight;
      }
      last_progress = std::chrono::steady_clock::now();
      if (sending) fill(allocation);
    }
    if (!sending && report.send_seconds == 0) report.send_seconds = std::chrono::duration<double>(now - start).count();
  }
  if (report.send_seconds == 0) report.send_seconds = options.duration_seconds;
  ::close(epoll);
  if (!options.bare) {
    for (auto& allocation : allocations) delete_allocation(allocation, options.timeout);
    for (auto& allocation : idle) delete_allocation(allocation, options.timeout);
  }
  return report;
}

std::string TurnLoadReport::text() const {
  const double rate = send_seconds > 0 ? static_cast<double>(echoed) / send_seconds : 0;
  return "sent " + std::to_string(sent) + ", echoed " + std::to_string(echoed) + " (" + std::to_string(static_cast<long long>(rate)) +
         "/s), lost " + std::to_string(timed_out) + ", send errors " + std::to_string(send_errors) + ", rtt p50 " +
         std::to_string(latency.percentile(0.5).count() / 1000) + " us, p99 " +
         std::to_string(latency.percentile(0.99).count() / 1000) + " us";
}

std::string TurnLoadReport::json() const {
  nlohmann::json out = {{"allocations", options.allocations}, {"idle", options.idle}, {"size", options.size},
                        {"window", options.window},
                        {"sent", sent}, {"echoed", echoed}, {"lost", timed_out}, {"send_errors", send_errors},
                        {"send_seconds", send_seconds},
                        {"echoed_per_second", send_seconds > 0 ? static_cast<double>(echoed) / send_seconds : 0},
                        {"rtt_p50_us", latency.percentile(0.5).count() / 1000},
                        {"rtt_p99_us", latency.percentile(0.99).count() / 1000}};
  return out.dump();
}

}  // namespace iceway::bench
