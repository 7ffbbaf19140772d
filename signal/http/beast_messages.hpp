#pragma once
// Between Beast's HTTP messages and iceway's plain values (http_types.hpp), for the sessions:
// a Beast request as an HttpRequest for a handler, an HttpResponse as the Beast response to
// write, and the Origin check of WebSocket upgrades.
#include <cstdint>
#include <string>

#include <boost/beast/http.hpp>

#include "common/endpoint.hpp"
#include "signal/http/http_types.hpp"
#include "signal/settings.hpp"

namespace iceway::signaling {

using BeastRequest = boost::beast::http::request<boost::beast::http::string_body>;
using BeastResponse = boost::beast::http::response<boost::beast::http::string_body>;

// Request line and headers; bodies have their own limit (settings.max_http_body_bytes).
inline constexpr std::uint32_t kMaxHeaderBytes = 16 * 1024;

// `reply` as an answer to `request` (its version and keep-alive; HEAD gets no body).
BeastResponse make_response(const HttpResponse& reply, const BeastRequest& request);
// A text/plain answer.
HttpResponse plain(unsigned status, std::string body);
HttpRequest to_http_request(const BeastRequest& request, const Endpoint& remote, bool secure);
// settings.allowed_origins empty, no Origin header (not a page on a foreign site), or a listed
// origin (case-insensitive).
bool origin_allowed(const Settings& settings, const BeastRequest& request);

}  // namespace iceway::signaling
