#include "signal/http/http_server.hpp"

#include <algorithm>

#include "signal/http/asio_address.hpp"
#include "signal/http/listener.hpp"
#include "signal/http/server_state.hpp"
#include "signal/http/socketio_mount.hpp"

namespace iceway::signaling {

namespace net = boost::asio;

HttpServer::HttpServer(net::io_context& context, const Settings& settings, Counters* counters)
    : state_(std::make_shared<ServerState>(settings, counters)), context_(context) {}

HttpServer::~HttpServer() { stop_accepting(); }

void HttpServer::add_route(std::string prefix, HttpHandler handler) {
  state_->check_not_started();
  state_->table.routes.push_back({std::move(prefix), std::move(handler), {}});
}

void HttpServer::add_async_route(std::string prefix, AsyncHttpHandler handler) {
  state_->check_not_started();
  state_->table.routes.push_back({std::move(prefix), {}, std::move(handler)});
}

void HttpServer::add_static(std::string path, std::string content_type, std::string body, bool overridable) {
  state_->check_not_started();
  state_->table.resources[std::move(path)] = {std::move(content_type), std::move(body), overridable};
}

void HttpServer::add_websocket_route(std::string path, Protocol protocol, std::shared_ptr<Hub> hub) {
  state_->check_not_started();
  state_->table.websocket_routes.push_back({std::move(path), protocol, std::move(hub)});
}

void HttpServer::add_socketio_route(std::string path, std::shared_ptr<SocketIoMount> mount) {
  state_->check_not_started();
  state_->max_socketio_body = std::max(state_->max_socketio_body, mount->max_payload());
  state_->table.socketio_routes.push_back({std::move(path), std::move(mount)});
}

Endpoint HttpServer::listen(const Endpoint& endpoint, std::shared_ptr<net::ssl::context> tls) {
  if (tls) set_tls(std::move(tls));
  state_->started = true;
  auto listener = std::make_shared<Listener>(context_, state_, to_asio(endpoint));
  const Endpoint bound = to_endpoint(listener->local_endpoint());
  listener->run();
  listeners_.push_back(std::move(listener));
  return bound;
}

void HttpServer::set_tls(std::shared_ptr<net::ssl::context> tls) { state_->tls = std::move(tls); }

void HttpServer::update_settings(const Settings& settings) {
  state_->settings = std::make_shared<const Settings>(settings);
}

void HttpServer::stop_accepting() {
  for (auto& listener : listeners_) listener->stop();
  listeners_.clear();
}

}  // namespace iceway::signaling
