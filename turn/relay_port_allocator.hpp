#pragma once
// The one thing Allocate needs from the operating system: a bound UDP relay socket. The
// TURN core asks through this interface and never touches a socket; turn/io implements it
// with Asio, tests with a fake.
//
// Contract:
//   - open() binds a UDP socket (a listening TCP socket with `tcp`, RFC 6062) on the configured relay address of `family`, on a port in
//     the configured range (even when `even_port`), with the DF bit set on everything it
//     sends when `dont_fragment` (IP_MTU_DISCOVER=IP_PMTUDISC_DO / IPV6_DONTFRAG), and
//     returns the socket's local address. The socket is pending: it starts relaying once the
//     same handle call's HandleResult::created names it (then it belongs to that
//     AllocationId).
//   - With `reserve_next` (EVEN-PORT R=1) the port is even and the next one, also in the
//     range, is bound too and returned as a HeldPort: a socket that relays nothing and keeps
//     the port for a later Allocate (turn/port_reservations.hpp).
//   - adopt() makes a HeldPort from any worker's open() this call's pending relay socket, as
//     open() would have (DF included); the HeldPort is consumed either way.
//   - The core calls close() only to undo an open() of the same call that did not become an
//     allocation. Allocations that end are reported (HandleResult::ended,
//     ExpireResult::allocations, on_connection_closed) and the I/O layer closes their
//     sockets itself.
//   - Called on the worker's thread only.
#include <cstdint>
#include <memory>

#include "common/endpoint.hpp"
#include "common/result.hpp"

namespace iceway::turn {

// A relay port kept bound and idle for a reservation; destroying it closes the socket. Only
// the allocator that made it knows what it is (adopt() takes it back).
class HeldPort {
 public:
  virtual ~HeldPort() = default;
};

struct RelayPortRequest {
  AddressFamily family = AddressFamily::ipv4;
  bool even_port = false;      // EVEN-PORT (RFC 8656 §7.2)
  bool reserve_next = false;   // its R bit: hold the next port too (needs even_port)
  bool dont_fragment = false;  // DONT-FRAGMENT from a TCP/TLS client (RFC 8656 §7.2 step 4, §15)
  bool tcp = false;            // REQUESTED-TRANSPORT TCP: a TCP relay (RFC 6062 §5.1)
  FiveTuple five_tuple;        // the client it is for (logs, worker affinity)
};

enum class RelayPortError : std::uint8_t {
  family_unavailable,         // no relay address of that family: 440
  no_port,                    // the range is exhausted (or no even port, or pair): 508
  draining,                   // the server is shutting down: 300 to server.alternate, else 508
  dont_fragment_unsupported,  // cannot set DF: 420 listing DONT-FRAGMENT (RFC 8656 §7.2 step 4)
  transport_unsupported,      // this allocator makes no TCP relays: 442
};

struct OpenedRelay {
  Endpoint relayed;
  // With reserve_next: the next port (relayed.port + 1), bound and held.
  Endpoint next;
  std::unique_ptr<HeldPort> next_port;
};

class RelayPortAllocator {
 public:
  virtual ~RelayPortAllocator() = default;
  virtual Result<OpenedRelay, RelayPortError> open(const RelayPortRequest& request) = 0;
  // `relayed` is the held port's local address; `request` gives dont_fragment and the client.
  virtual Result<Endpoint, RelayPortError> adopt(const Endpoint& relayed, std::unique_ptr<HeldPort> port,
                                                 const RelayPortRequest& request) = 0;
  virtual void close(const Endpoint& relayed) = 0;
};

}  // namespace iceway::turn
