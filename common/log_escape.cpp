#include "common/log_escape.hpp"

#include <algorithm>

namespace iceway {
namespace {

bool bare(char c) { return c > 0x20 && c < 0x7f && c != '"' && c != '\\' && c != '='; }

}  // namespace

std::string log_escape(std::string_view text) {
  if (!text.empty() && std::all_of(text.begin(), text.end(), bare)) return std::string(text);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(text.size() + 2);
  out.push_back('"');
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (byte < 0x20 || byte >= 0x7f) {
          out += "\\x";
          out.push_back(kHex[byte >> 4]);
          out.push_back(kHex[byte & 0xf]);
        } else {
          out.push_back(c);  // printable ASCII, space included: inside quotes it ends nothing
        }
    }
  }
  out.push_back('"');
  return out;
}

}  // namespace iceway
