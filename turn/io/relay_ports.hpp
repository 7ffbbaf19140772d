#pragma once
// The worker's relay sockets: implements turn::RelayPortAllocator with real UDP sockets on
// the configured relay address and port range, and keeps each live allocation's socket; TCP
// relays (RFC 6062) are the same ports' TcpRelays.
//
// Ports are picked at random within the range by the CSPRNG (choose_relay_port: RFC 8656
// §7.2 recommends unpredictable ports) and probed with bind(); the kernel is the one arbiter between workers, so no port
// table is shared. Threading: the owning worker's thread only.
#include <functional>
#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

#include "net/udp_socket.hpp"
#include "net/worker.hpp"
#include "turn/allocation.hpp"
#include "turn/counters.hpp"
#include "turn/io/tcp_relays.hpp"
#include "turn/random_source.hpp"
#include "turn/relay_port_allocator.hpp"
#include "turn/settings.hpp"

namespace iceway::turn::io {

class RelayPorts final : public RelayPortAllocator {
 public:
  // Called for each datagram a live allocation's relay socket receives.
  using PeerDatagramHandler =
      std::function<void(AllocationId id, const net::Datagram& datagram, const Endpoint& from)>;

  RelayPorts(net::Worker& worker, PeerDatagramHandler on_datagram, TcpRelays::PeerAccepted on_tcp_peer,
             TcpRelays::Connected on_tcp_connected);
  ~RelayPorts() override;

  void apply_settings(std::shared_ptr<const Settings> settings);
  // Where close() counts the datagrams a relay socket still held unread (its allocation has
  // ended, so they are data not relayed: relay_dropped_no_allocation).
  void count_discarded_in(Counter& counter) { discarded_ = &counter; }
  // While draining, open() refuses (300 to server.alternate or 508) so no new allocation starts.
  void set_draining(bool draining) { draining_ = draining; }

  // RelayPortAllocator
  Result<OpenedRelay, RelayPortError> open(const RelayPortRequest& request) override;
  Result<Endpoint, RelayPortError> adopt(const Endpoint& relayed, std::unique_ptr<HeldPort> port,
                                         const RelayPortRequest& request) override;
  void close(const Endpoint& relayed) override;

  // The pending socket opened for `relayed` starts relaying for allocation `id`.
  void activate(const Endpoint& relayed, AllocationId id);
  // Sends from the relay socket bound to `relayed`; false when it is gone or the kernel
  // buffer is full.
  bool send(const Endpoint& relayed, ByteSpan payload, const Endpoint& peer);
  // The same through the worker's SendBatch (UdpSocket::send_batched): for a payload that
  // lives in the worker's ReceiveBatch, while a UDP receive round is being handled.
  void send_batched(const Endpoint& relayed, ByteSpan payload, const Endpoint& peer);
  // RFC 8016, an allocation moving to another worker: the relay socket bound to `relayed`
  // leaves this worker still bound, with what the kernel queued for it; the other worker's
  // take_over() makes it relay for allocation `id` there. Nothing when `relayed` is unknown.
  std::optional<net::BoundUdpPort> give_away(const Endpoint& relayed);
  bool take_over(net::BoundUdpPort port, AllocationId id);
  void close_all();
  std::size_t size() const { return sockets_.size(); }
  TcpRelays& tcp() { return tcp_; }

 private:
  // A reserved port (EVEN-PORT R=1): bound, read by no one, any worker's to adopt.
  struct Held final : HeldPort {
    explicit Held(net::BoundUdpPort bound) : port(std::move(bound)) {}
    net::BoundUdpPort port;
  };

  // The pending relay socket for `port`, with DF when asked.
  Result<Endpoint, RelayPortError> install(net::BoundUdpPort port, bool dont_fragment);

  struct Relay final : net::DatagramHandler {
    RelayPorts* owner = nullptr;
    AllocationId id = 0;
    std::shared_ptr<net::UdpSocket> socket;
    void on_datagram(const net::Datagram& datagram, const Endpoint& from, net::UdpSocket&) override {
      owner->on_datagram_(id, datagram, from);
    }
  };

  // The relay path's lookup: the socket bound to `relayed`, or nullptr.
  Relay* find(const Endpoint& relayed);
  // The port index's entry for `relayed`, or nullptr when its address and port are outside it.
  Relay** indexed(const Endpoint& relayed);
  void index(const Endpoint& relayed, Relay* relay);
  void reindex();

  net::Worker& worker_;
  PeerDatagramHandler on_datagram_;
  std::shared_ptr<const Settings> settings_;
  SystemRandom random_;
  bool draining_ = false;
  Counter* discarded_ = nullptr;
  std::unordered_map<Endpoint, std::unique_ptr<Relay>> sockets_;  // by local (relayed) address
  // The same sockets, for each configured relay address, in an array by port over the
  // configured range: every relayed packet from a client finds its socket by index instead of
  // hashing its address (128 KiB per address for the default 16,384 ports). A socket outside
  // them (the range changed on SIGHUP while it lived) is found in sockets_.
  struct PortIndex {
    IpAddress address;
    std::uint16_t first_port = 0;
    std::vector<Relay*> by_port;
  };
  std::vector<PortIndex> port_index_;
  TcpRelays tcp_;
};

}  // namespace iceway::turn::io
