#include "signal/sdk_files.hpp"

#include <cstdint>
#include <cstdio>
#include <utility>

namespace iceway::signaling {
namespace {

// FNV-1a, 64 bits: an identity for the content, not a secret (anyone can read the file), so a
// fast non-cryptographic hash suffices.
std::string content_tag(std::string_view body) {
  std::uint64_t hash = 14695981039346656037ull;
  for (char c : body) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ull;
  }
  char text[24];
  std::snprintf(text, sizeof text, "\"%016llx\"", static_cast<unsigned long long>(hash));
  return text;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

std::string_view without_weak_prefix(std::string_view tag) {
  if (tag.starts_with("W/")) tag.remove_prefix(2);
  return tag;
}

void add_cors(HttpResponse& response, const HttpRequest& request, const std::vector<std::string>& allowed_origins) {
  if (allowed_origins.empty()) {
    response.headers.emplace_back("Access-Control-Allow-Origin", "*");
    return;
  }
  // The answer now depends on Origin, whether or not this one is allowed.
  response.headers.emplace_back("Vary", "Origin");
  const std::string_view origin = request.header("Origin");
  if (origin.empty()) return;
  for (const auto& allowed : allowed_origins) {
    if (allowed == origin) {
      response.headers.emplace_back("Access-Control-Allow-Origin", std::string(origin));
      return;
    }
  }
}

}  // namespace

bool if_none_match_matches(std::string_view header, std::string_view etag) {
  header = trim(header);
  if (header == "*") return true;
  while (!header.empty()) {
    const auto comma = header.find(',');
    const std::string_view candidate = trim(header.substr(0, comma));
    if (!candidate.empty() && without_weak_prefix(candidate) == without_weak_prefix(etag)) return true;
    if (comma == std::string_view::npos) break;
    header.remove_prefix(comma + 1);
  }
  return false;
}

SdkFile::SdkFile(std::string path, std::string content_type, std::string body)
    : path_(std::move(path)), content_type_(std::move(content_type)), body_(std::move(body)),
      etag_(content_tag(body_)) {}

HttpResponse SdkFile::answer(const HttpRequest& request, const std::vector<std::string>& allowed_origins) const {
  HttpResponse response;
  if (request.path != path_) {
    response.status = 404;
    response.body = "not found\n";
    return response;
  }
  if (request.method != "GET" && request.method != "HEAD") {
    response.status = 405;
    response.body = "method not allowed\n";
    response.headers.emplace_back("Allow", "GET, HEAD");
    return response;
  }
  response.headers.emplace_back("Cache-Control", "public, max-age=" + std::to_string(kSdkMaxAgeSeconds));
  response.headers.emplace_back("ETag", etag_);
  add_cors(response, request, allowed_origins);
  // RFC 9110 §15.4.5: a 304 carries the validators and cache headers a 200 would, no body.
  if (if_none_match_matches(request.header("If-None-Match"), etag_)) {
    response.status = 304;
    response.content_type = content_type_;
    return response;
  }
  response.content_type = content_type_;
  response.body = body_;
  return response;
}

}  // namespace iceway::signaling
