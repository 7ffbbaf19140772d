#include "signal/http/signal_server.hpp"

#include "signal/http/hub.hpp"
#include "signal/http/embedded.hpp"
#include "signal/sdk_files.hpp"

namespace iceway::signaling {
namespace {

// "{path}/peerjs" without a doubled slash, as the reference builds it.
std::string peerjs_socket_path(const std::string& base) {
  return base + (base.ends_with('/') ? "" : "/") + "peerjs";
}

}  // namespace

SignalServer::SignalServer(boost::asio::io_context& registry_context,
                           std::vector<boost::asio::io_context*> session_contexts, const Settings& settings,
                           IceServersProvider& ice_servers)
    : hub_(std::make_shared<Hub>(registry_context, settings, ice_servers, random_, counters_)),
      http_(registry_context, std::move(session_contexts), settings, &counters_) {
  http_.add_websocket_route("/ws", Protocol::native, hub_);
  http_.add_websocket_route(peerjs_socket_path(settings.peerjs_path), Protocol::peerjs, hub_);
  http_.add_websocket_route("/relay", Protocol::relay, hub_);
  http_.add_websocket_route("/yjs", Protocol::yjs, hub_);

  // PeerJS REST: the answers need the registry, so they are computed on its thread. The path
  // prefix is fixed at construction (a reload does not move routes).
  std::string base = settings.peerjs_path;
  while (base.size() > 1 && base.ends_with('/')) base.pop_back();
  http_.add_async_route(base, [hub = hub_, base](const HttpRequest& request, HttpResponder respond) {
    if (request.method != "GET" && request.method != "HEAD") {
      return respond({405, "text/plain; charset=utf-8", "method not allowed\n", {}});
    }
    std::string rest = request.path.size() > base.size() ? request.path.substr(base.size()) : std::string();
    if (base == "/") rest = request.path;
    hub->peerjs_http(std::move(rest), [respond = std::move(respond)](std::optional<HttpReply> reply) {
      if (!reply) return respond({404, "text/plain; charset=utf-8", "not found\n", {}});
      // The reference answers any origin (cors({origin: true})); the client fetches /id from
      // the page's origin, which may not be ours.
      respond({reply->status, reply->content_type, std::move(reply->body), {{"Access-Control-Allow-Origin", "*"}}});
    });
  });
  // The SDK: apps on other origins import it, so it needs CORS, and it may be cached.
  sdk_origins_->origins = settings.allowed_origins;
  for (auto file : {std::make_shared<const SdkFile>("/sdk/iceway.js", "text/javascript; charset=utf-8",
                                                    std::string(embedded_sdk())),
                    std::make_shared<const SdkFile>("/sdk/iceway.d.ts", "application/typescript; charset=utf-8",
                                                    std::string(embedded_sdk_types()))}) {
    http_.add_route(file->path(), [file, origins = sdk_origins_](const HttpRequest& request) {
      std::lock_guard lock(origins->mutex);
      return file->answer(request, origins->origins);
    });
  }
  // The demo call page and the ICE test page (web/). A page of the same path in
  // settings.static_dir replaces the built-in one (index.html for "/"); the pages' own scripts
  // and style keep their paths so a replacement page may still use them.
  constexpr std::string_view kHtml = "text/html; charset=utf-8";
  constexpr std::string_view kJavaScript = "text/javascript; charset=utf-8";
  http_.add_static("/", std::string(kHtml), std::string(embedded_demo_page()), true);
  http_.add_static("/ice-test", std::string(kHtml), std::string(embedded_ice_test_page()), true);
  http_.add_static("/demo/style.css", "text/css; charset=utf-8", std::string(embedded_web_style()));
  http_.add_static("/demo/call.js", std::string(kJavaScript), std::string(embedded_call_script()));
  http_.add_static("/demo/ice-test.js", std::string(kJavaScript), std::string(embedded_ice_test_script()));
}

SignalServer::~SignalServer() {
  http_.stop_accepting();
  hub_->stop();
}

void SignalServer::add_route(std::string prefix, HttpHandler handler) {
  http_.add_route(std::move(prefix), std::move(handler));
}

void SignalServer::add_async_route(std::string prefix, AsyncHttpHandler handler) {
  http_.add_async_route(std::move(prefix), std::move(handler));
}

void SignalServer::add_static(std::string path, std::string content_type, std::string body) {
  http_.add_static(std::move(path), std::move(content_type), std::move(body));
}

Endpoint SignalServer::start(const Endpoint& listen, std::shared_ptr<boost::asio::ssl::context> tls) {
  hub_->start();
  return http_.listen(listen, std::move(tls));
}

void SignalServer::set_tls(std::shared_ptr<boost::asio::ssl::context> tls) { http_.set_tls(std::move(tls)); }

void SignalServer::update_settings(const Settings& settings) {
  {
    std::lock_guard lock(sdk_origins_->mutex);
    sdk_origins_->origins = settings.allowed_origins;
  }
  http_.update_settings(settings);
  hub_->update_settings(settings);
}

void SignalServer::stop_accepting() { http_.stop_accepting(); }

void SignalServer::close_all(std::uint16_t code, std::string reason) { hub_->close_all(code, std::move(reason)); }

void SignalServer::stop() { hub_->stop(); }

}  // namespace iceway::signaling
