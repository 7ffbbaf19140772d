#pragma once
// The client library's files (/sdk/iceway.js and its TypeScript declarations /sdk/iceway.d.ts)
// as HTTP answers. Pure: the HTTP server hands in the request and the current
// signal.allowed_origins, so the headers are unit-tested without a socket.
//
// Apps on other origins import the module (`import ... from "https://turn.example.org/sdk/iceway.js"`),
// which a browser fetches in CORS mode: without Access-Control-Allow-Origin the import fails.
// The answer may be cached for kSdkMaxAgeSeconds and then revalidated with its ETag.
#include <string>
#include <string_view>
#include <vector>

#include "signal/http/http_types.hpp"

namespace iceway::signaling {

// Five minutes: pages loaded again within them fetch nothing; after an upgrade of the server
// its new SDK reaches every page within them (and a revalidation costs a 304 until then).
inline constexpr int kSdkMaxAgeSeconds = 300;

class SdkFile {
 public:
  // `body` is the file's text, compiled into the binary. The ETag is derived from the content,
  // not a modification time: the text has no file of its own to take one from, and the tag
  // changes exactly when an upgrade changes the text.
  SdkFile(std::string path, std::string content_type, std::string body);

  const std::string& path() const { return path_; }
  const std::string& etag() const { return etag_; }

  // GET or HEAD of exactly path(): 200 with the body, or 304 when If-None-Match names the
  // ETag; other methods 405; other paths (under path() as a prefix route) 404. Every answer
  // for path() carries the cache and CORS headers. `allowed_origins` empty = any origin ("*");
  // else a listed Origin is echoed, with "Vary: Origin" on every answer so a shared cache
  // keeps one copy per origin.
  HttpResponse answer(const HttpRequest& request, const std::vector<std::string>& allowed_origins) const;

 private:
  std::string path_;
  std::string content_type_;
  std::string body_;
  std::string etag_;
};

// RFC 9110 §13.1.2: whether an If-None-Match header value ("*", or a list of entity tags, weak
// or strong) matches `etag` by the weak comparison.
bool if_none_match_matches(std::string_view header, std::string_view etag);

}  // namespace iceway::signaling
