#pragma once
// RFC 8016 mobility tickets (turn.mobility). An Allocate with an empty MOBILITY-TICKET gets
// one; a Refresh from a new 5-tuple that carries it (and the allocation's credentials) takes
// the allocation over, and gets the next one.
//
// A ticket is 32 lowercase hex characters: the worker whose thread receives the client's
// messages (two characters; a Refresh that reached another worker is sent there), then 120
// random bits, so a ticket cannot be guessed (it is also only half the proof: the Refresh
// must carry the allocation owner's MESSAGE-INTEGRITY). Text, because coturn's clients keep
// the ticket as a C string and send back strlen() bytes of it.
#include <cstdint>
#include <optional>

#include "stun/attributes/turn.hpp"
#include "turn/random_source.hpp"

namespace iceway::turn {

inline constexpr std::size_t kMobilityTicketSize = 32;
static_assert(kMobilityTicketSize <= stun::MobilityTicket::kMaxSize);

// A new ticket naming `worker`.
stun::MobilityTicket issue_mobility_ticket(std::uint8_t worker, RandomSource& random);
// The worker a ticket names; nothing for one iceway did not write.
std::optional<std::uint8_t> mobility_ticket_worker(const stun::MobilityTicket& ticket);

}  // namespace iceway::turn
