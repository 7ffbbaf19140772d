#include "turn/io/tcp_relays.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include "net/address.hpp"

namespace iceway::turn::io {

TcpRelays::TcpRelays(net::Worker& worker, PeerAccepted on_peer, Connected on_connected)
    : worker_(worker), on_peer_(std::move(on_peer)), on_connected_(std::move(on_connected)) {}

TcpRelays::~TcpRelays() { close_all(); }

bool TcpRelays::open(net::BoundUdpPort claim) {
  const Endpoint local = claim.local();
  auto acceptor = std::make_shared<net::TcpAcceptor>(worker_.context(), [this, local](boost::asio::ip::tcp::socket socket) {
    auto it = listeners_.find(local);
    if (it == listeners_.end() || it->second.id == 0) return;  // closed, or not yet an allocation's
    boost::system::error_code error;
    const auto remote = socket.remote_endpoint(error);
    if (error) return;
    on_peer_(it->second.id, std::move(socket), net::from_asio(remote));
  });
  if (acceptor->open(local, /*reuse_port=*/true)) return false;
  listeners_.emplace(local, Listener{std::move(claim), std::move(acceptor), 0});
  return true;
}

void TcpRelays::activate(const Endpoint& relayed, AllocationId id) {
  auto it = listeners_.find(relayed);
  if (it == listeners_.end()) return;
  it->second.id = id;
  it->second.acceptor->start();
}

void TcpRelays::close(const Endpoint& relayed) {
  auto it = listeners_.find(relayed);
  if (it == listeners_.end()) return;
  it->second.acceptor->close();
  listeners_.erase(it);
}

void TcpRelays::connect(ConnectionId id, const Endpoint& relayed, const Endpoint& peer) {
  auto entry = std::make_shared<Peer>(worker_.context());
  peers_[id] = entry;
  auto fail = [this, id] {
    // Reported from the event loop, not from inside the caller's handling of the Connect.
    boost::asio::post(worker_.context(), [this, id] {
      if (auto it = peers_.find(id); it != peers_.end() && !it->second->closed) on_connected_(id, false);
    });
  };
  const auto target = net::to_tcp(peer);
  boost::system::error_code error;
  entry->socket.open(target.protocol(), error);
  if (error) return fail();
  const int fd = entry->socket.native_handle();
  const int one = 1;
  if (relayed.address.is_v6()) ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
  entry->socket.set_option(boost::asio::socket_base::reuse_address(true), error);
  // The relay's listener has SO_REUSEPORT, so its address can be this connection's source.
  if (!error && ::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0) return fail();
  if (!error) entry->socket.bind(net::to_tcp(relayed), error);
  if (error) return fail();
  entry->socket.async_connect(target, [this, id, entry](const boost::system::error_code& result) {
    if (entry->closed) return;  // expired or its allocation ended meanwhile
    if (!result) {
      boost::system::error_code ignored;
      entry->socket.set_option(boost::asio::ip::tcp::no_delay(true), ignored);
    }
    on_connected_(id, !result);
  });
}

void TcpRelays::hold(ConnectionId id, boost::asio::ip::tcp::socket socket) {
  auto entry = std::make_shared<Peer>(worker_.context());
  entry->socket = std::move(socket);
  peers_[id] = std::move(entry);
}

std::optional<boost::asio::ip::tcp::socket> TcpRelays::take(ConnectionId id) {
  auto it = peers_.find(id);
  if (it == peers_.end()) return std::nullopt;
  auto entry = std::move(it->second);
  peers_.erase(it);
  entry->closed = true;
  if (!entry->socket.is_open()) return std::nullopt;
  return std::move(entry->socket);
}

void TcpRelays::close_peer(ConnectionId id) {
  auto it = peers_.find(id);
  if (it == peers_.end()) return;
  it->second->closed = true;
  boost::system::error_code ignored;
  it->second->socket.close(ignored);
  peers_.erase(it);
}

void TcpRelays::close_all() {
  for (auto& [endpoint, listener] : listeners_) listener.acceptor->close();
  listeners_.clear();
  for (auto& [id, peer] : peers_) {
    peer->closed = true;
    boost::system::error_code ignored;
    peer->socket.close(ignored);
  }
  peers_.clear();
}

}  // namespace iceway::turn::io
