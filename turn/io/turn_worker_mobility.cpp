// TurnWorker's part of RFC 8016 mobility: an allocation whose client moved serves the new
// 5-tuple. When that 5-tuple's messages reach another worker, the allocation moves there
// (turn/io/turn_worker_handover.cpp routes the Refresh), relay sockets and all.
#include <spdlog/spdlog.h>

#include "common/log_escape.hpp"
#include "turn/io/turn_worker.hpp"

namespace iceway::turn::io {

void TurnWorker::carry_allocation(const HandleResult::Moved& moved, HandedBack& back) {
  left_behind(moved.from);
  back.allocation = server_.table().extract(moved.id);
  if (!back.allocation) return;
  const Allocation& allocation = *back.allocation;
  if (auto port = relay_ports_.give_away(allocation.relayed)) back.relays.push_back(std::move(*port));
  if (allocation.relayed_ipv6) {
    if (auto port = relay_ports_.give_away(*allocation.relayed_ipv6)) back.relays.push_back(std::move(*port));
  }
}

void TurnWorker::take_allocation(const FiveTuple& tuple, HandedBack& back, ClientConnection* stream) {
  Allocation& allocation = server_.table().adopt(std::move(back.allocation));
  for (auto& port : back.relays) {
    const Endpoint relayed = port.local();
    if (!relay_ports_.take_over(std::move(port), allocation.id))
      spdlog::warn("allocation moved without its relay socket {}: it relays nothing until it ends", relayed.to_string());
  }
  back.relays.clear();
  // Where it came from is the other worker's to tidy up (left_behind there).
  allocation_moved(HandleResult::Moved{allocation.id, FiveTuple{}}, tuple, stream, back.from_worker);
}

void TurnWorker::left_behind(const FiveTuple& old) {
  if (old.transport == Transport::udp) return;
  if (auto it = connections_.find(old); it != connections_.end()) it->second->set_idle_timeout(kIdleWithoutAllocation);
}

void TurnWorker::allocation_moved(const HandleResult::Moved& moved, const FiveTuple& to, ClientConnection* stream,
                                  unsigned from_worker) {
  if (moved.from != FiveTuple{}) left_behind(moved.from);
  if (stream) {
    stream->set_channel_data_allowed(true);
    stream->set_idle_timeout(server_.shared().settings->max_lifetime + std::chrono::seconds(60));
  }
  const Allocation* allocation = server_.table().find_by_id(moved.id);
  if (allocation == nullptr) return;
  spdlog::info("allocation moved: user={} client={} {} relayed={} from_worker={} worker={} (RFC 8016 mobility)",
               log_escape(allocation->user_id), to_string(to.transport), to.client.to_string(),
               allocation->advertised.to_string(), from_worker, worker_.index());
}

}  // namespace iceway::turn::io
