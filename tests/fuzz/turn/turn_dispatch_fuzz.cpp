// Everything a client can send on a TURN port goes through TurnServer::on_client_message:
// ChannelData, every STUN method and garbage. The server keeps state between inputs (the
// seeds' Allocates make allocations, so Refresh, CreatePermission, ChannelBind, Send and
// ChannelData reach their handlers), and the relay path from peers runs on the same input too.
//
// Invariants checked beyond "no crash, no sanitizer report":
//   - an answer fits the response buffer and parses as STUN;
//   - an answer without MESSAGE-INTEGRITY (to an unauthenticated sender) stays within
//     max_unauthenticated_response_size, or is one of stun's own fixed-size answers (Binding,
//     400, 420), which are bounded by their own tests;
//   - a payload relayed to a peer is a view into the input.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>

#include "stun/message.hpp"
#include "tests/fuzz/turn/turn_dispatch_world.hpp"
#include "turn/handlers/response.hpp"

namespace {

using namespace iceway;
using namespace iceway::turn;
using namespace iceway::turn::fuzz;

// One server as deployed by default, one with turn.alternate_address (RFC 5780).
World& world(bool nat_behavior) {
  static World plain(false);
  static World nat(true);
  return nat_behavior ? nat : plain;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const ByteSpan input(reinterpret_cast<const std::byte*>(data), size);
  World& w = world(wants_nat_server(input));
  const FiveTuple tuple = tuple_of(input);
  const TimePoint now = time_of(input);

  std::array<std::byte, 2048> out;
  const HandleResult result = w.server->on_client_message(input, tuple, now, kNowUnix, out);
  if (result.response.size() > out.size()) __builtin_trap();
  if (!result.response.empty()) {
    auto parsed = stun::MessageView::parse(result.response);
    if (!parsed) __builtin_trap();
    const bool signed_answer = parsed.value().message_integrity().has_value();
    if (!signed_answer && result.error && (*result.error == stun::ErrorCode::unauthenticated ||
                                           *result.error == stun::ErrorCode::stale_nonce) &&
        result.response.size() > max_unauthenticated_response_size(w.server->shared().settings->realm.size())) {
      __builtin_trap();
    }
  }
  // An RFC 5780 answer may change its origin and port, never the client's IP: anything else
  // would let a forged source aim iceway at a third party.
  if (result.reply_to) {
    const auto addresses = stun::nat_listen_addresses(kNatAddresses);
    if (std::find(addresses.begin(), addresses.end(), result.reply_to->server) == addresses.end()) __builtin_trap();
    if (result.reply_to->client.address != tuple.client.address) __builtin_trap();
  }
  if (result.to_peer) {
    const auto* begin = input.data();
    const auto* payload = result.to_peer->payload.data();
    if (!result.to_peer->payload.empty() && (payload < begin || payload + result.to_peer->payload.size() > begin + size)) {
      __builtin_trap();
    }
  }

  // RFC 6062, as the I/O layer drives it: a Connect's connection comes up or is refused (the
  // input's last byte says which), and a peer connects to every live TCP relay. Their answers
  // and indications must parse too.
  auto check_parses = [](ByteSpan bytes) {
    if (!stun::MessageView::parse(bytes)) __builtin_trap();
  };
  if (result.ended) w.server->tcp().remove_allocation(result.ended->id);
  if (result.tcp_connect) {
    const bool up = size > 0 && (data[size - 1] & 1) != 0;
    if (auto answer = w.server->on_tcp_connected(result.tcp_connect->id, up, now, out)) check_parses(answer->bytes);
  }

  // The same bytes as a datagram from a peer on every live allocation.
  std::array<std::byte, kPeerHeadroom + 1500 + kPeerTailroom> peer_buffer{};
  const std::size_t peer_size = std::min<std::size_t>(size, 1500);
  if (peer_size > 0) std::memcpy(peer_buffer.data() + kPeerHeadroom, data, peer_size);
  std::vector<AllocationId> ids;
  w.server->table().for_each([&](const Allocation& allocation) { ids.push_back(allocation.id); });
  for (AllocationId id : ids) {
    const auto sent = w.server->on_peer_datagram(id, *Endpoint::parse("127.0.0.1:9"), peer_buffer, peer_size, now);
    if (sent && sent->bytes.size() > peer_buffer.size()) __builtin_trap();
  }
  for (AllocationId id : ids) {
    if (auto attempt = w.server->on_tcp_peer_connected(id, *Endpoint::parse("127.0.0.1:9"), now, out)) {
      check_parses(attempt->indication.bytes);
    }
  }
  // State stays bounded across a long run by the quota (10 allocations for the one user)
  // and the per-allocation limits; expiry runs as the I/O layer's timer would.
  for (auto& ended : w.server->expire(now).allocations) w.server->tcp().remove_allocation(ended.id);
  for (const auto& expired : w.server->expire_tcp(now)) {
    if (!expired.answer.empty()) check_parses(expired.answer);
  }
  return 0;
}
