#include "signal/protocols/peerjs.hpp"

#include <algorithm>

#include "signal/peer_id.hpp"

namespace iceway::signaling {
namespace {

constexpr std::string_view kOpen = R"({"type":"OPEN"})";

std::string error_frame(std::string_view type, std::string_view text) {
  return to_text(Json{{"type", type}, {"payload", {{"msg", text}}}});
}

bool contains(const std::vector<std::string>& list, std::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

}  // namespace

void PeerJsProtocol::error_and_close(ConnectionId id, ErrorCode code, std::string_view text, Context& ctx) {
  ctx.counters.count_error(code);
  ctx.out.send(id, error_frame(code == ErrorCode::id_taken ? "ID-TAKEN" : "ERROR", text));
  ctx.disconnect(id, close_code_for(code), std::string(text));
}

std::string PeerJsProtocol::unused_random_id(const Registry& registry) {
  for (;;) {
    std::string candidate = random_uuid(random_);
    if (!registry.holder(Protocol::peerjs, candidate) &&
        !(cluster_ != nullptr && cluster_->held_elsewhere(Protocol::peerjs, candidate)))
      return candidate;
  }
}

void PeerJsProtocol::open(ConnectionId id, const Query& query, UnixSeconds /*unix_now*/, Context& ctx) {
  const std::string_view peer_id = query.value("id");
  const std::string_view token = query.value("token");
  const std::string_view key = query.value("key");
  // webSocketServer._onSocketConnection: parameters first, then the key, then the id.
  if (peer_id.empty() || token.empty() || key.empty()) {
    return error_and_close(id, ErrorCode::bad_request, peerjs_text::kInvalidWsParameters, ctx);
  }
  if (key != ctx.settings.peerjs_key) {
    return error_and_close(id, ErrorCode::unauthorized, peerjs_text::kInvalidKey, ctx);
  }
  // Bounded ids and tokens (peer_id.hpp). The reference takes any string; the unmodified
  // client never sends one that is refused here.
  if (!valid_peerjs_id(peer_id) || !valid_peerjs_token(token)) {
    return error_and_close(id, ErrorCode::bad_request, peerjs_text::kInvalidWsParameters, ctx);
  }

  if (auto holder = ctx.registry.holder(Protocol::peerjs, peer_id)) {
    auto existing = clients_.find(*holder);
    if (existing == clients_.end() || existing->second.token != token) {
      return error_and_close(id, ErrorCode::id_taken, peerjs_text::kIdTaken, ctx);
    }
    // Same id and token: the client reconnected before the server noticed its old socket die.
    // The reference reattaches silently and the client, waiting for OPEN, never opens; we move
    // the id to the new socket, say OPEN and close the stale one.
    Client client = std::move(existing->second);
    clients_.erase(existing);
    client.last_seen = ctx.now;
    ctx.registry.take_over_id(id, peer_id);
    clients_.emplace(id, std::move(client));
    ctx.out.send(id, std::string(kOpen));
    ctx.disconnect(*holder, close_code::normal, "replaced by a new connection with the same id");
    flush_queue(id, std::string(peer_id), ctx);
    return;
  }

  // Held on another node: a same-token reconnect landing elsewhere is refused too (tokens stay
  // on their node); the client's retry finds the id free once the old socket's node lets go.
  if (cluster_ != nullptr && cluster_->held_elsewhere(Protocol::peerjs, peer_id)) {
    return error_and_close(id, ErrorCode::id_taken, peerjs_text::kIdTaken, ctx);
  }
  if (ctx.registry.peer_count(Protocol::peerjs) >= ctx.settings.peerjs_concurrent_limit) {
    return error_and_close(id, ErrorCode::too_many_connections, peerjs_text::kConnectionLimitExceeded, ctx);
  }
  ctx.registry.claim_id(id, peer_id);
  clients_.emplace(id, Client{std::string(token), ctx.now, {}});
  if (cluster_ != nullptr) cluster_->claimed(Protocol::peerjs, peer_id);
  ctx.out.send(id, std::string(kOpen));
  flush_queue(id, std::string(peer_id), ctx);
}

void PeerJsProtocol::touched(ConnectionId id, Context& ctx) {
  // Any frame proves the client is alive (the reference only counts HEARTBEAT).
  if (auto it = clients_.find(id); it != clients_.end()) it->second.last_seen = ctx.now;
}

void PeerJsProtocol::message(ConnectionId id, Json& message, Context& ctx) {
  RelayFields fields;
  fields.type = string_field(message, "type");
  fields.dst = string_field(message, "dst");
  fields.has_dst = message.contains("dst");
  std::string payload;
  if (auto found = message.find("payload"); found != message.end()) {
    fields.connection_id = string_field(*found, "connectionId");
    payload = to_text(*found);
    fields.payload = payload;
  }
  relay(id, fields, ctx);
}

Result<bool, JsonError> PeerJsProtocol::message_unparsed(ConnectionId id, std::string_view text, Context& ctx) {
  auto scanned = scan_relay_frame(text, ctx.settings.max_json_depth);
  if (!scanned) return failure(scanned.error());
  if (!scanned.value()) return false;  // not one the scan can take exactly: parsed instead
  relay(id, *scanned.value(), ctx);
  return true;
}

void PeerJsProtocol::relay(ConnectionId id, const RelayFields& fields, Context& ctx) {
  const Registry::Connection* connection = ctx.registry.find(id);
  // A socket replaced by a same-token reconnect speaks for nobody any more.
  if (connection == nullptr || connection->peer_id.empty()) return;
  const std::string& type = fields.type;
  std::size_t counter = peerjs_type::invalid;
  if (type == "HEARTBEAT") {
    counter = peerjs_type::heartbeat;
  } else if (type == "OFFER") {
    counter = peerjs_type::offer;
  } else if (type == "ANSWER") {
    counter = peerjs_type::answer;
  } else if (type == "CANDIDATE") {
    counter = peerjs_type::candidate;
  } else if (type == "LEAVE") {
    counter = peerjs_type::leave;
  } else if (type == "EXPIRE") {
    counter = peerjs_type::expire;
  }
  ctx.counters.count_message(Protocol::peerjs, counter);
  // HEARTBEAT only refreshes liveness (done in touched()); unknown types are ignored, as the
  // reference's handler registry ignores them.
  if (counter == peerjs_type::heartbeat || counter == peerjs_type::invalid) return;
  // A reference is safe: transmit() disconnects only when it returns without using src again.
  transmit(id, connection->peer_id, fields, ctx);
}

void PeerJsProtocol::transmit(ConnectionId from, const std::string& src, const RelayFields& fields, Context& ctx) {
  const std::string& type = fields.type;
  const std::string& dst = fields.dst;
  const std::string& connection_id = fields.connection_id;
  if (dst.empty()) {
    // transmission handler: LEAVE without dst means the client itself leaves.
    if (type == "LEAVE" && !fields.has_dst) ctx.disconnect(from, close_code::normal, "left");
    return;
  }
  if (!valid_peerjs_id(dst)) {
    // Nobody can hold such an id, so nothing is queued or looked up under it: the sender learns
    // at once what the reference would tell it at expiry (the client reports peer-unavailable).
    if (type != "LEAVE" && type != "EXPIRE") send_expire(dst, src, ErrorCode::bad_request, ctx);
    return;
  }
  // messageHandler forwards exactly {type, src, dst, payload}; src is the sender, whatever it
  // said. The payload's bytes go out as they came in: it is opaque to the server.
  Frame text = make_frame(relay_frame_text(type, src, dst, fields.payload));

  if (auto target = ctx.registry.holder(Protocol::peerjs, dst)) {
    deliver(*target, src, dst, type, connection_id, text, ctx);
  } else if (cluster_ != nullptr && cluster_->send_to_peer(Protocol::peerjs, dst, *text)) {
    // On another node: one publish there. The sender's side of the negotiation is noted here,
    // so the sender hears LEAVE if that peer's node lets it go (remote(), peer_released).
    note_negotiation(src, dst, type, connection_id, ctx);
  } else if (type != "LEAVE" && type != "EXPIRE") {
    enqueue(from, src, dst, type, connection_id, std::move(text), ctx);
  } else {
    // LEAVE or EXPIRE for someone absent: nothing to deliver (reference); forget the negotiation.
    note_negotiation(src, dst, "LEAVE", connection_id, ctx);
  }
}

void PeerJsProtocol::deliver(ConnectionId to, const std::string& src, const std::string& dst,
                             const std::string& type, const std::string& connection_id, const Frame& frame,
                             Context& ctx) {
  ctx.out.send(to, frame);
  note_negotiation(src, dst, type, connection_id, ctx);
}

void PeerJsProtocol::enqueue(ConnectionId /*from*/, const std::string& src, const std::string& dst,
                             const std::string& type, const std::string& connection_id, Frame frame,
                             Context& ctx) {
  auto it = queues_.find(dst);
  // Everything the entry holds counts against peerjs_queue_total_bytes, the key of a new queue
  // included, and nothing is created until it is known to fit.
  const std::size_t new_queue_bytes = it == queues_.end() ? queue_cost(dst) : 0;
  const std::size_t message_bytes = message_cost(src, type, connection_id, frame->size());
  const std::size_t waiting = it == queues_.end() ? 0 : it->second.messages.size();
  const bool fits = waiting < ctx.settings.peerjs_queue_per_peer &&
                    queued_bytes_ + new_queue_bytes + message_bytes <= ctx.settings.peerjs_queue_total_bytes;
  if (!fits) {
    // Nothing is lost silently: the sender learns now what it would have learned at expiry.
    if (it == queues_.end()) return send_expire(dst, src, ErrorCode::peer_unavailable, ctx);
    // Once per queue and sender, as at expiry, while remembering that fits in the budget too.
    OfflineQueue& queue = it->second;
    if (contains(queue.told, src)) return;
    if (const std::size_t told_bytes = told_cost(src);
        queued_bytes_ + told_bytes <= ctx.settings.peerjs_queue_total_bytes) {
      queue.told.push_back(src);
      queue.bytes += told_bytes;
      queued_bytes_ += told_bytes;
    }
    return send_expire(dst, src, ErrorCode::peer_unavailable, ctx);
  }
  if (it == queues_.end()) {
    it = queues_.emplace(dst, OfflineQueue{ctx.now + ctx.settings.peerjs_expire_timeout, {}, {}, new_queue_bytes})
             .first;
    queued_bytes_ += new_queue_bytes;
  }
  OfflineQueue& queue = it->second;
  queue.bytes += message_bytes;
  queued_bytes_ += message_bytes;
  queue.messages.push_back({src, type, connection_id, std::move(frame)});
}

void PeerJsProtocol::send_expire(const std::string& absent, const std::string& sender, ErrorCode reason,
                                 Context& ctx) {
  ctx.counters.count_error(reason);
  if (auto target = ctx.registry.holder(Protocol::peerjs, sender)) {
    ctx.out.send(*target, to_text(Json{{"type", "EXPIRE"}, {"src", absent}, {"dst", sender}}));
  }
}

void PeerJsProtocol::flush_queue(ConnectionId to, const std::string& peer_id, Context& ctx) {
  auto it = queues_.find(peer_id);
  if (it == queues_.end()) return;
  OfflineQueue queue = std::move(it->second);
  queues_.erase(it);
  queued_bytes_ -= queue.bytes;
  for (auto& queued : queue.messages) {
    deliver(to, queued.src, peer_id, queued.type, queued.connection_id, queued.frame, ctx);
  }
}

PeerJsProtocol::Client* PeerJsProtocol::client_of(const std::string& peer_id, Context& ctx) {
  auto holder = ctx.registry.holder(Protocol::peerjs, peer_id);
  if (!holder) return nullptr;
  auto it = clients_.find(*holder);
  return it == clients_.end() ? nullptr : &it->second;
}

void PeerJsProtocol::note_negotiation(const std::string& a, const std::string& b, const std::string& type,
                                      const std::string& connection_id, Context& ctx) {
  Client* client_a = client_of(a, ctx);
  Client* client_b = client_of(b, ctx);
  auto forget = [&](Client* client, const std::string& peer, bool any_connection) {
    if (client == nullptr) return;
    auto& list = client->negotiations;
    list.erase(std::remove_if(list.begin(), list.end(),
                              [&](const Negotiation& n) {
                                return n.peer == peer && (any_connection || n.connection_id == connection_id);
                              }),
               list.end());
  };
  auto remember = [&](Client* client, const std::string& peer) {
    // The client's connection ids are "dc_"/"mc_" and a short random string; a longer one is
    // not kept, so a client cannot park frame-sized strings in its partners' lists.
    if (client == nullptr || connection_id.empty() || connection_id.size() > kMaxPeerIdLength) return;
    auto& list = client->negotiations;
    for (const auto& n : list) {
      if (n.peer == peer && n.connection_id == connection_id) return;
    }
    if (list.size() >= kMaxOpenNegotiations) list.erase(list.begin());
    list.push_back({peer, connection_id});
  };
  if (type == "OFFER") {
    remember(client_a, b);
    remember(client_b, a);
  } else if (type == "ANSWER") {
    // The answer closes the negotiation; from here the peers can reach each other directly.
    forget(client_a, b, connection_id.empty());
    forget(client_b, a, connection_id.empty());
  } else if (type == "LEAVE" || type == "EXPIRE") {
    forget(client_a, b, true);
    forget(client_b, a, true);
  }
}

void PeerJsProtocol::reject(ConnectionId id, ErrorCode code, std::string_view /*message*/, const Json* /*ref*/,
                            Context& ctx) {
  switch (code) {
    case ErrorCode::bad_request:
      // The reference drops frames it cannot parse without a word; the client never sends one.
      return;
    case ErrorCode::too_many_connections:
      // Refused at connect (per-address cap); the Dispatcher closes.
      ctx.out.send(id, error_frame("ERROR", peerjs_text::kConnectionLimitExceeded));
      return;
    case ErrorCode::rate_limited:
      // ERROR makes the client disconnect from the server (it keeps its peer connections and may
      // reconnect()); the protocol has no softer way to say "slow down".
      ctx.out.send(id, error_frame("ERROR", "Rate limit exceeded"));
      ctx.disconnect(id, close_code::policy_violation, "rate limited");
      return;
    case ErrorCode::too_large:
      ctx.out.send(id, error_frame("ERROR", "Message too large"));
      ctx.disconnect(id, close_code::policy_violation, "message too large");
      return;
    default:
      ctx.out.send(id, error_frame("ERROR", info(code).message));
      return;
  }
}

void PeerJsProtocol::departed(ConnectionId id, const Registry::Departure& departure, Context& ctx) {
  auto it = clients_.find(id);
  if (it == clients_.end()) return;
  Client client = std::move(it->second);
  clients_.erase(it);
  if (departure.peer_id.empty()) return;  // its id moved to a same-token reconnect
  if (cluster_ != nullptr) cluster_->released(Protocol::peerjs, departure.peer_id);
  std::vector<std::string> told;
  for (const auto& negotiation : client.negotiations) {
    if (contains(told, negotiation.peer)) continue;
    told.push_back(negotiation.peer);
    auto holder = ctx.registry.holder(Protocol::peerjs, negotiation.peer);
    if (!holder) continue;
    if (auto other = clients_.find(*holder); other != clients_.end()) {
      auto& list = other->second.negotiations;
      list.erase(std::remove_if(list.begin(), list.end(),
                                [&](const Negotiation& n) { return n.peer == departure.peer_id; }),
                 list.end());
    }
    ctx.out.send(*holder, to_text(Json{{"type", "LEAVE"}, {"src", departure.peer_id}, {"dst", negotiation.peer}}));
  }
}

void PeerJsProtocol::drop_queue(const std::string& absent, OfflineQueue& queue, Context& ctx) {
  queued_bytes_ -= queue.bytes;
  for (const auto& queued : queue.messages) {
    if (contains(queue.told, queued.src)) continue;
    queue.told.push_back(queued.src);
    send_expire(absent, queued.src, ErrorCode::peer_unavailable, ctx);
  }
}

void PeerJsProtocol::closing_all(Context& ctx) {
  for (auto& [absent, queue] : queues_) drop_queue(absent, queue, ctx);
  queues_.clear();
}

void PeerJsProtocol::expire(Context& ctx) {
  // messagesExpire.pruneOutstanding: a queue nobody claimed within expire_timeout tells each
  // sender once, with src = the absent peer.
  for (auto it = queues_.begin(); it != queues_.end();) {
    if (it->second.deadline > ctx.now) {
      ++it;
      continue;
    }
    drop_queue(it->first, it->second, ctx);
    it = queues_.erase(it);
  }
  // checkBrokenConnections: silent for alive_timeout = gone.
  std::vector<ConnectionId> dead;
  for (const auto& [id, client] : clients_) {
    if (ctx.now - client.last_seen >= ctx.settings.peerjs_alive_timeout) dead.push_back(id);
  }
  std::sort(dead.begin(), dead.end());  // deterministic order of the resulting LEAVEs
  for (ConnectionId id : dead) ctx.disconnect(id, close_code::normal, "alive timeout");
}

std::optional<HttpReply> PeerJsProtocol::http_get(std::string_view path, const Registry& registry,
                                                  const Settings& settings) {
  if (path.empty() || path == "/") {
    return HttpReply{200, "application/json; charset=utf-8", std::string(peerjs_text::kServerInfo)};
  }
  // "/{key}/id" or "/{key}/peers". The reference does not check the key on these routes.
  if (path.front() != '/') return std::nullopt;
  const std::string_view rest = path.substr(1);
  const auto slash = rest.find('/');
  if (slash == std::string_view::npos || slash == 0) return std::nullopt;
  const std::string_view action = rest.substr(slash + 1);
  if (action == "id") {
    return HttpReply{200, "text/html; charset=utf-8", unused_random_id(registry)};
  }
  if (action == "peers") {
    if (!settings.peerjs_discovery) return HttpReply{401, "text/plain; charset=utf-8", "Unauthorized"};
    return HttpReply{200, "application/json; charset=utf-8", to_text(Json(registry.peer_ids(Protocol::peerjs)))};
  }
  return std::nullopt;
}

std::size_t PeerJsProtocol::queue_cost(std::string_view dst) { return kQueueOverheadBytes + dst.size(); }

std::size_t PeerJsProtocol::message_cost(std::string_view src, std::string_view type, std::string_view connection_id,
                                         std::size_t frame_bytes) {
  return kQueuedMessageOverheadBytes + src.size() + type.size() + connection_id.size() + frame_bytes;
}

std::size_t PeerJsProtocol::told_cost(std::string_view sender) { return sizeof(std::string) + sender.size(); }

std::size_t PeerJsProtocol::queued_messages() const {
  std::size_t count = 0;
  for (const auto& [peer, queue] : queues_) count += queue.messages.size();
  return count;
}

void PeerJsProtocol::remote(const cluster::RemoteEvent& event, Context& ctx) {
  using Kind = cluster::RemoteEvent::Kind;
  switch (event.kind) {
    case Kind::deliver_to_peer:
      // Gone since the sender's node last heard of it: dropped, as the sender's node would have
      // queued it had it known (its EXPIRE cannot be told from here without the sender's id).
      if (auto target = ctx.registry.holder(Protocol::peerjs, event.id)) ctx.out.send(*target, event.frame);
      return;
    case Kind::peer_claimed: {
      // Messages queued here for an id that has now appeared on another node go there.
      auto it = queues_.find(event.id);
      if (it == queues_.end() || cluster_ == nullptr) return;
      OfflineQueue queue = std::move(it->second);
      queues_.erase(it);
      queued_bytes_ -= queue.bytes;
      for (const auto& queued : queue.messages) cluster_->send_to_peer(Protocol::peerjs, event.id, *queued.frame);
      return;
    }
    case Kind::id_conflict:
      if (auto holder = ctx.registry.holder(Protocol::peerjs, event.id)) {
        error_and_close(*holder, ErrorCode::id_taken, peerjs_text::kIdTaken, ctx);
      }
      return;
    case Kind::peer_released: {
      // As when a peer on this node goes (departed()): whoever was negotiating with it hears
      // LEAVE, so a call being set up with a peer whose node died does not wait for ever.
      for (auto& [connection, client] : clients_) {
        auto& list = client.negotiations;
        const auto gone = std::remove_if(list.begin(), list.end(), [&](const Negotiation& n) { return n.peer == event.id; });
        if (gone == list.end()) continue;
        list.erase(gone, list.end());
        if (const auto* self = ctx.registry.find(connection); self != nullptr && !self->peer_id.empty())
          ctx.out.send(connection, to_text(Json{{"type", "LEAVE"}, {"src", event.id}, {"dst", self->peer_id}}));
      }
      return;
    }
    case Kind::deliver_to_room:
    case Kind::peer_joined:
    case Kind::peer_left:
      return;  // PeerJS has no rooms
  }
}

}  // namespace iceway::signaling
