#pragma once
// HTTP requests and responses as plain values, so route handlers (app/'s /api/v1/ice-servers,
// metrics' /metrics) never see Beast types and can be unit-tested without a socket.
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/endpoint.hpp"

namespace iceway::signaling {

struct HttpRequest {
  std::string method;  // "GET", "HEAD", "OPTIONS", ...
  std::string target;  // as received: "/api/v1/ice-servers?user=alice&ttl=3600"
  std::string path;    // target without the query, not percent-decoded
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  Endpoint remote;
  bool secure = false;  // arrived over TLS

  // The first header with this name (case-insensitive), or empty.
  std::string_view header(std::string_view name) const {
    for (const auto& [key, value] : headers) {
      if (key.size() != name.size()) continue;
      bool same = true;
      for (std::size_t i = 0; i < key.size() && same; ++i) {
        const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
        same = lower(key[i]) == lower(name[i]);
      }
      if (same) return value;
    }
    return {};
  }
};

struct HttpResponse {
  unsigned status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra: CORS, WWW-Authenticate, ...
};

// Called on a session's thread; several sessions may call one handler concurrently, so a
// handler must be thread-safe (or post to its owner itself, with AsyncHttpHandler).
using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;
// For handlers whose answer lives on another executor (e.g. the signaling registry's thread):
// call `respond` exactly once, from any thread.
using HttpResponder = std::function<void(HttpResponse)>;
using AsyncHttpHandler = std::function<void(const HttpRequest&, HttpResponder respond)>;

}  // namespace iceway::signaling
