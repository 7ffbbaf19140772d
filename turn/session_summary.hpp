#pragma once
// One allocation as `iceway ctl sessions` shows it: who, from where, relayed where, for how long,
// how much each way. Pure: made from the allocation and `now` on its worker's thread, then
// carried to the control thread as a plain value.
#include <chrono>
#include <cstdint>
#include <string>

#include "common/clock.hpp"
#include "turn/allocation.hpp"

namespace iceway::turn {

struct SessionSummary {
  std::uint64_t id = 0;      // the allocation's id (iceway ctl disconnect --session ID)
  std::string user;          // the REST user id (or static user name)
  std::string transport;     // udp, tcp, tls
  std::string client;        // the client's transport address
  std::string relayed;       // XOR-RELAYED-ADDRESS as the client got it (both, ", "-joined, when dual)
  std::int64_t age_seconds = 0;
  std::int64_t expires_in_seconds = 0;
  std::uint64_t bytes_to_peer = 0;
  std::uint64_t bytes_to_client = 0;
  std::size_t permissions = 0;
  std::size_t channels = 0;
};

SessionSummary summarize(const Allocation& allocation, TimePoint now);

}  // namespace iceway::turn
