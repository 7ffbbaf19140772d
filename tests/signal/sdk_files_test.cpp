#include "signal/sdk_files.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>

namespace iceway::signaling {
namespace {

HttpRequest get(std::string path, std::vector<std::pair<std::string, std::string>> headers = {}) {
  HttpRequest request;
  request.method = "GET";
  request.path = path;
  request.target = std::move(path);
  request.headers = std::move(headers);
  return request;
}

std::optional<std::string> header(const HttpResponse& response, std::string_view name) {
  for (const auto& [key, value] : response.headers) {
    if (key == name) return value;
  }
  return std::nullopt;
}

const SdkFile kSdk("/sdk/iceway.js", "text/javascript; charset=utf-8", "export class IcewayClient {}\n");

TEST(SdkFile, AnswersTheBodyWithCacheHeadersAndAStrongContentTag) {
  auto response = kSdk.answer(get("/sdk/iceway.js"), {});
  EXPECT_EQ(response.status, 200u);
  EXPECT_EQ(response.content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(response.body, "export class IcewayClient {}\n");
  EXPECT_EQ(header(response, "Cache-Control"), "public, max-age=300");
  ASSERT_TRUE(header(response, "ETag"));
  EXPECT_EQ(*header(response, "ETag"), kSdk.etag());
  EXPECT_EQ(kSdk.etag().size(), 18u);  // a quoted 16-digit hex tag, not weak
  EXPECT_EQ(kSdk.etag().front(), '"');
}

TEST(SdkFile, TheTagChangesWithTheContent) {
  const SdkFile changed("/sdk/iceway.js", "text/javascript", "export class IcewayClient { }\n");
  EXPECT_NE(changed.etag(), kSdk.etag());
  EXPECT_EQ(SdkFile("/x", "text/plain", "export class IcewayClient {}\n").etag(), kSdk.etag());
}

TEST(SdkFile, CorsFollowsAllowedOrigins) {
  struct Case {
    const char* name;
    std::vector<std::string> allowed;
    const char* origin;  // null = no Origin header
    std::optional<std::string> allow_origin;
    std::optional<std::string> vary;
  };
  const std::vector<Case> cases = {
      {"any origin allowed: *", {}, "https://app.example.com", "*", std::nullopt},
      {"any origin allowed, no Origin: * anyway", {}, nullptr, "*", std::nullopt},
      {"a listed origin is echoed", {"https://a.example", "https://app.example.com"}, "https://app.example.com",
       "https://app.example.com", "Origin"},
      {"an unlisted origin gets none", {"https://a.example"}, "https://evil.example", std::nullopt, "Origin"},
      {"a prefix of a listed origin is not it", {"https://a.example"}, "https://a.exampl", std::nullopt, "Origin"},
      {"no Origin with a list: none, still varies", {"https://a.example"}, nullptr, std::nullopt, "Origin"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    std::vector<std::pair<std::string, std::string>> headers;
    if (c.origin) headers.emplace_back("Origin", c.origin);
    auto response = kSdk.answer(get("/sdk/iceway.js", headers), c.allowed);
    EXPECT_EQ(response.status, 200u);
    EXPECT_EQ(header(response, "Access-Control-Allow-Origin"), c.allow_origin);
    EXPECT_EQ(header(response, "Vary"), c.vary);
  }
}

TEST(SdkFile, IfNoneMatchWithTheTagIs304WithHeadersAndNoBody) {
  auto response = kSdk.answer(get("/sdk/iceway.js", {{"If-None-Match", kSdk.etag()}, {"Origin", "https://x.example"}}), {});
  EXPECT_EQ(response.status, 304u);
  EXPECT_TRUE(response.body.empty());
  EXPECT_EQ(header(response, "ETag"), kSdk.etag());
  EXPECT_EQ(header(response, "Cache-Control"), "public, max-age=300");
  EXPECT_EQ(header(response, "Access-Control-Allow-Origin"), "*");

  auto stale = kSdk.answer(get("/sdk/iceway.js", {{"If-None-Match", "\"0000000000000000\""}}), {});
  EXPECT_EQ(stale.status, 200u);
  EXPECT_FALSE(stale.body.empty());
}

TEST(SdkFile, IfNoneMatchComparesWeaklyAcrossAList) {
  struct Case {
    const char* header;
    bool matches;
  };
  const Case cases[] = {
      {"\"abc\"", true},         {"W/\"abc\"", true},       {"\"x\", \"abc\"", true}, {" \"x\" ,W/\"abc\" ", true},
      {"*", true},               {"\"abcd\"", false},       {"\"ab\"", false},        {"", false},
      {"abc", false},            {"\"x\", \"y\"", false},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.header);
    EXPECT_EQ(if_none_match_matches(c.header, "\"abc\""), c.matches);
  }
}

TEST(SdkFile, OnlyGetAndHeadOfExactlyItsPath) {
  auto head = get("/sdk/iceway.js");
  head.method = "HEAD";
  EXPECT_EQ(kSdk.answer(head, {}).status, 200u);  // the server drops a HEAD's body itself
  auto post = get("/sdk/iceway.js");
  post.method = "POST";
  EXPECT_EQ(kSdk.answer(post, {}).status, 405u);
  EXPECT_EQ(kSdk.answer(get("/sdk/iceway.js/more"), {}).status, 404u);
}

}  // namespace
}  // namespace iceway::signaling
