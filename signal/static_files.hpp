#pragma once
// Static files for the public listener, when settings.static_dir is set: which file a request
// path names (never one outside the directory) and its Content-Type. Pure; the HTTP session
// (signal/http/) does the reading and writing.
#include <optional>
#include <string>
#include <string_view>

namespace iceway::signaling {

// Content-Type for a file name by extension; "application/octet-stream" when unknown.
std::string_view mime_type(std::string_view path);

// Maps a request path ("/sdk/app.js", not decoded) to a file path under `root`, or nullopt if the
// path tries to leave it ("..", a backslash, a NUL, an encoded slash) or is malformed. "/" and
// paths ending in "/" map to index.html.
std::optional<std::string> resolve_static_path(std::string_view root, std::string_view request_path);

}  // namespace iceway::signaling
