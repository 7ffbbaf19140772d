#pragma once
// The query string of a WebSocket upgrade URL (`/ws?token=...`, `/peerjs/peerjs?key=&id=&token=`),
// decoded the way browsers' URLSearchParams and Node's querystring encode it: percent escapes and
// '+' as space. Pure; the I/O layer hands over the request target as received.
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace iceway::signaling {

class Query {
 public:
  // Parses the part after '?' of `target` (the whole target may be passed). A malformed escape
  // ("%zz") is kept literally rather than rejecting the request, as URLSearchParams does.
  static Query parse(std::string_view target);

  // The first value of `name`, if present (possibly empty).
  std::optional<std::string_view> get(std::string_view name) const;
  // The first value of `name`, or empty if absent.
  std::string_view value(std::string_view name) const { return get(name).value_or(std::string_view{}); }

  const std::vector<std::pair<std::string, std::string>>& items() const { return items_; }
  // The target's path, not decoded ("/device/chat"): app profiles share one protocol and tell
  // their connections apart by it.
  const std::string& path() const { return path_; }

 private:
  std::vector<std::pair<std::string, std::string>> items_;
  std::string path_;
};

// The path part of a request target (everything before '?'), not decoded.
std::string_view target_path(std::string_view target);

std::string percent_decode(std::string_view text);

}  // namespace iceway::signaling
