#include "signal/http/socketio_mount.hpp"

#include <algorithm>
#include <variant>

#include <boost/asio/steady_timer.hpp>
#include <spdlog/spdlog.h>

#include "common/source_prefix.hpp"
#include "signal/limits.hpp"
#include "signal/socketio/engineio_request.hpp"

namespace iceway::signaling {

using socketio::EngineOutput;
using socketio::EngineRequest;
using socketio::EngineRequestError;
using socketio::EngineSession;
using socketio::EngineTransport;

struct SocketIoMount::Client {
  Client(boost::asio::io_context& context, EngineSession session_in, IpAddress source_in, TimePoint now, double burst)
      : engine(std::move(session_in)), timer(context), source(source_in), bucket(now, burst) {}

  EngineSession engine;
  std::optional<socketio::SocketConnection> connection;  // none on an echo endpoint
  std::optional<HttpResponder> held;                     // the GET the engine holds open
  std::uint64_t held_serial = 0;                         // which GET that is, for its abort
  std::weak_ptr<EngineSocket> socket;                    // the WebSocket (probe or main), if any
  const EngineSocket* socket_ptr = nullptr;              // which one, to ignore stale callbacks
  boost::asio::steady_timer timer;
  IpAddress source;
  TokenBucket bucket;
  bool gone = false;
};

namespace {

constexpr std::string_view kTextPlain = "text/plain; charset=UTF-8";

HttpResponse error_response(EngineRequestError error) {
  return {http_status(error), "application/json", socketio::error_body(error), {}};
}

}  // namespace

SocketIoMount::SocketIoMount(boost::asio::io_context& context, std::string path,
                             std::unique_ptr<socketio::SocketApp> app, const socketio::EngineSettings& engine,
                             const socketio::ConnectionSettings& connection, const Settings& settings,
                             RandomSource& random, Counters& counters)
    : context_(context),
      path_(std::move(path)),
      app_(std::move(app)),
      engine_(engine),
      connection_(connection),
      settings_(settings),
      random_(random),
      counters_(counters) {}

SocketIoMount::~SocketIoMount() = default;

void SocketIoMount::attach_cluster(cluster::ClusterPort& cluster) {
  if (app_) app_->attach_cluster(cluster, path_);
}

void SocketIoMount::remote(std::span<const cluster::RemoteEvent> events) {
  if (!app_) return;
  std::vector<socketio::AppAction> actions;
  for (const auto& event : events) {
    if (event.protocol == Protocol::socketio) app_->on_remote(event, actions);
  }
  carry_out(actions);
}

HttpResponse SocketIoMount::with_cors(const HttpRequest& request, HttpResponse response) const {
  if (auto origin = socketio::cors_origin(request.header("Origin"), settings_.allowed_origins)) {
    response.headers.emplace_back("Access-Control-Allow-Origin", *origin);
    response.headers.emplace_back("Access-Control-Allow-Credentials", "true");
    response.headers.emplace_back("Vary", "Origin");
  }
  return response;
}

std::function<void()> SocketIoMount::http(const HttpRequest& request, HttpResponder respond_in) {
  // Every answer, now or later (a held GET), carries the request's CORS headers.
  HttpResponder respond = [this, self = shared_from_this(), respond = std::move(respond_in),
                           origin = std::string(request.header("Origin"))](HttpResponse response) {
    HttpRequest headers_only;
    headers_only.headers.emplace_back("Origin", origin);
    respond(with_cors(headers_only, std::move(response)));
  };
  const auto decided = socketio::classify_engine_request(request.method, request.target, false);
  if (const auto* error = std::get_if<EngineRequestError>(&decided)) {
    counters_.count_error(ErrorCode::bad_request);
    respond(error_response(*error));
    return {};
  }
  const auto& engine_request = std::get<EngineRequest>(decided);
  const auto now = Clock::now();
  switch (engine_request.kind) {
    case EngineRequest::Kind::preflight: {
      HttpResponse reply{204, std::string(kTextPlain), {}, {}};
      // The reference server's list (the `cors` package's default), not only what the protocol
      // uses: a page from another origin that sends a wrong method then reads this server's
      // 400, as the Engine.IO suite does in a browser, instead of a CORS failure it cannot tell
      // from a network error. Nothing acts on those methods.
      reply.headers.emplace_back("Access-Control-Allow-Methods", "GET, HEAD, PUT, PATCH, POST, DELETE");
      const auto asked = request.header("Access-Control-Request-Headers");
      reply.headers.emplace_back("Access-Control-Allow-Headers", asked.empty() ? "Content-Type" : std::string(asked));
      reply.headers.emplace_back("Access-Control-Max-Age", "86400");
      respond(std::move(reply));
      return {};
    }
    case EngineRequest::Kind::polling_handshake:
      respond(handshake(request, EngineTransport::polling, {}, nullptr));
      return {};
    case EngineRequest::Kind::websocket_handshake:
    case EngineRequest::Kind::websocket_upgrade:
      respond(error_response(EngineRequestError::bad_request));  // classify() never says so here
      return {};
    case EngineRequest::Kind::poll:
    case EngineRequest::Kind::post: break;
  }
  const auto found = clients_.find(engine_request.sid);
  if (found == clients_.end()) {
    counters_.count_error(ErrorCode::bad_request);
    respond(error_response(EngineRequestError::unknown_sid));
    return {};
  }
  const auto client = found->second;
  if (engine_request.kind == EngineRequest::Kind::poll) {
    auto out = client->engine.on_poll_request(now);
    if (out.reply) {
      apply(*client, std::move(out), &respond);
      return {};
    }
    client->held = std::move(respond);
    const auto serial = ++client->held_serial;
    apply(*client, std::move(out), nullptr);
    return [mount = weak_from_this(), weak = std::weak_ptr<Client>(client), serial] {
      const auto self = mount.lock();
      const auto held = weak.lock();
      if (!self || !held || held->gone || !held->held || held->held_serial != serial) return;
      held->held.reset();  // nobody is there to answer
      self->apply(*held, held->engine.on_poll_aborted(Clock::now()), nullptr);
    };
  }
  auto started = client->engine.on_post_started(now);
  if (started.reply) {
    apply(*client, std::move(started), &respond);
    return {};
  }
  apply(*client, std::move(started), nullptr);
  if (client->gone) {
    respond(error_response(EngineRequestError::unknown_sid));
    return {};
  }
  // `request.body` outlives this call, and with it the message views in the output.
  apply(*client, client->engine.on_post(request.body, now), &respond);
  return {};
}

std::optional<HttpResponse> SocketIoMount::open_websocket(const HttpRequest& request,
                                                          std::weak_ptr<EngineSocket> socket, std::string& sid) {
  const auto decided = socketio::classify_engine_request(request.method, request.target, true);
  if (const auto* error = std::get_if<EngineRequestError>(&decided)) {
    counters_.count_error(ErrorCode::bad_request);
    return error_response(*error);
  }
  const auto& engine_request = std::get<EngineRequest>(decided);
  if (engine_request.kind == EngineRequest::Kind::websocket_handshake) {
    auto reply = handshake(request, EngineTransport::websocket, std::move(socket), &sid);
    if (sid.empty()) return reply;
    return std::nullopt;
  }
  const auto found = clients_.find(engine_request.sid);
  if (found == clients_.end()) {
    counters_.count_error(ErrorCode::bad_request);
    return error_response(EngineRequestError::unknown_sid);
  }
  const auto client = found->second;
  auto out = client->engine.on_websocket_open(Clock::now());
  if (out.reply) {
    HttpResponse refusal{static_cast<unsigned>(out.reply->status), std::string(kTextPlain), out.reply->body, {}};
    out.reply.reset();
    apply(*client, std::move(out), nullptr);
    return refusal;
  }
  if (out.close_new_websocket) {
    // Not the session's socket: no sid, so none of its frames or its close reach the session.
    if (auto extra = socket.lock()) extra->close();
    return std::nullopt;
  }
  if (auto previous = client->socket.lock(); previous && client->socket_ptr != socket.lock().get()) previous->close();
  client->socket_ptr = socket.lock().get();
  client->socket = std::move(socket);
  sid = engine_request.sid;
  apply(*client, std::move(out), nullptr);
  return std::nullopt;
}

void SocketIoMount::websocket_frame(const std::string& sid, const EngineSocket* socket, std::string_view data,
                                    bool binary) {
  const auto found = clients_.find(sid);
  if (found == clients_.end() || found->second->socket_ptr != socket) return;
  const auto client = found->second;
  apply(*client, client->engine.on_websocket_frame(data, binary, Clock::now()), nullptr);
}

void SocketIoMount::websocket_closed(const std::string& sid, const EngineSocket* socket) {
  const auto found = clients_.find(sid);
  if (found == clients_.end() || found->second->socket_ptr != socket) return;
  const auto client = found->second;
  client->socket.reset();
  client->socket_ptr = nullptr;
  apply(*client, client->engine.on_websocket_closed(Clock::now()), nullptr);
}

void SocketIoMount::update_settings(const Settings& settings) { settings_ = settings; }

void SocketIoMount::close_all() {
  std::vector<std::shared_ptr<Client>> all;
  all.reserve(clients_.size());
  for (const auto& [sid, client] : clients_) all.push_back(client);
  for (const auto& client : all) {
    if (!client->gone) apply(*client, client->engine.close(Clock::now()), nullptr);
  }
}

HttpResponse SocketIoMount::handshake(const HttpRequest& request, EngineTransport transport,
                                      std::weak_ptr<EngineSocket> socket, std::string* sid_out) {
  const auto source = source_prefix(request.remote.address, settings_.ipv6_prefix);
  auto& count = per_source_[source];
  if (count >= settings_.max_connections_per_ip) {
    counters_.count_error(ErrorCode::too_many_connections);
    return error_response(EngineRequestError::forbidden);
  }
  ++count;
  counters_.connections_active[index(Protocol::socketio)].increment();
  const auto now = Clock::now();
  auto sid = socketio::new_session_id(random_);
  auto accepted = EngineSession::accept(engine_, transport, sid, now);
  auto client = std::make_shared<Client>(context_, std::move(accepted.session), source, now, settings_.message_burst);
  if (app_) client->connection.emplace(connection_, *app_, random_, now);
  client->socket_ptr = socket.lock().get();
  client->socket = std::move(socket);
  clients_.emplace(sid, client);
  if (sid_out != nullptr) *sid_out = sid;
  HttpResponse reply;
  HttpResponder capture = [&reply](HttpResponse response) { reply = std::move(response); };
  apply(*client, std::move(accepted.output), &capture);
  return reply;
}

void SocketIoMount::apply(Client& client, EngineOutput out, HttpResponder* respond) {
  if (out.reply && respond != nullptr && *respond) {
    (*respond)({static_cast<unsigned>(out.reply->status), std::string(kTextPlain), std::move(out.reply->body), {}});
  }
  if (out.held_poll_body && client.held) {
    auto held = std::move(*client.held);
    client.held.reset();
    held({200, std::string(kTextPlain), std::move(*out.held_poll_body), {}});
  }
  if (!out.frames.empty()) {
    if (auto socket = client.socket.lock()) socket->send(std::move(out.frames));
  }
  for (const auto& message : out.messages) {
    if (client.gone) break;
    on_message(client, message);
  }
  if (out.close_websocket) {
    if (auto socket = client.socket.lock()) socket->close();
    client.socket.reset();
    client.socket_ptr = nullptr;
  }
  if (out.closed) {
    // Why a session ended (a dropped poll, a missed pong, a client's close) is what a
    // developer debugging an app asks first; the sid stays out of the log (it admits its holder).
    spdlog::debug("socketio session ended: remote={} reason=\"{}\"", client.source.to_string(),
                  socketio::to_string(*out.closed));
    return forget(client);
  }
  schedule(client);
}

void SocketIoMount::on_message(Client& client, const socketio::EnginePacket& message) {
  const auto now = Clock::now();
  if (!client.bucket.try_take(now, settings_.messages_per_second, settings_.message_burst)) {
    counters_.count_error(ErrorCode::rate_limited);
    return;
  }
  counters_.count_message(Protocol::socketio, socketio_type::message);
  if (!client.connection) {  // the Engine.IO echo endpoint
    return apply(client, client.engine.send(std::span(&message, 1), now), nullptr);
  }
  auto out = client.connection->on_message(message, now);
  apply(client, out);
}

void SocketIoMount::apply(Client& client, socketio::ConnectionOutput& out) {
  const auto now = Clock::now();
  // The connection's own packets first (a CONNECT's answer precedes what the app emits for it).
  if (!out.messages.empty() && !client.gone) {
    const auto packets = socketio::engine_packets(out.messages);
    apply(client, client.engine.send(packets, now), nullptr);
  }
  for (const auto& event : out.events) {
    if (event.kind == socketio::SocketEvent::Kind::connected) sid_of_socket_[event.socket_id] = client.engine.sid();
    std::vector<socketio::AppAction> actions;
    app_->on_event(event, actions);
    if (event.kind == socketio::SocketEvent::Kind::disconnected) sid_of_socket_.erase(event.socket_id);
    carry_out(actions);
  }
  if (out.close && !client.gone) {
    counters_.count_error(ErrorCode::bad_request);
    apply(client, client.engine.close(now), nullptr);
  }
  if (!client.gone) schedule(client);
}

void SocketIoMount::carry_out(std::vector<socketio::AppAction>& actions) {
  const auto now = Clock::now();
  for (auto& action : actions) {
    for (const auto& socket_id : action.to) {
      const auto sid = sid_of_socket_.find(socket_id);
      if (sid == sid_of_socket_.end()) continue;
      const auto found = clients_.find(sid->second);
      if (found == clients_.end() || found->second->gone || !found->second->connection) continue;
      const auto target = found->second;  // alive through whatever the emit sets off
      socketio::ConnectionOutput out;
      switch (action.kind) {
        case socketio::AppAction::Kind::emit:
          target->connection->emit(action.nsp, action.event, action.arguments, action.attachments, std::nullopt, now,
                                   out);
          break;
        case socketio::AppAction::Kind::ack:
          target->connection->ack(action.nsp, action.ack_id, action.arguments, action.attachments, out);
          break;
        case socketio::AppAction::Kind::disconnect: target->connection->disconnect(action.nsp, out); break;
      }
      apply(*target, out);
    }
  }
}

void SocketIoMount::schedule(Client& client) {
  if (client.gone) return;
  auto deadline = client.engine.next_deadline();
  if (client.connection) {
    const auto connection_deadline = client.connection->next_deadline();
    if (connection_deadline && (!deadline || *connection_deadline < *deadline)) deadline = connection_deadline;
  }
  if (!deadline) {
    client.timer.cancel();
    return;
  }
  if (client.timer.expiry() == *deadline) return;  // already armed for it
  client.timer.expires_at(*deadline);
  client.timer.async_wait([mount = weak_from_this(), sid = client.engine.sid()](boost::system::error_code ec) {
    if (ec) return;
    const auto self = mount.lock();
    if (!self) return;
    const auto found = self->clients_.find(sid);
    if (found == self->clients_.end()) return;
    const auto target = found->second;
    const auto now = Clock::now();
    // Re-armed in apply(); an early wake-up (a stale wait) does nothing in either core.
    target->timer.expires_at(TimePoint{});
    self->apply(*target, target->engine.on_timer(now), nullptr);
    if (target->gone || !target->connection) return;
    auto out = target->connection->on_timer(now);
    self->apply(*target, out);
  });
}

void SocketIoMount::forget(Client& client) {
  if (client.gone) return;
  client.gone = true;
  client.timer.cancel();
  const auto keep = clients_.find(client.engine.sid());
  const std::shared_ptr<Client> alive = keep != clients_.end() ? keep->second : nullptr;
  if (keep != clients_.end()) clients_.erase(keep);
  if (client.held) {  // the engine answers a held GET when it closes; never leave one hanging
    auto held = std::move(*client.held);
    client.held.reset();
    held(error_response(EngineRequestError::unknown_sid));
  }
  if (auto socket = client.socket.lock()) socket->close();
  if (auto count = per_source_.find(client.source); count != per_source_.end() && --count->second == 0) {
    per_source_.erase(count);
  }
  counters_.connections_active[index(Protocol::socketio)].decrement();
  if (client.connection) {
    auto out = client.connection->on_engine_closed(Clock::now());
    apply(client, out);
  }
}

}  // namespace iceway::signaling
