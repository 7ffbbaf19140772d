// TurnWorker's part of RFC 8016 mobility. A client that moved sends its Refresh from a new
// 5-tuple, which SO_REUSEPORT may give to another worker than the one holding its allocation.
// The ticket names the holder: the receiving worker (the "home" of the new 5-tuple) hands the
// request over, the holder checks it (nonce, key, user) and answers through the home worker,
// sending the allocation along, relay sockets and all, when the Refresh took it over. What
// the client sends meanwhile waits in the home worker's awaiting_, so it is handled once the
// allocation is there.
#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include "common/log_escape.hpp"
#include "turn/io/turn_worker.hpp"

namespace iceway::turn::io {

void TurnWorker::hand_over_refresh(std::uint8_t worker, ByteSpan bytes, const FiveTuple& tuple) {
  if (worker >= siblings_.size() || siblings_[worker] == nullptr) return;
  awaiting_.try_emplace(tuple);
  TurnWorker* target = siblings_[worker];
  const auto home = static_cast<std::uint8_t>(worker_.index());
  std::vector<std::byte> request(bytes.begin(), bytes.end());
  boost::asio::post(target->worker_.context(), [target, tuple, home, request = std::move(request)] {
    target->on_handed_over(request, tuple, home);
  });
}

void TurnWorker::on_handed_over(const std::vector<std::byte>& bytes, const FiveTuple& tuple, std::uint8_t home) {
  auto result = server_.on_handed_over(bytes, tuple, home, Clock::now(), unix_now(), answer_buffer_);
  log_result(result, tuple);
  auto moving = std::make_unique<MovingAllocation>();
  moving->from_worker = worker_.index();
  if (result.moved) {
    left_behind(result.moved->from);
    moving->allocation = server_.table().extract(result.moved->id);
    if (moving->allocation) {
      const Allocation& allocation = *moving->allocation;
      if (auto port = relay_ports_.give_away(allocation.relayed)) moving->relays.push_back(std::move(*port));
      if (allocation.relayed_ipv6) {
        if (auto port = relay_ports_.give_away(*allocation.relayed_ipv6)) moving->relays.push_back(std::move(*port));
      }
    }
  }
  if (result.ended) allocation_ended(*result.ended);  // LIFETIME 0 from the new address
  TurnWorker* target = home < siblings_.size() ? siblings_[home] : nullptr;
  if (target == nullptr) return;
  std::vector<std::byte> answer(result.response.begin(), result.response.end());
  auto carried = std::make_shared<std::unique_ptr<MovingAllocation>>(std::move(moving));
  boost::asio::post(target->worker_.context(), [target, tuple, answer = std::move(answer), carried] {
    target->on_handover_answer(tuple, answer, std::move(*carried));
  });
}

void TurnWorker::on_handover_answer(const FiveTuple& tuple, const std::vector<std::byte>& answer,
                                    std::unique_ptr<MovingAllocation> moving) {
  auto connection = connections_.find(tuple);
  ClientConnection* stream = connection != connections_.end() ? connection->second.get() : nullptr;
  if (moving && moving->allocation) {
    Allocation& allocation = server_.table().adopt(std::move(moving->allocation));
    for (auto& port : moving->relays) {
      const Endpoint relayed = port.local();
      if (!relay_ports_.take_over(std::move(port), allocation.id))
        spdlog::warn("allocation moved without its relay socket {}: it relays nothing until it ends", relayed.to_string());
    }
    // Where it came from is the other worker's to tidy up (left_behind there).
    allocation_moved(HandleResult::Moved{allocation.id, FiveTuple{}}, tuple, stream, moving->from_worker);
  }
  if (!answer.empty()) {
    if (stream) stream->send(answer);
    else if (tuple.transport == Transport::udp) send_udp(tuple, answer, false);
  }
  // The client's connection closed while its Refresh was away: a moved allocation waits again.
  if (tuple.transport != Transport::udp && stream == nullptr) server_.on_connection_closed(tuple);
  auto waited = awaiting_.extract(tuple);
  if (waited.empty()) return;
  for (const auto& message : waited.mapped()) {
    connection = connections_.find(tuple);
    stream = connection != connections_.end() ? connection->second.get() : nullptr;
    if (tuple.transport != Transport::udp && stream == nullptr) break;
    handle_client(message, tuple, stream, /*in_receive_batch=*/false);
  }
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
