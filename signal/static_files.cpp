#include "signal/static_files.hpp"

#include <algorithm>
#include <array>
#include <utility>

#include "signal/query.hpp"  // percent_decode

namespace iceway::signaling {

std::string_view mime_type(std::string_view path) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 14> kTypes{{
      {".html", "text/html; charset=utf-8"},
      {".htm", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".txt", "text/plain; charset=utf-8"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".jpeg", "image/jpeg"},
      {".ico", "image/vnd.microsoft.icon"},
      {".wasm", "application/wasm"},
      {".map", "application/json"},
  }};
  const auto dot = path.rfind('.');
  if (dot == std::string_view::npos) return "application/octet-stream";
  const std::string_view extension = path.substr(dot);
  for (const auto& [ext, type] : kTypes) {
    if (extension.size() == ext.size()) {
      bool same = true;
      for (std::size_t i = 0; i < ext.size(); ++i) {
        char c = extension[i];
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        same = same && c == ext[i];
      }
      if (same) return type;
    }
  }
  return "application/octet-stream";
}

std::optional<std::string> resolve_static_path(std::string_view root, std::string_view request_path) {
  if (root.empty() || request_path.empty() || request_path.front() != '/') return std::nullopt;
  // Reject an encoded slash or backslash before decoding, so decoding cannot make new segments.
  for (std::string_view encoded : {"%2f", "%2F", "%5c", "%5C"}) {
    if (request_path.find(encoded) != std::string_view::npos) return std::nullopt;
  }
  // Percent escapes only: '+' is a literal plus in a path (it means space only in queries).
  std::string decoded;
  decoded.reserve(request_path.size());
  for (std::size_t i = 0; i < request_path.size(); ++i) {
    const std::size_t plus = request_path.find('+', i);
    const std::size_t end = plus == std::string_view::npos ? request_path.size() : plus;
    decoded += percent_decode(request_path.substr(i, end - i));
    if (plus == std::string_view::npos) break;
    decoded.push_back('+');
    i = plus;
  }
  std::size_t start = 1;
  while (start <= decoded.size()) {
    const std::size_t end = std::min(decoded.find('/', start), decoded.size());
    const std::string_view segment = std::string_view(decoded).substr(start, end - start);
    if (segment == ".." || segment == ".") return std::nullopt;
    start = end + 1;
  }
  for (char c : decoded) {
    if (c == '\\' || c == '\0') return std::nullopt;
  }
  std::string path(root);
  while (!path.empty() && path.back() == '/') path.pop_back();
  path += decoded;
  if (decoded.back() == '/') path += "index.html";
  return path;
}

}  // namespace iceway::signaling
