#include "signal/relay_frame.hpp"

#include <cstdint>

#include "signal/json_fast.hpp"
#include "signal/limits.hpp"

namespace iceway::signaling {
namespace {

// Keeps what routing needs from nlohmann's SAX events. Every callback returns true (keep going)
// except parse_error: the parser then stops and sax_parse returns false, without throwing.
class RelaySax {
 public:
  using number_integer_t = Json::number_integer_t;
  using number_unsigned_t = Json::number_unsigned_t;
  using number_float_t = Json::number_float_t;
  using string_t = Json::string_t;
  using binary_t = Json::binary_t;

  explicit RelaySax(RelayFields& fields) : fields_(fields) {}

  bool null() { return value(); }
  bool boolean(bool) { return value(); }
  bool number_integer(number_integer_t) { return value(); }
  bool number_unsigned(number_unsigned_t) { return value(); }
  bool number_float(number_float_t, const string_t&) { return value(); }
  bool binary(binary_t&) { return value(); }
  bool string(string_t& text) {
    if (depth_ == 1 && top_key_ == TopKey::type) fields_.type = std::move(text);
    if (depth_ == 1 && top_key_ == TopKey::dst) fields_.dst = std::move(text);
    if (depth_ == 2 && in_payload_ && payload_key_is_connection_id_) fields_.connection_id = std::move(text);
    return value();
  }
  bool start_object(std::size_t) {
    if (depth_ == 0) object_ = true;
    if (depth_ == 1 && top_key_ == TopKey::payload) in_payload_ = true;
    ++depth_;
    return true;
  }
  bool end_object() { return close(); }
  bool start_array(std::size_t) {
    ++depth_;
    return true;
  }
  bool end_array() { return close(); }
  bool key(string_t& name) {
    if (depth_ == 1) {
      top_key_ = TopKey::other;
      if (name == "type") top_key_ = TopKey::type;
      if (name == "dst") top_key_ = TopKey::dst;
      if (name == "payload") top_key_ = TopKey::payload;
      if (top_key_ != TopKey::other && ++seen_[static_cast<int>(top_key_)] > 1) repeated_ = true;
      if (top_key_ == TopKey::dst) fields_.has_dst = true;
    } else if (depth_ == 2 && in_payload_) {
      // Repeated keys: the tree keeps the last, so the last one decides here too.
      payload_key_is_connection_id_ = name == "connectionId";
      if (payload_key_is_connection_id_) fields_.connection_id.clear();
    }
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) { return false; }

  bool object() const { return object_; }
  bool repeated() const { return repeated_; }

 private:
  enum class TopKey { type, dst, payload, other };

  bool value() {
    if (depth_ == 2) payload_key_is_connection_id_ = false;
    return true;
  }
  bool close() {
    --depth_;
    if (depth_ == 1) in_payload_ = false;
    return value();
  }

  RelayFields& fields_;
  std::size_t depth_ = 0;
  TopKey top_key_ = TopKey::other;
  int seen_[3] = {0, 0, 0};
  bool object_ = false;
  bool repeated_ = false;
  bool in_payload_ = false;
  bool payload_key_is_connection_id_ = false;
};

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::size_t skip_space(std::string_view text, std::size_t i) {
  while (i < text.size() && is_space(text[i])) ++i;
  return i;
}

// `i` is at an opening quote; returns the index after the closing one (text.size() if none).
// Most of a frame's bytes are inside strings (SDP, candidates), so this jumps from quote to quote
// with memchr (string_view::find) instead of stepping byte by byte: a profile of the simdjson
// path had the byte loop at 40 % of scan_relay_frame. A quote after an odd run of backslashes is
// escaped; the run cannot reach past the opening quote.
std::size_t end_of_string(std::string_view text, std::size_t i) {
  const std::size_t first = i + 1;
  for (std::size_t from = first; from < text.size();) {
    const std::size_t quote = text.find('"', from);
    if (quote == std::string_view::npos) break;
    std::size_t backslashes = 0;
    while (quote - backslashes > first && text[quote - backslashes - 1] == '\\') ++backslashes;
    if (backslashes % 2 == 0) return quote + 1;
    from = quote + 1;
  }
  return text.size();
}

// `i` is at the first byte of a value; returns the index after its last byte.
std::size_t end_of_value(std::string_view text, std::size_t i) {
  if (i >= text.size()) return text.size();
  if (text[i] == '"') return end_of_string(text, i);
  if (text[i] == '{' || text[i] == '[') {
    std::size_t depth = 0;
    while (i < text.size()) {
      const char c = text[i];
      if (c == '"') {
        i = end_of_string(text, i);
        continue;
      }
      if (c == '{' || c == '[') ++depth;
      if ((c == '}' || c == ']') && --depth == 0) return i + 1;
      ++i;
    }
    return text.size();
  }
  while (i < text.size() && !is_space(text[i]) && text[i] != ',' && text[i] != '}' && text[i] != ']') ++i;
  return i;
}

// Calls on_member(name, raw value) for each top-level member of `text`, which a parser has
// already found to be a valid JSON object, so this only has to skip, not judge. False if a name
// has an escape (its raw bytes are not its name), on_member answers false, or the walk meets
// anything unexpected.
template <typename OnMember>
bool walk_members(std::string_view text, OnMember&& on_member) {
  std::size_t i = skip_space(text, 0);
  if (i >= text.size() || text[i] != '{') return false;
  i = skip_space(text, i + 1);
  while (i < text.size() && text[i] != '}') {
    if (text[i] != '"') return false;
    const std::size_t key_end = end_of_string(text, i);
    const std::string_view key = text.substr(i + 1, key_end - i - 2);
    if (key.find('\\') != std::string_view::npos) return false;
    i = skip_space(text, key_end);
    if (i >= text.size() || text[i] != ':') return false;
    const std::size_t value_start = skip_space(text, i + 1);
    const std::size_t value_end = end_of_value(text, value_start);
    if (value_end <= value_start) return false;
    if (!on_member(key, text.substr(value_start, value_end - value_start))) return false;
    i = skip_space(text, value_end);
    if (i < text.size() && text[i] == ',') i = skip_space(text, i + 1);
  }
  return i < text.size();
}

// The raw bytes of the top-level member `name` (empty if there is none); nullopt where
// walk_members fails.
std::optional<std::string_view> raw_member(std::string_view text, std::string_view name) {
  std::string_view found;
  const bool walked = walk_members(text, [&](std::string_view key, std::string_view value) {
    if (key == name) found = value;
    return true;
  });
  if (!walked) return std::nullopt;
  return found;
}

using ScanResult = Result<std::optional<RelayFields>, JsonError>;

// The exact path: parse_json_object's own depth pre-scan and lexer, so its errors and their
// precedence (too_deep, then malformed, then not_an_object) are parse_json_object's by
// construction. scan_fast() hands every frame simdjson refuses to this.
ScanResult scan_exact(std::string_view text, std::size_t max_depth) {
  if (json_too_deep(text, max_depth)) return failure(JsonError::too_deep);
  if (contains_nul(text)) return failure(JsonError::malformed);
  RelayFields fields;
  RelaySax sax(fields);
  // strict: trailing bytes after the value are an error, as in parse_json_object.
  if (!Json::sax_parse(text.begin(), text.end(), &sax, nlohmann::detail::input_format_t::json, true)) {
    return failure(JsonError::malformed);
  }
  if (!sax.object()) return failure(JsonError::not_an_object);
  if (sax.repeated()) return success(std::optional<RelayFields>{});
  auto payload = raw_member(text, "payload");
  if (!payload) return success(std::optional<RelayFields>{});
  fields.payload = *payload;
  return success(std::optional<RelayFields>(std::move(fields)));
}

// What simdjson found: the frame is an object with the fields filled in, it is not an object,
// it is an object the caller must take through the tree (general), or simdjson refused it and
// cannot say exactly why.
enum class FastScan { fields, not_an_object, general, refused };

FastScan scan_fast(std::string_view text, std::size_t max_depth, RelayFields& fields) {
  simdjson::dom::element root;
  // Refused: scan_exact() gives the exact answer (signal/json_fast.hpp says why it must).
  if (!parse_json_fast(text, max_depth, root)) return FastScan::refused;
  simdjson::dom::object object;
  if (root.get(object) != simdjson::SUCCESS) return FastScan::not_an_object;
  bool seen_type = false;
  bool seen_dst = false;
  bool seen_payload = false;
  // Keys come decoded, as in RelaySax: "typ\u0065" is "type".
  for (const auto [key, value] : object) {
    bool* seen = key == "type" ? &seen_type : key == "dst" ? &seen_dst : key == "payload" ? &seen_payload : nullptr;
    if (seen == nullptr) continue;
    // Repeated: the tree keeps the last one and the caller takes that path.
    if (*seen) return FastScan::general;
    *seen = true;
    std::string_view string;
    if (key == "type") {
      if (value.get(string) == simdjson::SUCCESS) fields.type = string;
    } else if (key == "dst") {
      fields.has_dst = true;
      if (value.get(string) == simdjson::SUCCESS) fields.dst = string;
    } else {
      simdjson::dom::object payload;
      if (value.get(payload) != simdjson::SUCCESS) continue;
      // Repeated connectionId: the last one decides, as in the tree; a non-string one is "".
      for (const auto [payload_key, payload_value] : payload) {
        if (payload_key != "connectionId") continue;
        fields.connection_id.clear();
        if (payload_value.get(string) == simdjson::SUCCESS) fields.connection_id = string;
      }
    }
  }
  auto payload = raw_member(text, "payload");
  if (!payload) return FastScan::general;
  fields.payload = *payload;
  return FastScan::fields;
}

}  // namespace

Result<std::optional<RelayFields>, JsonError> scan_relay_frame(std::string_view text, std::size_t max_depth) {
  RelayFields fields;
  switch (scan_fast(text, max_depth, fields)) {
    case FastScan::fields: return success(std::optional<RelayFields>(std::move(fields)));
    case FastScan::not_an_object: return failure(JsonError::not_an_object);
    case FastScan::general: return success(std::optional<RelayFields>{});
    case FastScan::refused: break;
  }
  return scan_exact(text, max_depth);
}

std::string_view FrameMembers::value(std::string_view name) const {
  for (std::size_t i = 0; i < count; ++i) {
    if (members[i].name == name) return members[i].value;
  }
  return {};
}

std::optional<std::string_view> FrameMembers::plain_string(std::string_view name) const {
  const std::string_view raw = value(name);
  if (raw.size() < 2 || raw.front() != '"' || raw.find('\\') != std::string_view::npos) return std::nullopt;
  return raw.substr(1, raw.size() - 2);
}

std::optional<FrameMembers> scan_frame_members(std::string_view text, std::size_t max_depth) {
  simdjson::dom::element root;
  if (!parse_json_fast(text, max_depth, root) || !root.is_object()) return std::nullopt;
  FrameMembers out;
  const bool walked = walk_members(text, [&out](std::string_view name, std::string_view value) {
    if (out.count == out.members.size()) return false;
    // Repeated: the tree keeps the last one, so the caller takes that path.
    for (std::size_t i = 0; i < out.count; ++i) {
      if (out.members[i].name == name) return false;
    }
    out.members[out.count++] = FrameMember{name, value};
    return true;
  });
  if (!walked) return std::nullopt;
  return out;
}

std::string relay_frame_text(std::string_view type, std::string_view src, std::string_view dst,
                             std::string_view payload) {
  const JsonMember members[] = {{"dst", dst, true}, {"payload", payload}, {"src", src, true}, {"type", type, true}};
  return object_text(members);
}

}  // namespace iceway::signaling
