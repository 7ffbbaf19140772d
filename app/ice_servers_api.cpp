#include "app/ice_servers_api.hpp"

#include <openssl/crypto.h>

#include <algorithm>
#include <charconv>

#include "signal/json_text.hpp"
#include "signal/query.hpp"

namespace iceway::app {

namespace {

signaling::HttpResponse json_response(unsigned status, const nlohmann::json& body) {
  signaling::HttpResponse response;
  response.status = status;
  response.content_type = "application/json";
  response.body = signaling::to_text(body);  // never throws on odd bytes in `user`
  response.headers.emplace_back("Cache-Control", "no-store");  // credentials must not be cached
  return response;
}

signaling::HttpResponse error_response(unsigned status, std::string_view code, std::string_view message) {
  return json_response(status, {{"error", code}, {"message", message}});
}

// Every key is compared in full whatever matches, so the time taken does not tell an
// attacker how much of a guess was right or which key it was close to.
bool valid_key(std::string_view presented, const std::vector<std::string>& keys) {
  bool valid = false;
  for (const auto& key : keys) {
    bool same_length = key.size() == presented.size();
    const std::string& compared = same_length ? key : std::string(presented.size(), '\0');
    bool equal = CRYPTO_memcmp(compared.data(), presented.data(), presented.size()) == 0;
    valid |= same_length && equal && !key.empty();
  }
  return valid;
}

void add_cors(signaling::HttpResponse& response, const signaling::HttpRequest& request,
              const IceServersApiState& state) {
  auto origin = request.header("Origin");
  if (origin.empty()) return;
  if (state.allowed_origins.empty()) {
    response.headers.emplace_back("Access-Control-Allow-Origin", "*");
  } else if (std::find(state.allowed_origins.begin(), state.allowed_origins.end(), origin) != state.allowed_origins.end()) {
    response.headers.emplace_back("Access-Control-Allow-Origin", std::string(origin));
    response.headers.emplace_back("Vary", "Origin");
  }
}

// The user id goes into the TURN username and the JSON answer, so it must be text: no control
// characters, and valid UTF-8 as nlohmann's strict serializer checks it (it throws otherwise).
bool printable_text(std::string_view text) {
  if (std::any_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }))
    return false;
  try {
    (void)nlohmann::json(std::string(text)).dump();
    return true;
  } catch (const nlohmann::json::type_error&) {
    return false;
  }
}

}  // namespace

signaling::HttpResponse handle_ice_servers_request(const signaling::HttpRequest& request,
                                                   const IceServersApiState& state, UnixSeconds now) {
  if (request.method == "OPTIONS") {
    signaling::HttpResponse response;
    response.status = 204;
    add_cors(response, request, state);
    response.headers.emplace_back("Access-Control-Allow-Methods", "GET, OPTIONS");
    response.headers.emplace_back("Access-Control-Allow-Headers", "Authorization");
    response.headers.emplace_back("Access-Control-Max-Age", "600");
    return response;
  }
  signaling::HttpResponse response = [&] {
    if (request.method != "GET" && request.method != "HEAD") {
      auto r = error_response(405, "method-not-allowed", "use GET");
      r.headers.emplace_back("Allow", "GET, HEAD, OPTIONS");
      return r;
    }
    if (!state.development_mode) {
      auto authorization = request.header("Authorization");
      constexpr std::string_view kBearer = "Bearer ";
      if (!authorization.starts_with(kBearer) || !valid_key(authorization.substr(kBearer.size()), state.api_keys)) {
        auto r = error_response(401, "unauthorized",
                                authorization.empty() ? "send Authorization: Bearer <api key> (auth.api_keys)"
                                                      : "the API key is not valid");
        r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"iceway\"");
        return r;
      }
    }
    auto query = signaling::Query::parse(request.target);
    std::string user = "user";
    Seconds ttl = state.max_ttl;
    for (const auto& [name, value] : query.items()) {
      if (name == "user") {
        if (value.empty() || value.size() > 128 || value.find(':') != std::string::npos || !printable_text(value))
          return error_response(400, "bad-request", "user must be 1 to 128 bytes of UTF-8 text without ':' or control characters");
        user = value;
      } else if (name == "ttl") {
        long long seconds = 0;
        auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), seconds);
        if (error != std::errc() || end != value.data() + value.size() || seconds <= 0)
          return error_response(400, "bad-request", "ttl must be a positive number of seconds");
        ttl = std::min(ttl, Seconds(seconds));  // capped by auth.credential_ttl
      }
    }
    auto servers = ice_servers(state.urls, *state.credentials, user, ttl, now);
    if (!servers) return error_response(503, "no-secret", "no TURN secret is configured (auth.secrets)");
    return json_response(200, {{"iceServers", servers.value()}, {"ttl", ttl.count()}});
  }();
  add_cors(response, request, state);
  return response;
}

}  // namespace iceway::app
