#include "signal/peer_id.hpp"

#include <algorithm>

namespace iceway::signaling {

bool valid_peer_id(std::string_view id) {
  if (id.empty() || id.size() > kMaxPeerIdLength) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
           c == '-' || c == '@' || c == ':' || c == '+';
  });
}

bool valid_peerjs_id(std::string_view id) {
  if (id.empty() || id.size() > kMaxPeerIdLength) return false;
  return std::all_of(id.begin(), id.end(), [](char c) { return c >= 0x20 && c < 0x7f; });
}

}  // namespace iceway::signaling
