// Requests one worker receives and another decides. SO_REUSEPORT gives each client 5-tuple to
// a worker by hash, but two requests belong where their state is:
//   - an RFC 8016 Refresh from a client that moved: its ticket names the allocation's worker;
//   - an RFC 6062 ConnectionBind on a TLS connection: its CONNECTION-ID names the worker with
//     the peer connection (a plain TCP connection moves there instead: move_connection()).
// The receiving worker (the 5-tuple's "home") hands the request over; the holder decides it
// with TurnServer::on_handed_over and answers through the home worker, sending back what now
// lives there (HandedBack). What the client sends meanwhile waits in awaiting_, so it is
// handled after the answer, when the allocation or pipe is in place.
#include <unistd.h>

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include "turn/io/turn_worker.hpp"

namespace iceway::turn::io {

TurnWorker::HandedBack::~HandedBack() {
  if (peer_fd >= 0) ::close(peer_fd);  // never delivered (the worker stopped first)
}

bool TurnWorker::hand_over_request(std::uint8_t worker, ByteSpan bytes, const FiveTuple& tuple) {
  if (worker >= siblings_.size() || siblings_[worker] == nullptr) return false;
  awaiting_.try_emplace(tuple);
  TurnWorker* target = siblings_[worker];
  const auto home = static_cast<std::uint8_t>(worker_.index());
  std::vector<std::byte> request(bytes.begin(), bytes.end());
  boost::asio::post(target->worker_.context(), [target, tuple, home, request = std::move(request)] {
    target->on_handed_over(request, tuple, home);
  });
  return true;
}

void TurnWorker::on_handed_over(const std::vector<std::byte>& bytes, const FiveTuple& tuple, std::uint8_t home) {
  const TimePoint now = Clock::now();
  auto result = server_.on_handed_over(bytes, tuple, home, now, unix_now(), answer_buffer_);
  log_result(result, tuple, now);
  auto back = std::make_shared<HandedBack>();
  back->from_worker = worker_.index();
  back->proves = !result.response.empty() && (result.authenticated || !result.error);
  if (result.moved) carry_allocation(*result.moved, *back);
  if (result.ended) allocation_ended(*result.ended);  // LIFETIME 0 from the new address
  if (result.tcp_bound) carry_peer(*result.tcp_bound, home, *back);
  TurnWorker* target = home < siblings_.size() ? siblings_[home] : nullptr;
  if (target == nullptr) return;
  std::vector<std::byte> answer(result.response.begin(), result.response.end());
  boost::asio::post(target->worker_.context(), [target, tuple, answer = std::move(answer), back] {
    target->on_handover_answer(tuple, answer, *back);
  });
}

void TurnWorker::on_handover_answer(const FiveTuple& tuple, const std::vector<std::byte>& answer, HandedBack& back) {
  auto connection = connections_.find(tuple);
  ClientConnection* stream = connection != connections_.end() ? connection->second.get() : nullptr;
  if (back.allocation) take_allocation(tuple, back, stream);
  if (stream && back.proves && !stream->proved()) stream->prove();
  if (!answer.empty()) {
    if (stream) stream->send(answer);
    else if (tuple.transport == Transport::udp) send_udp(tuple, answer, false);
  }
  if (back.bound) pipe_remote_peer(back, stream);
  else if (stream) stream->resume_reading();  // a refused ConnectionBind: read frames on
  // The client's connection closed while its request was away: a moved allocation waits again.
  if (tuple.transport != Transport::udp && stream == nullptr) server_.on_connection_closed(tuple);
  auto waited = awaiting_.extract(tuple);
  if (waited.empty()) return;
  for (const auto& message : waited.mapped()) {
    connection = connections_.find(tuple);
    stream = connection != connections_.end() ? connection->second.get() : nullptr;
    if (tuple.transport != Transport::udp && stream == nullptr) break;
    handle_client(message, tuple, stream, Clock::now(), /*in_receive_batch=*/false);
  }
}

}  // namespace iceway::turn::io
