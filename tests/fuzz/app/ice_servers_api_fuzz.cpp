// The public GET /api/v1/ice-servers handler on arbitrary requests. Whatever a client sends,
// the answer is a known status with a JSON body, and a 200 carries a usable iceServers list.
//
// Input lines: method, target, Authorization value, Origin value.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "app/ice_servers_api.hpp"

namespace {

std::string_view next_line(std::string_view& input) {
  const auto newline = input.find('\n');
  const std::string_view line = input.substr(0, newline);
  input = newline == std::string_view::npos ? std::string_view{} : input.substr(newline + 1);
  return line;
}

const iceway::app::IceServersApiState& state(bool development) {
  static const auto make = [](bool dev) {
    iceway::app::IceServersApiState s;
    s.urls = {"turn.example.org", 3478, 5349};
    s.credentials = std::make_shared<const iceway::turn::Credentials>(
        std::vector<std::string>{"fuzz-secret"}, std::vector<iceway::turn::StaticUser>{}, "iceway");
    s.api_keys = {"key-one", "key-two"};
    s.allowed_origins = {"https://app.example"};
    s.max_ttl = iceway::Seconds(3600);
    s.development_mode = dev;
    return s;
  };
  static const auto production = make(false);
  static const auto development_state = make(true);
  return development ? development_state : production;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const bool development = (data[0] & 1) != 0;
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  iceway::signaling::HttpRequest request;
  request.method = std::string(next_line(input));
  request.target = std::string(next_line(input));
  request.path = request.target.substr(0, request.target.find('?'));
  request.headers.emplace_back("Authorization", std::string(next_line(input)));
  request.headers.emplace_back("Origin", std::string(next_line(input)));

  const auto response = iceway::app::handle_ice_servers_request(request, state(development), iceway::UnixSeconds(1700000000));
  switch (response.status) {
    case 200: case 204: case 400: case 401: case 405: case 503: break;
    default: __builtin_trap();
  }
  if (response.status == 204) return 0;
  const auto body = nlohmann::json::parse(response.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) __builtin_trap();
  if (response.status == 200) {
    if (!body.contains("iceServers") || !body["iceServers"].is_array() || body["iceServers"].empty()) __builtin_trap();
    if (!body.contains("ttl") || !body["ttl"].is_number_integer() || body["ttl"].get<long long>() <= 0 ||
        body["ttl"].get<long long>() > 3600)
      __builtin_trap();
  } else if (!body.contains("error")) {
    __builtin_trap();
  }
  return 0;
}
