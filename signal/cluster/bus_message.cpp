#include "signal/cluster/bus_message.hpp"

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
bool needs_id(BusType type) { return type != BusType::state && type != BusType::room; }
bool needs_frame(BusType type) { return type == BusType::peer || type == BusType::room; }

// Reads a list of strings; false if it is anything else.
bool read_strings(const Json& value, std::vector<std::string>& out) {
  if (!value.is_array()) return false;
  for (const auto& item : value) {
    if (!item.is_string() || item.get_ref<const std::string&>().empty()) return false;
    out.push_back(item.get<std::string>());
  }
  return true;
}

}  // namespace

std::string encode(const BusMessage& message) {
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
  if (needs_id(message.type)) out[message.type == BusType::peer ? "to" : "id"] = message.id;
  if (needs_room(message.type)) out["room"] = message.room;
  if (needs_frame(message.type)) out["f"] = message.frame;
  return to_text(out);
}

Result<BusMessage, std::string> decode(std::string_view text) {
  Json in = Json::parse(text, nullptr, false);
  if (in.is_discarded() || !in.is_object()) return failure(std::string("not a JSON object"));
  if (!in.contains("v") || !in["v"].is_number_integer() || in["v"].get<int>() != kBusVersion)
    return failure("not bus version " + std::to_string(kBusVersion));
  BusMessage message;
  auto type = type_from(string_field(in, "t"));
  if (!type) return failure(std::string("unknown type"));
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
    message.id = std::string(string_field(in, message.type == BusType::peer ? "to" : "id"));
    if (message.id.empty()) return failure(std::string("no peer id"));
  }
  if (needs_room(message.type)) {
    message.room = std::string(string_field(in, "room"));
    if (message.room.empty()) return failure(std::string("no room"));
  }
  if (needs_frame(message.type)) {
    auto frame = in.find("f");
    if (frame == in.end() || !frame->is_string()) return failure(std::string("no frame"));
    message.frame = frame->get<std::string>();
  }
  return message;
}

}  // namespace iceway::signaling::cluster
