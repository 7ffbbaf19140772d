#include "signal/static_files.hpp"

#include <gtest/gtest.h>

#include "signal/http/http_types.hpp"

namespace iceway::signaling {
namespace {

TEST(StaticFiles, ResolvesInsideTheRoot) {
  struct Case {
    const char* request;
    const char* expected;
  };
  const Case cases[] = {
      {"/", "/srv/www/index.html"},
      {"/demo/", "/srv/www/demo/index.html"},
      {"/app.js", "/srv/www/app.js"},
      {"/a%20b.txt", "/srv/www/a b.txt"},
      {"/c++.txt", "/srv/www/c++.txt"},  // '+' is literal in a path
      {"/dir/..file", "/srv/www/dir/..file"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.request);
    auto path = resolve_static_path("/srv/www/", c.request);
    ASSERT_TRUE(path);
    EXPECT_EQ(*path, c.expected);
  }
}

TEST(StaticFiles, NeverLeavesTheRoot) {
  for (const char* request : {"/../etc/passwd", "/a/../../etc/passwd", "/%2e%2e/etc/passwd", "/a/%2E%2E/%2e%2e/x",
                              "/..", "/./x", "/a%2f..%2f..%2fetc", "/a%5c..", "/a\\b", "/nul%00.txt", "relative",
                              ""}) {
    SCOPED_TRACE(request);
    EXPECT_FALSE(resolve_static_path("/srv/www", request));
  }
  EXPECT_FALSE(resolve_static_path("", "/index.html"));
}

TEST(StaticFiles, MimeTypes) {
  EXPECT_EQ(mime_type("/x/index.html"), "text/html; charset=utf-8");
  EXPECT_EQ(mime_type("/sdk/iceway.js"), "text/javascript; charset=utf-8");
  EXPECT_EQ(mime_type("/LOGO.PNG"), "image/png");
  EXPECT_EQ(mime_type("/data.bin"), "application/octet-stream");
  EXPECT_EQ(mime_type("/no-extension"), "application/octet-stream");
}

TEST(HttpRequest, HeaderLookupIgnoresCase) {
  HttpRequest request;
  request.headers = {{"Authorization", "Bearer k1"}, {"X-Two", "a"}, {"x-two", "b"}};
  EXPECT_EQ(request.header("authorization"), "Bearer k1");
  EXPECT_EQ(request.header("X-TWO"), "a");
  EXPECT_EQ(request.header("missing"), "");
}

}  // namespace
}  // namespace iceway::signaling
