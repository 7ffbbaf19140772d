#include "turn/io/relay_ports.hpp"

#include "turn/relay_port_choice.hpp"

namespace iceway::turn::io {

namespace {
// Probing stops after this many taken ports, so a nearly full range answers 508 quickly
// instead of walking 16,000 ports inside one request.
constexpr int kMaxProbes = 64;
}  // namespace

RelayPorts::RelayPorts(net::Worker& worker, PeerDatagramHandler on_datagram)
    : worker_(worker), on_datagram_(std::move(on_datagram)) {}

RelayPorts::~RelayPorts() { close_all(); }

Result<Endpoint, RelayPortError> RelayPorts::open(const RelayPortRequest& request) {
  if (draining_) return failure(RelayPortError::draining);
  const auto& address = request.family == AddressFamily::ipv4 ? settings_->relay_ipv4 : settings_->relay_ipv6;
  if (!address) return failure(RelayPortError::family_unavailable);
  for (int probe = 0; probe < kMaxProbes; ++probe) {
    const auto port = choose_relay_port(settings_->relay_port_min, settings_->relay_port_max, request.even_port, random_);
    if (!port) return failure(RelayPortError::no_port);
    auto relay = std::make_unique<Relay>();
    relay->owner = this;
    relay->socket = std::make_shared<net::UdpSocket>(worker_.context(), worker_.receive_batch());
    Endpoint local{*address, *port};
    if (relay->socket->open(local, {.reuse_port = false, .receive_buffer_bytes = 256 << 10, .send_buffer_bytes = 256 << 10}))
      continue;  // taken (by another worker, another allocation or another program): try another
    if (request.dont_fragment && !relay->socket->set_dont_fragment()) {
      relay->socket->close();
      return failure(RelayPortError::dont_fragment_unsupported);
    }
    sockets_.emplace(local, std::move(relay));
    return local;
  }
  return failure(RelayPortError::no_port);
}

void RelayPorts::activate(const Endpoint& relayed, AllocationId id) {
  auto it = sockets_.find(relayed);
  if (it == sockets_.end()) return;
  it->second->id = id;
  it->second->socket->start(*it->second);
}

void RelayPorts::close(const Endpoint& relayed) {
  auto it = sockets_.find(relayed);
  if (it == sockets_.end()) return;
  it->second->socket->close();
  sockets_.erase(it);
}

bool RelayPorts::send(const Endpoint& relayed, ByteSpan payload, const Endpoint& peer) {
  auto it = sockets_.find(relayed);
  return it != sockets_.end() && it->second->socket->send_to(payload, peer);
}

void RelayPorts::close_all() {
  for (auto& [endpoint, relay] : sockets_) relay->socket->close();
  sockets_.clear();
}

}  // namespace iceway::turn::io
