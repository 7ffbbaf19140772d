#pragma once
// `iceway-bench bare-relay`: the floor any user-space TURN relay pays, standing in the
// server's place for `iceway-bench turn --bare` (issue 16's "limit"). It does what a relay
// must and nothing else: ChannelData from a client arrives on the listening socket, its
// 4-byte header is dropped and the payload leaves to the peer from a relay socket of that
// client's own; what the peer sends back to that socket gets the header again and leaves to
// the client from the listening socket. Batched both ways: recvmmsg per socket, and one
// sendmmsg per socket per receive round. No authentication, no permissions, no counters, no
// timers: a server's relay path costs at least this much per packet, so iceway's relayed
// packets per CPU-second divided by this one's is how close it comes to the limit.
//
// One thread, epoll; a client's relay socket is opened on its first datagram. Stops after
// `duration_seconds` or on SIGINT/SIGTERM.
#include <cstdint>
#include <string>

#include "common/endpoint.hpp"
#include "common/result.hpp"

namespace iceway::bench {

struct BareRelayOptions {
  Endpoint listen;
  Endpoint peer;              // where every client's payload goes (the load tool's echo peer)
  double duration_seconds = 60;
  unsigned max_clients = 10000;
  bool gso = true;  // --no-gso: one datagram per message, the floor without UDP GSO
};

// Runs until the duration is over or a stop signal arrives; returns the datagrams relayed
// (both directions), or why it could not start.
Result<std::uint64_t, std::string> run_bare_relay(const BareRelayOptions& options);

}  // namespace iceway::bench
