#include "signal/cluster/bus_message.hpp"

#include <charconv>
#include <optional>

#include "signal/cluster/redis_url.hpp"
#include "signal/json_text.hpp"

namespace iceway::signaling::cluster {
namespace {

constexpr std::array<std::string_view, 7> kTypeNames{"state", "claim", "release", "join", "leave", "peer", "room"};

std::string_view type_name(BusType type) { return kTypeNames[static_cast<std::size_t>(type)]; }

std::optional<BusType> type_from(std::string_view name) {
  for (std::size_t i = 0; i < kTypeNames.size(); ++i)
    if (kTypeNames[i] == name) return static_cast<BusType>(i);
  return std::nullopt;
}

std::optional<Protocol> protocol_from(std::string_view name) {
  for (Protocol protocol : kAllProtocols)
    if (to_string(protocol) == name) return protocol;
  return std::nullopt;
}

bool needs_room(BusType type) { return type == BusType::join || type == BusType::leave || type == BusType::room; }
// Of the JSON messages (frames have their envelope).
bool needs_id(BusType type) { return type != BusType::state; }

// Reads a list of strings; false if it is anything else.
bool read_strings(const Json& value, std::vector<std::string>& out) {
  if (!value.is_array()) return false;
  for (const auto& item : value) {
    if (!item.is_string() || item.get_ref<const std::string&>().empty()) return false;
    out.push_back(item.get<std::string>());
  }
  return true;
}

// "F1 p|r NODE PROTOCOL LEN:TARGET FRAME" (bus_message.hpp).
constexpr std::string_view kFramePrefix = "F1 ";

std::string encode_frame(const BusMessage& message) {
  const std::string& target = message.type == BusType::peer ? message.id : message.room;
  const std::string_view protocol = to_string(message.protocol);
  const std::string length = std::to_string(target.size());
  std::string out;
  out.reserve(kFramePrefix.size() + 2 + message.node.size() + 1 + protocol.size() + 1 + length.size() + 1 +
              target.size() + 1 + message.frame.size());
  out.append(kFramePrefix);
  out.push_back(message.type == BusType::peer ? 'p' : 'r');
  out.push_back(' ');
  out.append(message.node);
  out.push_back(' ');
  out.append(protocol);
  out.push_back(' ');
  out.append(length);
  out.push_back(':');
  out.append(target);
  out.push_back(' ');
  out.append(message.frame);
  return out;
}

// The next space-separated word of `text`, which it consumes; empty when there is none.
std::string_view next_word(std::string_view& text) {
  const auto space = text.find(' ');
  if (space == std::string_view::npos) return {};
  const std::string_view word = text.substr(0, space);
  text.remove_prefix(space + 1);
  return word;
}

Result<BusMessage, std::string> decode_frame(std::string_view text) {
  text.remove_prefix(kFramePrefix.size());
  BusMessage message;
  const std::string_view kind = next_word(text);
  if (kind != "p" && kind != "r") return failure(std::string("unknown frame kind"));
  message.type = kind == "p" ? BusType::peer : BusType::room;
  message.node = std::string(next_word(text));
  if (!valid_node_id(message.node)) return failure(std::string("no valid node id"));
  const auto protocol = protocol_from(next_word(text));
  if (!protocol) return failure(std::string("unknown protocol"));
  message.protocol = *protocol;
  const auto colon = text.find(':');
  std::size_t length = 0;
  if (colon == std::string_view::npos || colon == 0 || colon > 5) return failure(std::string("no target length"));
  const auto [end, error] = std::from_chars(text.data(), text.data() + colon, length);
  if (error != std::errc() || end != text.data() + colon) return failure(std::string("bad target length"));
  text.remove_prefix(colon + 1);
  if (length == 0 || text.size() < length + 1 || text[length] != ' ') return failure(std::string("bad target"));
  (message.type == BusType::peer ? message.id : message.room) = std::string(text.substr(0, length));
  message.frame = std::string(text.substr(length + 1));
  return message;
}

}  // namespace

std::string encode(const BusMessage& message) {
  if (message.type == BusType::peer || message.type == BusType::room) return encode_frame(message);
  Json out{{"v", kBusVersion}, {"t", type_name(message.type)}, {"n", message.node}};
  if (message.type == BusType::state) {
    out["hb"] = message.heartbeat.count();
    Json holdings = Json::object();
    for (Protocol protocol : kAllProtocols) {
      const Holdings& held = message.holdings[index(protocol)];
      if (held.empty()) continue;
      Json rooms = Json::object();
      for (const auto& room : held.rooms) rooms[room.room] = room.members;
      holdings[std::string(to_string(protocol))] = Json{{"ids", held.ids}, {"rooms", std::move(rooms)}};
    }
    out["h"] = std::move(holdings);
    return to_text(out);
  }
  out["p"] = to_string(message.protocol);
  if (needs_id(message.type)) out["id"] = message.id;
  if (needs_room(message.type)) out["room"] = message.room;
  return to_text(out);
}

Result<BusMessage, std::string> decode(std::string_view text) {
  if (text.starts_with(kFramePrefix)) return decode_frame(text);
  Json in = Json::parse(text, nullptr, false);
  if (in.is_discarded() || !in.is_object()) return failure(std::string("not a JSON object"));
  if (!in.contains("v") || !in["v"].is_number_integer() || in["v"].get<int>() != kBusVersion)
    return failure("not bus version " + std::to_string(kBusVersion));
  BusMessage message;
  auto type = type_from(string_field(in, "t"));
  if (!type) return failure(std::string("unknown type"));
  if (*type == BusType::peer || *type == BusType::room) return failure(std::string("a frame outside its envelope"));
  message.type = *type;
  message.node = std::string(string_field(in, "n"));
  if (!valid_node_id(message.node)) return failure(std::string("no valid node id"));
  if (message.type == BusType::state) {
    auto hb = in.find("hb");
    if (hb == in.end() || !hb->is_number_integer() || hb->get<long long>() <= 0 ||
        hb->get<long long>() > kMaxHeartbeat.count())
      return failure(std::string("state without a heartbeat of 1 ms to 60 s"));
    message.heartbeat = std::chrono::milliseconds(hb->get<long long>());
    auto holdings = in.find("h");
    if (holdings == in.end() || !holdings->is_object()) return failure(std::string("state without holdings"));
    for (const auto& [name, held] : holdings->items()) {
      auto protocol = protocol_from(name);
      if (!protocol || !held.is_object()) return failure("bad holdings for " + name);
      Holdings& into = message.holdings[index(*protocol)];
      if (held.contains("ids") && !read_strings(held["ids"], into.ids)) return failure(std::string("bad ids"));
      if (held.contains("rooms")) {
        if (!held["rooms"].is_object()) return failure(std::string("bad rooms"));
        for (const auto& [room, members] : held["rooms"].items()) {
          RoomHolding holding{room, {}};
          if (room.empty() || !read_strings(members, holding.members)) return failure("bad room " + room);
          into.rooms.push_back(std::move(holding));
        }
      }
    }
    return message;
  }
  auto protocol = protocol_from(string_field(in, "p"));
  if (!protocol) return failure(std::string("unknown protocol"));
  message.protocol = *protocol;
  if (needs_id(message.type)) {
    message.id = std::string(string_field(in, "id"));
    if (message.id.empty()) return failure(std::string("no peer id"));
  }
  if (needs_room(message.type)) {
    message.room = std::string(string_field(in, "room"));
    if (message.room.empty()) return failure(std::string("no room"));
  }
  return message;
}

}  // namespace iceway::signaling::cluster
