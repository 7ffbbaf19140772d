#include "signal/json_text.hpp"

#include "signal/limits.hpp"

namespace iceway::signaling {

Result<Json, JsonError> parse_json_object(std::string_view text, std::size_t max_depth) {
  if (json_too_deep(text, max_depth)) return failure(JsonError::too_deep);
  if (contains_nul(text)) return failure(JsonError::malformed);
  // allow_exceptions = false: a parse error yields a discarded value instead of throwing.
  Json value = Json::parse(text.begin(), text.end(), nullptr, false);
  if (value.is_discarded()) return failure(JsonError::malformed);
  if (!value.is_object()) return failure(JsonError::not_an_object);
  return success(std::move(value));  // explicit: Json converts from anything, even the error enum
}

std::string to_text(const Json& value) { return value.dump(-1, ' ', false, Json::error_handler_t::replace); }

std::string_view string_field(const Json& object, std::string_view key) {
  if (!object.is_object()) return {};
  auto it = object.find(key);
  if (it == object.end() || !it->is_string()) return {};
  return it->get_ref<const std::string&>();
}

std::string object_text(std::span<const JsonMember> members) {
  std::size_t bytes = 2;
  for (const JsonMember& member : members) bytes += member.name.size() + member.value.size() + 6;
  std::string out;
  out.reserve(bytes);  // exact unless a quoted value needs escapes
  out.push_back('{');
  bool first = true;
  for (const JsonMember& member : members) {
    if (!member.quote && member.value.empty()) continue;
    if (!first) out.push_back(',');
    first = false;
    out.push_back('"');
    out += member.name;
    out += "\":";
    if (member.quote) append_json_string(member.value, out);
    else out += member.value;
  }
  out.push_back('}');
  return out;
}

void append_json_string(std::string_view text, std::string& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  // Runs of characters that need no escape (nearly all of an id or an SDP) are copied whole.
  std::size_t run = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c != '"' && c != '\\' && static_cast<unsigned char>(c) >= 0x20) continue;
    out.append(text.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        out += "\\u00";
        out.push_back(kHex[(c >> 4) & 0x0f]);
        out.push_back(kHex[c & 0x0f]);
    }
  }
  out.append(text.data() + run, text.size() - run);
  out.push_back('"');
}

}  // namespace iceway::signaling
