#include "app/ice_servers_api.hpp"

#include <gtest/gtest.h>

namespace iceway::app {
namespace {

IceServersApiState state_with_keys(std::vector<std::string> keys) {
  IceServersApiState state;
  state.urls = {"turn.example.org", 3478, std::nullopt};
  state.credentials = std::make_shared<const turn::Credentials>(std::vector<std::string>{"s"},
                                                                std::vector<turn::StaticUser>{}, "iceway");
  state.api_keys = std::move(keys);
  state.max_ttl = Seconds(3600);
  return state;
}

signaling::HttpRequest get(std::string target, std::vector<std::pair<std::string, std::string>> headers = {}) {
  signaling::HttpRequest request;
  request.method = "GET";
  request.target = target;
  request.path = target.substr(0, target.find('?'));
  request.headers = std::move(headers);
  return request;
}

std::string header(const signaling::HttpResponse& response, std::string_view name) {
  for (auto& [key, value] : response.headers)
    if (key == name) return value;
  return {};
}

TEST(IceServersApi, ValidKeyGetsServersAndTtl) {
  auto response = handle_ice_servers_request(
      get("/api/v1/ice-servers?user=alice&ttl=600", {{"Authorization", "Bearer key-2"}}),
      state_with_keys({"key-1", "key-2"}), 1000);
  ASSERT_EQ(response.status, 200u) << response.body;
  EXPECT_EQ(response.content_type, "application/json");
  auto body = nlohmann::json::parse(response.body);
  EXPECT_EQ(body["ttl"], 600);
  EXPECT_EQ(body["iceServers"][1]["username"], "1600:alice");
  EXPECT_EQ(header(response, "Cache-Control"), "no-store");
}

TEST(IceServersApi, TtlIsCappedByTheConfiguredCredentialTtl) {
  auto response = handle_ice_servers_request(get("/api/v1/ice-servers?ttl=999999", {{"Authorization", "Bearer k"}}),
                                             state_with_keys({"k"}), 0);
  ASSERT_EQ(response.status, 200u);
  EXPECT_EQ(nlohmann::json::parse(response.body)["ttl"], 3600);
}

TEST(IceServersApi, MissingWrongAndMalformedKeysAre401) {
  struct Case {
    const char* name;
    std::vector<std::pair<std::string, std::string>> headers;
  };
  const Case cases[] = {
      {"missing", {}},
      {"wrong", {{"Authorization", "Bearer nope"}}},
      {"prefix of a key", {{"Authorization", "Bearer key"}}},
      {"not bearer", {{"Authorization", "Basic key-1"}}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto response = handle_ice_servers_request(get("/api/v1/ice-servers", c.headers), state_with_keys({"key-1"}), 0);
    EXPECT_EQ(response.status, 401u);
    EXPECT_EQ(nlohmann::json::parse(response.body)["error"], "unauthorized");
    EXPECT_EQ(header(response, "WWW-Authenticate"), "Bearer realm=\"iceway\"");
  }
}

TEST(IceServersApi, NoKeysConfiguredRefusesEvenAnEmptyBearer) {
  auto response = handle_ice_servers_request(get("/api/v1/ice-servers", {{"Authorization", "Bearer "}}),
                                             state_with_keys({}), 0);
  EXPECT_EQ(response.status, 401u);
}

TEST(IceServersApi, DevelopmentModeAllowsAnonymousRequests) {
  auto state = state_with_keys({});
  state.development_mode = true;
  auto response = handle_ice_servers_request(get("/api/v1/ice-servers"), state, 0);
  EXPECT_EQ(response.status, 200u);
}

TEST(IceServersApi, BadParametersAre400) {
  for (const char* target : {"/api/v1/ice-servers?ttl=abc", "/api/v1/ice-servers?ttl=0", "/api/v1/ice-servers?user=a:b",
                             "/api/v1/ice-servers?user=", "/api/v1/ice-servers?user=%ff%fe",  // not UTF-8
                             "/api/v1/ice-servers?user=%c0%af",                                // overlong '/'
                             "/api/v1/ice-servers?user=a%0ab"}) {                               // control character
    SCOPED_TRACE(target);
    auto response = handle_ice_servers_request(get(target, {{"Authorization", "Bearer k"}}), state_with_keys({"k"}), 0);
    EXPECT_EQ(response.status, 400u);
    EXPECT_NE(response.body.find("bad-request"), std::string::npos) << response.body;
  }
}

TEST(IceServersApi, AUserInAnyScriptIsAccepted) {
  auto response = handle_ice_servers_request(get("/api/v1/ice-servers?user=%e5%b0%8f%e6%98%8e", {{"Authorization", "Bearer k"}}),
                                             state_with_keys({"k"}), 0);
  ASSERT_EQ(response.status, 200u) << response.body;
  // The username is "<expiry>:小明", written as UTF-8 (nlohmann escapes nothing above ASCII).
  EXPECT_NE(response.body.find(":\u5c0f\u660e\""), std::string::npos) << response.body;
}

TEST(IceServersApi, CorsFollowsTheAllowList) {
  auto state = state_with_keys({"k"});
  auto any = handle_ice_servers_request(get("/api/v1/ice-servers", {{"Authorization", "Bearer k"}, {"Origin", "https://a.example"}}), state, 0);
  EXPECT_EQ(header(any, "Access-Control-Allow-Origin"), "*");
  state.allowed_origins = {"https://app.example"};
  auto allowed = handle_ice_servers_request(get("/api/v1/ice-servers", {{"Authorization", "Bearer k"}, {"Origin", "https://app.example"}}), state, 0);
  EXPECT_EQ(header(allowed, "Access-Control-Allow-Origin"), "https://app.example");
  auto other = handle_ice_servers_request(get("/api/v1/ice-servers", {{"Authorization", "Bearer k"}, {"Origin", "https://evil.example"}}), state, 0);
  EXPECT_EQ(header(other, "Access-Control-Allow-Origin"), "");
  auto preflight = get("/api/v1/ice-servers", {{"Origin", "https://app.example"}});
  preflight.method = "OPTIONS";
  auto answer = handle_ice_servers_request(preflight, state, 0);
  EXPECT_EQ(answer.status, 204u);
  EXPECT_EQ(header(answer, "Access-Control-Allow-Headers"), "Authorization");
}

}  // namespace
}  // namespace iceway::app
