#pragma once
// RFC 6062 on the wire, for one worker: the listening sockets of its TCP relays, the
// connections the server opens to peers for Connect, and the peers' connections while they
// wait for their ConnectionBind. The core decides everything (turn/tcp_connections.hpp,
// TurnServer's on_tcp_* calls); this class only holds sockets and reports what they did.
//
// Ports: a TCP relay's port number is claimed by binding it over UDP as well (kept bound,
// never read). UDP binds without SO_REUSEPORT are exclusive, so no other relay on any worker,
// TCP or UDP, gets that number, and a relayed address names one allocation whichever its
// transport. The TCP side is bound with SO_REUSEPORT so that Connect's connections can leave
// from the relayed address itself, as RFC 6062 §5.2 requires.
//
// Threading: the owning worker's thread only. Callbacks run on it and may call back in.
#include <boost/asio/ip/tcp.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <unordered_map>

#include "common/endpoint.hpp"
#include "net/tcp_acceptor.hpp"
#include "net/udp_socket.hpp"
#include "net/worker.hpp"
#include "turn/allocation.hpp"
#include "turn/tcp_connections.hpp"

namespace iceway::turn::io {

class TcpRelays {
 public:
  // A peer connected to allocation `id`'s relay.
  using PeerAccepted = std::function<void(AllocationId id, boost::asio::ip::tcp::socket socket, const Endpoint& peer)>;
  // The connection connect() opened is up (`ok`) or failed.
  using Connected = std::function<void(ConnectionId id, bool ok)>;

  TcpRelays(net::Worker& worker, PeerAccepted on_peer, Connected on_connected);
  ~TcpRelays();
  TcpRelays(const TcpRelays&) = delete;
  TcpRelays& operator=(const TcpRelays&) = delete;

  // Listens on `local` with its UDP twin `claim`; false when the TCP port is taken.
  bool open(net::BoundUdpPort claim);
  bool contains(const Endpoint& relayed) const { return listeners_.contains(relayed); }
  // The relay opened for `relayed` starts accepting peers for allocation `id`.
  void activate(const Endpoint& relayed, AllocationId id);
  void close(const Endpoint& relayed);

  // RFC 6062 §5.2: a TCP connection from `relayed` to `peer`, reported through Connected.
  void connect(ConnectionId id, const Endpoint& relayed, const Endpoint& peer);
  // A peer's connection waiting for its ConnectionBind.
  void hold(ConnectionId id, boost::asio::ip::tcp::socket socket);
  // The connection for a ConnectionBind (connected or held); nothing when it is gone.
  std::optional<boost::asio::ip::tcp::socket> take(ConnectionId id);
  void close_peer(ConnectionId id);
  void close_all();
  std::size_t peers() const { return peers_.size(); }

 private:
  struct Listener {
    net::BoundUdpPort claim;
    std::shared_ptr<net::TcpAcceptor> acceptor;
    AllocationId id = 0;
  };
  // Shared with the pending connect's completion, which may run after close_peer().
  struct Peer {
    explicit Peer(boost::asio::io_context& context) : socket(context) {}
    boost::asio::ip::tcp::socket socket;
    bool closed = false;
  };

  net::Worker& worker_;
  PeerAccepted on_peer_;
  Connected on_connected_;
  std::unordered_map<Endpoint, Listener> listeners_;
  std::unordered_map<ConnectionId, std::shared_ptr<Peer>> peers_;
};

}  // namespace iceway::turn::io
