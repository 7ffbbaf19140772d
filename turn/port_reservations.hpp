#pragma once
// Relay ports held for a later Allocate (RFC 8656 §7.2, EVEN-PORT with the R bit): the port
// after an allocation's even port stays bound under an 8-byte token, and a second Allocate,
// which comes from another 5-tuple and so perhaps to another worker, names the token in
// RESERVATION-TOKEN to get that port (an RTP/RTCP pair, as turnutils_uclient asks by default).
//
// Process-wide and thread-safe (a mutex), like Quota: only such Allocates and the workers'
// once-a-second expiry touch it, never the relay path. A reservation holds
//   - the bound socket (RelayPortAllocator's HeldPort), so nothing else takes the port;
//   - a quota lease, so reservations count against the same limits as allocations and a
//     client cannot pin ports past its quota by asking for pairs it never claims.
// Both go when the reservation is taken or its hold runs out (30 s, the RFC's minimum).
//
// A token is the whole capability to the port, so tokens come from the CSPRNG and are never
// all zero (coturn's client reads zero as "no token").
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>

#include "common/clock.hpp"
#include "common/endpoint.hpp"
#include "stun/attributes/turn.hpp"
#include "turn/quota.hpp"
#include "turn/random_source.hpp"
#include "turn/relay_port_allocator.hpp"

namespace iceway::turn {

using stun::ReservationToken;  // its `token`: 8 opaque bytes

struct Reservation {
  Endpoint relayed;                // the held port's local address
  std::unique_ptr<HeldPort> port;  // destroying it closes the socket
  QuotaLease lease;
};

class PortReservations {
 public:
  static constexpr Seconds kHold{30};  // RFC 8656 §7.2: "at least 30 seconds"

  explicit PortReservations(std::unique_ptr<RandomSource> random, Seconds hold = kHold);
  PortReservations(const PortReservations&) = delete;
  PortReservations& operator=(const PortReservations&) = delete;
  ~PortReservations();

  // Holds `reservation` until take() or now + hold; returns its new token.
  ReservationToken keep(Reservation reservation, TimePoint now);
  // The reservation `token` names, no longer held; nothing when the token is unknown, was
  // taken already, or its hold ran out (even if expire() has not run since).
  std::optional<Reservation> take(const ReservationToken& token, TimePoint now);
  // Ends every reservation whose hold ran out: closes its port, returns its quota. How many.
  std::size_t expire(TimePoint now);
  // Ends them all (shutdown: before the Quota their leases point into goes away).
  void clear();

  std::size_t size() const;

 private:
  struct Held {
    Reservation reservation;
    TimePoint until;
  };

  std::unique_ptr<RandomSource> random_;  // guarded by mutex_ (SystemRandom is, but a fake need not be)
  const Seconds hold_;
  mutable std::mutex mutex_;  // guards everything below
  std::unordered_map<std::uint64_t, Held> held_;
  // (until, token) in the order kept, which is the order of expiry since the hold is fixed;
  // entries for tokens taken already are skipped when they come up.
  std::deque<std::pair<TimePoint, std::uint64_t>> order_;
};

}  // namespace iceway::turn
