#include "turn/io/relay_ports.hpp"

#include <spdlog/spdlog.h>

#include "turn/relay_port_choice.hpp"

namespace iceway::turn::io {

namespace {
// Probing stops after this many taken ports, so a nearly full range answers 508 quickly
// instead of walking 16,000 ports inside one request.
constexpr int kMaxProbes = 64;
constexpr net::UdpSocketOptions kRelayOptions{
    .reuse_port = false, .receive_buffer_bytes = 256 << 10, .send_buffer_bytes = 256 << 10};
}  // namespace

RelayPorts::RelayPorts(net::Worker& worker, PeerDatagramHandler on_datagram, TcpRelays::PeerAccepted on_tcp_peer,
                       TcpRelays::Connected on_tcp_connected)
    : worker_(worker),
      on_datagram_(std::move(on_datagram)),
      tcp_(worker, std::move(on_tcp_peer), std::move(on_tcp_connected)) {}

RelayPorts::~RelayPorts() { close_all(); }

void RelayPorts::apply_settings(std::shared_ptr<const Settings> settings) {
  settings_ = std::move(settings);
  reindex();
}

void RelayPorts::reindex() {
  port_index_.clear();
  if (!settings_ || settings_->relay_port_max < settings_->relay_port_min) return;
  const std::size_t ports = std::size_t{settings_->relay_port_max} - settings_->relay_port_min + 1;
  for (const auto& address : {settings_->relay_ipv4, settings_->relay_ipv6}) {
    if (address) port_index_.push_back({*address, settings_->relay_port_min, std::vector<Relay*>(ports, nullptr)});
  }
  for (auto& [relayed, relay] : sockets_) index(relayed, relay.get());
}

RelayPorts::Relay** RelayPorts::indexed(const Endpoint& relayed) {
  for (PortIndex& index : port_index_) {
    const std::size_t slot = std::size_t{relayed.port} - index.first_port;  // below first_port wraps
    if (index.address == relayed.address && slot < index.by_port.size()) return &index.by_port[slot];
  }
  return nullptr;
}

void RelayPorts::index(const Endpoint& relayed, Relay* relay) {
  if (Relay** slot = indexed(relayed)) *slot = relay;
}

RelayPorts::Relay* RelayPorts::find(const Endpoint& relayed) {
  if (Relay** slot = indexed(relayed)) return *slot;
  const auto it = sockets_.find(relayed);
  return it != sockets_.end() ? it->second.get() : nullptr;
}

Result<OpenedRelay, RelayPortError> RelayPorts::open(const RelayPortRequest& request) {
  if (draining_) return failure(RelayPortError::draining);
  const auto& address = request.family == AddressFamily::ipv4 ? settings_->relay_ipv4 : settings_->relay_ipv6;
  if (!address) return failure(RelayPortError::family_unavailable);
  // A pair needs its odd port in the range too, so its even port stops one short.
  const std::uint16_t high = settings_->relay_port_max - (request.reserve_next ? 1 : 0);
  if (high < settings_->relay_port_min) return failure(RelayPortError::no_port);
  for (int probe = 0; probe < kMaxProbes; ++probe) {
    const auto port = choose_relay_port(settings_->relay_port_min, high, request.even_port, random_);
    if (!port) return failure(RelayPortError::no_port);
    // Taken (by another worker, another allocation or another program): try another.
    auto bound = net::BoundUdpPort::bind(Endpoint{*address, *port}, kRelayOptions);
    if (!bound) continue;
    OpenedRelay opened;
    if (request.tcp) {
      // The UDP port stays bound as the claim on the number (see TcpRelays).
      const Endpoint local = bound.value().local();
      if (!tcp_.open(std::move(bound).value())) continue;
      opened.relayed = local;
      return opened;
    }
    if (request.reserve_next) {
      auto next = net::BoundUdpPort::bind(Endpoint{*address, static_cast<std::uint16_t>(*port + 1)}, kRelayOptions);
      if (!next) continue;  // the even one closes with `bound`
      opened.next = next.value().local();
      opened.next_port = std::make_unique<Held>(std::move(next).value());
    }
    auto relayed = install(std::move(bound).value(), request.dont_fragment);
    if (!relayed) return failure(relayed.error());
    opened.relayed = relayed.value();
    return opened;
  }
  return failure(RelayPortError::no_port);
}

Result<Endpoint, RelayPortError> RelayPorts::adopt(const Endpoint& relayed, std::unique_ptr<HeldPort> port,
                                                   const RelayPortRequest& request) {
  if (draining_) return failure(RelayPortError::draining);
  auto* held = dynamic_cast<Held*>(port.get());
  if (held == nullptr || held->port.local() != relayed) return failure(RelayPortError::no_port);
  return install(std::move(held->port), request.dont_fragment);
}

Result<Endpoint, RelayPortError> RelayPorts::install(net::BoundUdpPort port, bool dont_fragment) {
  const Endpoint local = port.local();
  auto relay = std::make_unique<Relay>();
  relay->owner = this;
  relay->socket = std::make_shared<net::UdpSocket>(worker_.ready_poll(), worker_.receive_batch());
  if (relay->socket->adopt(std::move(port))) return failure(RelayPortError::no_port);
  if (dont_fragment && !relay->socket->set_dont_fragment()) {
    relay->socket->close();
    return failure(RelayPortError::dont_fragment_unsupported);
  }
  Relay* installed = relay.get();
  if (!sockets_.emplace(local, std::move(relay)).second) return failure(RelayPortError::no_port);
  index(local, installed);
  return local;
}

void RelayPorts::activate(const Endpoint& relayed, AllocationId id) {
  if (tcp_.contains(relayed)) return tcp_.activate(relayed, id);
  auto it = sockets_.find(relayed);
  if (it == sockets_.end()) return;
  it->second->id = id;
  if (auto error = it->second->socket->start(*it->second))
    spdlog::warn("relay socket {} cannot be watched ({}): it relays nothing until its allocation ends",
                 relayed.to_string(), error.message());
}

std::optional<net::BoundUdpPort> RelayPorts::give_away(const Endpoint& relayed) {
  auto it = sockets_.find(relayed);
  if (it == sockets_.end()) return std::nullopt;
  auto port = it->second->socket->release();
  index(relayed, nullptr);
  sockets_.erase(it);
  return port;
}

bool RelayPorts::take_over(net::BoundUdpPort port, AllocationId id) {
  // A socket with DF set keeps it: the option lives with the descriptor.
  auto relayed = install(std::move(port), /*dont_fragment=*/false);
  if (!relayed) return false;
  activate(relayed.value(), id);
  return true;
}

void RelayPorts::close(const Endpoint& relayed) {
  if (tcp_.contains(relayed)) return tcp_.close(relayed);
  auto it = sockets_.find(relayed);
  if (it == sockets_.end()) return;
  // Datagrams that arrived after the last read go with the socket: counted, not lost silently
  // (a peer still sending while its client deletes the allocation).
  const std::size_t unread = it->second->socket->close();
  if (discarded_ != nullptr && unread > 0) discarded_->add(unread);
  index(relayed, nullptr);
  sockets_.erase(it);
}

bool RelayPorts::send(const Endpoint& relayed, ByteSpan payload, const Endpoint& peer) {
  Relay* relay = find(relayed);
  return relay != nullptr && relay->socket->send_to(payload, peer);
}

void RelayPorts::send_batched(const Endpoint& relayed, ByteSpan payload, const Endpoint& peer) {
  if (Relay* relay = find(relayed)) relay->socket->send_batched(payload, peer);
}

void RelayPorts::close_all() {
  for (auto& [endpoint, relay] : sockets_) {
    relay->socket->close();
    index(endpoint, nullptr);
  }
  sockets_.clear();
  tcp_.close_all();
}

}  // namespace iceway::turn::io
