#include "signal/peer_id.hpp"

#include <algorithm>

namespace iceway::signaling {
namespace {

bool alphanumeric(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

}  // namespace

bool valid_peer_id(std::string_view id) {
  if (id.empty() || id.size() > kMaxPeerIdLength) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return alphanumeric(c) || c == '_' || c == '.' || c == '-' || c == '@' || c == ':' || c == '+';
  });
}

bool valid_peerjs_id(std::string_view id) {
  if (id.empty() || id.size() > kMaxPeerIdLength) return false;
  // Runs of letters and digits joined by exactly one separator: no separator first, last or
  // twice in a row.
  bool after_separator = true;
  for (char c : id) {
    if (alphanumeric(c)) {
      after_separator = false;
    } else if ((c == ' ' || c == '_' || c == '-') && !after_separator) {
      after_separator = true;
    } else {
      return false;
    }
  }
  return !after_separator;
}

bool valid_peerjs_token(std::string_view token) {
  if (token.empty() || token.size() > kMaxPeerIdLength) return false;
  return std::all_of(token.begin(), token.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

bool valid_room(std::string_view room) {
  if (room.empty() || room.size() > kMaxRoomLength) return false;
  return std::none_of(room.begin(), room.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte < 0x20 || byte == 0x7f;
  });
}

}  // namespace iceway::signaling
