#include "signal/http/beast_messages.hpp"

#include <boost/beast/core/string.hpp>

#include "signal/query.hpp"

namespace iceway::signaling {

namespace http = boost::beast::http;

BeastResponse make_response(const HttpResponse& reply, const BeastRequest& request) {
  BeastResponse response{static_cast<http::status>(reply.status), request.version()};
  response.set(http::field::server, "iceway");
  response.set(http::field::content_type, reply.content_type);
  for (const auto& [name, value] : reply.headers) response.insert(name, value);
  response.keep_alive(request.keep_alive());
  response.body() = reply.body;
  response.prepare_payload();
  // HEAD: the headers of a GET (Content-Length included), no body.
  if (request.method() == http::verb::head) response.body().clear();
  return response;
}

HttpResponse plain(unsigned status, std::string body) {
  HttpResponse reply;
  reply.status = status;
  reply.body = std::move(body);
  return reply;
}

HttpRequest to_http_request(const BeastRequest& request, const Endpoint& remote, bool secure) {
  HttpRequest out;
  out.method = std::string(request.method_string());
  out.target = std::string(request.target());
  out.path = std::string(target_path(out.target));
  for (const auto& field : request) out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  out.body = request.body();
  out.remote = remote;
  out.secure = secure;
  return out;
}

bool origin_allowed(const Settings& settings, const BeastRequest& request) {
  if (settings.allowed_origins.empty()) return true;
  const auto origin = request[http::field::origin];
  // Browsers always send Origin on a WebSocket upgrade; a request without one is not a page on a
  // foreign site, which is what the list is about.
  if (origin.empty()) return true;
  for (const auto& allowed : settings.allowed_origins) {
    if (boost::beast::iequals(origin, allowed)) return true;
  }
  return false;
}

}  // namespace iceway::signaling
