#pragma once
// A drop-in for the `peer` npm server (PeerServer 1.x) as the unmodified `peerjs` 1.5 client uses
// it. Behaviour follows the reference server's sources (webSocketServer, messageHandler,
// messagesExpire, checkBrokenConnections, api); nothing is copied from them.
//
// WebSocket {path}/peerjs?key=&id=&token=[&version=]:
//   - missing id/token/key, wrong key, concurrent limit: {"type":"ERROR","payload":{"msg":...}}
//     with the reference's exact strings, then close;
//   - id held with another token: {"type":"ID-TAKEN","payload":{"msg":"ID is taken"}}, close;
//   - otherwise {"type":"OPEN"}, then the messages queued for this id, in order.
// Frames are {type, src, dst, payload}; the server sets src. OFFER, ANSWER, CANDIDATE, LEAVE and
// EXPIRE go to dst; for a dst not connected, everything but LEAVE/EXPIRE is queued, and a queue
// not claimed within expire_timeout sends each sender one EXPIRE with src = the absent peer.
// HEARTBEAT keeps a client alive; none for alive_timeout closes it.
//
// Where the reference is weak, this does better and stays compatible:
//   - the same id and token reconnecting gets OPEN (the reference sends nothing) and the stale
//     socket is closed;
//   - ids, tokens and dst are bounded (peer_id.hpp: what the peerjs client itself accepts); a
//     frame to a dst nobody could hold gets EXPIRE at once and is neither queued nor looked up;
//   - the offline queue is bounded per peer and in total, every byte it holds counted (keys and
//     bookkeeping too), nothing created before it is known to fit, and what does not fit is
//     answered with EXPIRE at once instead of growing memory;
//   - any frame counts as liveness, not only HEARTBEAT;
//   - EXPIRE is per (absent peer, sender) pair, not once per sender per sweep;
//   - when a client goes away while a negotiation it took part in is open (an OFFER relayed, its
//     ANSWER not yet), the other side gets LEAVE so it stops waiting.
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "signal/http_reply.hpp"
#include "signal/protocols/protocol_handler.hpp"
#include "signal/random.hpp"
#include "signal/relay_frame.hpp"

namespace iceway::signaling {

namespace peerjs_text {
// Reference server's src/enums.ts, byte for byte: clients show these strings to users.
inline constexpr std::string_view kInvalidKey = "Invalid key provided";
inline constexpr std::string_view kInvalidWsParameters = "No id, token, or key supplied to websocket server";
inline constexpr std::string_view kConnectionLimitExceeded = "Server has reached its concurrent user limit";
inline constexpr std::string_view kIdTaken = "ID is taken";
// app.json served at GET {path}/.
inline constexpr std::string_view kServerInfo =
    R"({"name":"PeerJS Server","description":"A server side element to broker connections between PeerJS clients.","website":"https://peerjs.com/"})";
}  // namespace peerjs_text

// Most open negotiations remembered per client for the LEAVE-on-disappearance improvement; the
// oldest is forgotten first.
inline constexpr std::size_t kMaxOpenNegotiations = 32;

// What the offline queues' bookkeeping costs besides the strings' own bytes, counted against
// peerjs_queue_total_bytes with them: a queue is a hash node with its key and three vectors, a
// message four strings' headers plus the shared frame's control block and allocator slack.
// Generous rather than exact: the cap is a bound on memory, so it errs on the high side.
inline constexpr std::size_t kQueueOverheadBytes = 160;
inline constexpr std::size_t kQueuedMessageOverheadBytes = 192;

class PeerJsProtocol final : public ProtocolHandler {
 public:
  explicit PeerJsProtocol(RandomSource& random) : random_(random) {}

  void open(ConnectionId id, const Query& query, UnixSeconds unix_now, Context& ctx) override;
  void touched(ConnectionId id, Context& ctx) override;
  void message(ConnectionId id, Json& message, Context& ctx) override;
  // The same for a frame read by scan_relay_frame() (the Dispatcher's fast path): message()
  // reduces a parsed tree to these fields and comes here too, so both paths send the same bytes.
  void relay(ConnectionId id, const RelayFields& fields, Context& ctx);
  void reject(ConnectionId id, ErrorCode code, std::string_view message, const Json* ref, Context& ctx) override;
  void departed(ConnectionId id, const Registry::Departure& departure, Context& ctx) override;
  void expire(Context& ctx) override;
  std::size_t invalid_type() const override { return peerjs_type::invalid; }
  // [cluster]: ids are unique across nodes and OFFER, ANSWER, CANDIDATE and LEAVE reach a peer
  // on another node; a message is queued (and EXPIREs) only when its peer is on no node.
  void remote(const cluster::RemoteEvent& event, Context& ctx) override;

  // The REST side, GET under the configured path: `path` is what follows settings.peerjs_path
  // ("" or "/" = server info, "/{key}/id", "/{key}/peers"). nullopt = not a PeerJS route (404).
  std::optional<HttpReply> http_get(std::string_view path, const Registry& registry, const Settings& settings);

  // Draining: every queue is given up now, its senders told with EXPIRE as at expire_timeout
  // (the server will not be there to deliver it), so nothing queued is lost unannounced.
  void closing_all(Context& ctx) override;
  // OFFER, ANSWER, CANDIDATE and LEAVE with their payload spliced in as sent (relay_frame.hpp).
  Result<bool, JsonError> message_unparsed(ConnectionId id, std::string_view text, Context& ctx) override;

  std::size_t queued_messages() const;
  // Bytes charged to the offline queues (the keys, every string and frame, the bookkeeping):
  // never more than settings.peerjs_queue_total_bytes.
  std::size_t queued_bytes() const { return queued_bytes_; }
  std::size_t queue_count() const { return queues_.size(); }

  // The charges behind queued_bytes(): a new queue for `dst`, one message in it, and one sender
  // remembered as already told EXPIRE.
  static std::size_t queue_cost(std::string_view dst);
  static std::size_t message_cost(std::string_view src, std::string_view type, std::string_view connection_id,
                                  std::size_t frame_bytes);
  static std::size_t told_cost(std::string_view sender);

 private:
  struct Negotiation {
    std::string peer;           // the other side's id
    std::string connection_id;  // payload.connectionId of the OFFER
  };
  struct Client {
    std::string token;
    TimePoint last_seen;
    std::vector<Negotiation> negotiations;
  };
  struct Queued {
    std::string src;
    std::string type;
    std::string connection_id;
    Frame frame;
  };
  struct OfflineQueue {
    TimePoint deadline;
    std::vector<Queued> messages;
    std::vector<std::string> told;  // senders already sent EXPIRE for this queue
    std::size_t bytes = 0;          // this queue's share of queued_bytes_, key included
  };

  void error_and_close(ConnectionId id, ErrorCode code, std::string_view text, Context& ctx);
  void transmit(ConnectionId from, const std::string& src, const RelayFields& fields, Context& ctx);
  void deliver(ConnectionId to, const std::string& src, const std::string& dst, const std::string& type,
               const std::string& connection_id, const Frame& frame, Context& ctx);
  void enqueue(ConnectionId from, const std::string& src, const std::string& dst, const std::string& type,
               const std::string& connection_id, Frame frame, Context& ctx);
  // EXPIRE {src: absent} to `sender`, counted as `reason`.
  void send_expire(const std::string& absent, const std::string& sender, ErrorCode reason, Context& ctx);
  // Tells each sender of `queue` once that `absent` is unavailable; the caller erases it.
  void drop_queue(const std::string& absent, OfflineQueue& queue, Context& ctx);
  void flush_queue(ConnectionId to, const std::string& peer_id, Context& ctx);
  void note_negotiation(const std::string& a, const std::string& b, const std::string& type,
                        const std::string& connection_id, Context& ctx);
  Client* client_of(const std::string& peer_id, Context& ctx);
  std::string unused_random_id(const Registry& registry);

  RandomSource& random_;
  std::unordered_map<ConnectionId, Client> clients_;
  StringMap<OfflineQueue> queues_;
  std::size_t queued_bytes_ = 0;
};

}  // namespace iceway::signaling
