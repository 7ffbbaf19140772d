#include "signal/socketio/socketio_packet.hpp"

#include <array>
#include <vector>

#include <nlohmann/json.hpp>

#include "signal/json_fast.hpp"

namespace iceway::signaling::socketio {
namespace {

constexpr std::array<std::string_view, 7> kTypeNames{"CONNECT", "DISCONNECT",   "EVENT",     "ACK",
                                                     "CONNECT_ERROR", "BINARY_EVENT", "BINARY_ACK"};

// Event names the reference server keeps for itself (socket.io-parser's RESERVED_EVENTS).
constexpr std::array<std::string_view, 6> kReservedEvents{"connect",       "connect_error", "disconnect",
                                                          "disconnecting", "newListener",   "removeListener"};

SocketCodecError error_at(SocketError code, std::size_t offset) { return SocketCodecError{code, offset}; }

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string_view trim(std::string_view text) {
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  return text;
}

enum class Kind : std::uint8_t { none, null, boolean, number, string, object, array };

// Validates a payload without building a tree: nesting depth, the top-level kind, an array's
// first element, and (for binary packets) every {"_placeholder":true,"num":n} object.
class PayloadCheck {
 public:
  using Json = nlohmann::json;

  PayloadCheck(std::size_t max_depth, std::optional<std::size_t> attachments)
      : max_depth_(max_depth), attachments_(attachments) {}

  Kind top = Kind::none;
  Kind first_element = Kind::none;
  std::string first_string;
  bool too_deep = false;
  bool bad_placeholder = false;

  bool null() { return scalar(Kind::null); }
  bool boolean(bool value) {
    if (in_object() && containers_.back().key == Key::placeholder) containers_.back().placeholder = value;
    return scalar(Kind::boolean);
  }
  bool number_integer(Json::number_integer_t) { return scalar(Kind::number); }
  bool number_unsigned(Json::number_unsigned_t value) {
    if (in_object() && containers_.back().key == Key::num) containers_.back().num = value;
    return scalar(Kind::number);
  }
  bool number_float(Json::number_float_t, const Json::string_t&) { return scalar(Kind::number); }
  bool string(Json::string_t& value) {
    if (containers_.size() == 1 && !containers_.back().is_object && containers_.back().count == 0) {
      first_string = value;
    }
    return scalar(Kind::string);
  }
  bool binary(Json::binary_t&) { return scalar(Kind::string); }  // not produced by the JSON lexer
  bool start_object(std::size_t) { return open(Kind::object, true); }
  bool key(Json::string_t& name) {
    Container& object = containers_.back();
    object.key = name == "_placeholder" ? Key::placeholder : name == "num" ? Key::num : Key::other;
    if (object.key == Key::num) object.num.reset();  // a repeated key: the last value counts
    return true;
  }
  bool end_object() {
    // socket.io-parser's reconstructPacket: an object whose _placeholder is true must name an
    // attachment by index, else the packet is refused.
    const Container object = containers_.back();
    containers_.pop_back();
    if (attachments_ && object.placeholder && !(object.num && *object.num < *attachments_)) {
      bad_placeholder = true;
      return false;
    }
    return true;
  }
  bool start_array(std::size_t) { return open(Kind::array, false); }
  bool end_array() {
    containers_.pop_back();
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) { return false; }

 private:
  enum class Key : std::uint8_t { other, placeholder, num };
  struct Container {
    bool is_object = false;
    std::size_t count = 0;  // values seen so far (arrays)
    Key key = Key::other;
    bool placeholder = false;
    std::optional<std::uint64_t> num;
  };

  bool in_object() const { return !containers_.empty() && containers_.back().is_object; }

  // Called for each value as it starts: records the top-level and first-element kinds.
  void value(Kind kind) {
    if (containers_.empty()) {
      top = kind;
      return;
    }
    Container& parent = containers_.back();
    if (!parent.is_object) {
      if (containers_.size() == 1 && parent.count == 0) first_element = kind;
      ++parent.count;
    } else if (kind != Kind::boolean && parent.key == Key::placeholder) {
      parent.placeholder = false;  // "_placeholder": "true" is not a placeholder
    }
  }
  bool scalar(Kind kind) {
    value(kind);
    return true;
  }
  bool open(Kind kind, bool is_object) {
    value(kind);
    if (containers_.size() + 1 > max_depth_) {
      too_deep = true;
      return false;
    }
    Container container;
    container.is_object = is_object;
    containers_.push_back(container);
    return true;
  }

  std::size_t max_depth_;
  std::optional<std::size_t> attachments_;
  std::vector<Container> containers_;
};

Kind kind_of(simdjson::dom::element_type type) {
  switch (type) {
    case simdjson::dom::element_type::ARRAY: return Kind::array;
    case simdjson::dom::element_type::OBJECT: return Kind::object;
    case simdjson::dom::element_type::INT64:
    case simdjson::dom::element_type::UINT64:
    case simdjson::dom::element_type::DOUBLE: return Kind::number;
    case simdjson::dom::element_type::STRING: return Kind::string;
    case simdjson::dom::element_type::BOOL: return Kind::boolean;
    case simdjson::dom::element_type::NULL_VALUE: return Kind::null;
  }
  return Kind::none;
}

// What PayloadCheck records, from simdjson (signal/json_fast.hpp): true when it accepted the
// payload, which is then valid and within the depth limit as PayloadCheck counts it. False
// says nothing exact: PayloadCheck must run. Not for binary packets, whose placeholders only
// PayloadCheck checks.
bool check_fast(std::string_view payload, std::size_t max_depth, PayloadCheck& check) {
  simdjson::dom::element root;
  if (!parse_json_fast(payload, max_depth, root)) return false;
  check.top = kind_of(root.type());
  simdjson::dom::array array;
  if (root.get(array) != simdjson::SUCCESS) return true;
  for (const simdjson::dom::element first : array) {
    check.first_element = kind_of(first.type());
    std::string_view name;
    if (first.get(name) == simdjson::SUCCESS) check.first_string = name;  // decoded, as nlohmann hands it over
    break;
  }
  return true;
}

// The raw text after an EVENT array's first element (a string, already validated): the
// arguments without the comma that separates them from the name.
std::string_view arguments_after_name(std::string_view array) {
  array = trim(array);
  std::size_t i = 1;  // past '['
  while (is_space(array[i])) ++i;
  ++i;  // past the opening quote
  while (array[i] != '"') i += array[i] == '\\' ? 2 : 1;
  ++i;  // past the closing quote
  std::string_view rest = trim(array.substr(i, array.size() - 1 - i));  // up to the final ']'
  if (!rest.empty() && rest.front() == ',') rest.remove_prefix(1);
  return trim(rest);
}

std::string_view array_elements(std::string_view array) {
  array = trim(array);
  return trim(array.substr(1, array.size() - 2));
}

bool payload_shape_ok(SocketPacketType type, Kind top, Kind first_element) {
  switch (type) {
    case SocketPacketType::connect: return top == Kind::none || top == Kind::object;
    case SocketPacketType::disconnect: return top == Kind::none;
    case SocketPacketType::connect_error: return top == Kind::none || top == Kind::object || top == Kind::string;
    case SocketPacketType::event:
    case SocketPacketType::binary_event: return top == Kind::array && first_element == Kind::string;
    case SocketPacketType::ack:
    case SocketPacketType::binary_ack: return top == Kind::array;
  }
  return false;
}

}  // namespace

std::string_view to_string(SocketPacketType type) { return kTypeNames[static_cast<std::size_t>(type)]; }

std::string_view to_string(SocketError error) {
  switch (error) {
    case SocketError::empty_packet: return "empty packet";
    case SocketError::unknown_type: return "unknown packet type";
    case SocketError::bad_attachments: return "binary packet without an attachment count";
    case SocketError::too_many_attachments: return "too many binary attachments";
    case SocketError::bad_namespace: return "invalid namespace";
    case SocketError::bad_ack_id: return "invalid ack id";
    case SocketError::malformed_json: return "payload is not valid JSON";
    case SocketError::too_deep: return "payload nested too deeply";
    case SocketError::invalid_payload: return "payload has the wrong shape for its packet type";
    case SocketError::reserved_event_name: return "reserved event name";
    case SocketError::bad_placeholder: return "binary placeholder names no attachment";
  }
  return "unknown error";
}

std::string SocketCodecError::message() const {
  std::string text(to_string(code));
  text += " (at byte ";
  text += std::to_string(offset);
  text += ')';
  return text;
}

namespace {

Result<SocketPacket, SocketCodecError> decode(std::string_view text, const SocketLimits& limits, bool fast) {
  if (text.empty()) return error_at(SocketError::empty_packet, 0);
  if (text[0] < '0' || text[0] > '6') return error_at(SocketError::unknown_type, 0);
  SocketPacket packet;
  packet.type = static_cast<SocketPacketType>(text[0] - '0');
  std::size_t i = 1;

  if (is_binary(packet.type)) {
    // "<count>-": digits, then a dash.
    std::size_t count = 0;
    const std::size_t start = i;
    while (i < text.size() && is_digit(text[i])) {
      count = count * 10 + static_cast<std::size_t>(text[i] - '0');
      if (count > limits.max_attachments) return error_at(SocketError::too_many_attachments, start);
      ++i;
    }
    if (i == start || i == text.size() || text[i] != '-') return error_at(SocketError::bad_attachments, i);
    packet.attachments = count;
    ++i;
  }

  if (i < text.size() && text[i] == '/') {
    // The namespace runs to the first ',' (or the end: "41/custom" is DISCONNECT of /custom).
    const std::size_t comma = text.find(',', i);
    const std::size_t end = comma == std::string_view::npos ? text.size() : comma;
    packet.nsp = text.substr(i, end - i);
    i = comma == std::string_view::npos ? end : comma + 1;
  }

  if (i < text.size() && is_digit(text[i])) {
    const std::size_t start = i;
    std::uint64_t id = 0;
    while (i < text.size() && is_digit(text[i])) {
      id = id * 10 + static_cast<std::uint64_t>(text[i] - '0');
      if (id > kMaxAckId) return error_at(SocketError::bad_ack_id, start);
      ++i;
    }
    packet.ack_id = id;
  }

  packet.data = text.substr(i);
  PayloadCheck check(limits.max_json_depth,
                     is_binary(packet.type) ? std::optional<std::size_t>(packet.attachments) : std::nullopt);
  if (!packet.data.empty()) {
    // A NUL ends nlohmann's input early (see json_text.hpp); JSON never has a raw one.
    if (packet.data.find('\0') != std::string_view::npos) return error_at(SocketError::malformed_json, i);
    // nlohmann's lexer, which copies every byte of every string, was a quarter of the server's
    // CPU under relayed events; simdjson decides most payloads, and what it refuses gets the
    // exact check and its exact error.
    if (!fast || is_binary(packet.type) || !check_fast(packet.data, limits.max_json_depth, check)) {
      const bool ok = nlohmann::json::sax_parse(packet.data.begin(), packet.data.end(), &check);
      if (check.too_deep) return error_at(SocketError::too_deep, i);
      if (check.bad_placeholder) return error_at(SocketError::bad_placeholder, i);
      if (!ok) return error_at(SocketError::malformed_json, i);
    }
  }
  if (!payload_shape_ok(packet.type, check.top, check.first_element)) return error_at(SocketError::invalid_payload, i);

  if (packet.type == SocketPacketType::event || packet.type == SocketPacketType::binary_event) {
    for (const std::string_view reserved : kReservedEvents) {
      if (check.first_string == reserved) return error_at(SocketError::reserved_event_name, i);
    }
    packet.event_name = std::move(check.first_string);
    packet.arguments = arguments_after_name(packet.data);
  } else if (packet.type == SocketPacketType::ack || packet.type == SocketPacketType::binary_ack) {
    packet.arguments = array_elements(packet.data);
  }
  return packet;
}

}  // namespace

Result<SocketPacket, SocketCodecError> decode_socket_packet(std::string_view text, const SocketLimits& limits) {
  return decode(text, limits, true);
}

Result<SocketPacket, SocketCodecError> decode_socket_packet_exact(std::string_view text, const SocketLimits& limits) {
  return decode(text, limits, false);
}

Result<std::size_t, SocketCodecError> append_socket_packet(const SocketPacket& packet, std::string& out) {
  if (packet.nsp.empty() || packet.nsp.front() != '/' || packet.nsp.find(',') != std::string_view::npos) {
    return error_at(SocketError::bad_namespace, 0);
  }
  if (packet.ack_id && *packet.ack_id > kMaxAckId) return error_at(SocketError::bad_ack_id, 0);
  const std::size_t before = out.size();
  out.push_back(static_cast<char>('0' + static_cast<int>(packet.type)));
  if (is_binary(packet.type)) {
    out += std::to_string(packet.attachments);
    out.push_back('-');
  }
  // v5-current.md "Format": the namespace only when it is not the main one.
  if (packet.nsp != "/") {
    out.append(packet.nsp);
    out.push_back(',');
  }
  if (packet.ack_id) out += std::to_string(*packet.ack_id);
  out.append(packet.data);
  return success(out.size() - before);
}

void append_event_array(std::string_view name, std::string_view arguments, std::string& out) {
  out.push_back('[');
  append_json_string(name, out);
  if (!arguments.empty()) {
    out.push_back(',');
    out.append(arguments);
  }
  out.push_back(']');
}

}  // namespace iceway::signaling::socketio
