#pragma once
// The one thing Allocate needs from the operating system: a bound UDP relay socket. The
// TURN core asks through this interface and never touches a socket; turn/io implements it
// with Asio, tests with a fake.
//
// Contract:
//   - open() binds a UDP socket on the configured relay address of `family`, on a port in
//     the configured range (even when `even_port`), with the DF bit set on everything it
//     sends when `dont_fragment` (IP_MTU_DISCOVER=IP_PMTUDISC_DO / IPV6_DONTFRAG), and
//     returns the socket's local address. The socket is pending: it starts relaying once the
//     same handle call's HandleResult::created names it (then it belongs to that
//     AllocationId).
//   - The core calls close() only to undo an open() of the same call that did not become an
//     allocation. Allocations that end are reported (HandleResult::ended,
//     ExpireResult::allocations, on_connection_closed) and the I/O layer closes their
//     sockets itself.
//   - Called on the worker's thread only.
#include <cstdint>

#include "common/endpoint.hpp"
#include "common/result.hpp"

namespace iceway::turn {

struct RelayPortRequest {
  AddressFamily family = AddressFamily::ipv4;
  bool even_port = false;      // EVEN-PORT with R=0 (RFC 8656 §7.2)
  bool dont_fragment = false;  // DONT-FRAGMENT from a TCP/TLS client (RFC 8656 §7.2 step 4, §15)
  FiveTuple five_tuple;        // the client it is for (logs, worker affinity)
};

enum class RelayPortError : std::uint8_t {
  family_unavailable,         // no relay address of that family: 440
  no_port,                    // the range is exhausted (or no even port): 508
  draining,                   // the server is shutting down: 300 to server.alternate, else 508
  dont_fragment_unsupported,  // cannot set DF: 420 listing DONT-FRAGMENT (RFC 8656 §7.2 step 4)
};

class RelayPortAllocator {
 public:
  virtual ~RelayPortAllocator() = default;
  virtual Result<Endpoint, RelayPortError> open(const RelayPortRequest& request) = 0;
  virtual void close(const Endpoint& relayed) = 0;
};

}  // namespace iceway::turn
