#include "signal/socketio/tutorial_server.hpp"

#include <array>

#include <nlohmann/json.hpp>

#include "signal/relay_frame.hpp"

namespace iceway::signaling::socketio {
namespace {

using Json = nlohmann::json;

constexpr std::array<std::string_view, 3> kReceiverFields{"to", "target", "toUser"};
constexpr std::array<std::string_view, 2> kRoomFields{"room", "roomId"};
constexpr std::array<std::string_view, 2> kNameFields{"username", "name"};
constexpr std::string_view kNoReceiver = "no receiver: name one with to/target/toUser, or a room with room/roomId";

// The first argument, or null when there is none. The codec has validated the arguments (and
// bounded their depth), so parsing cannot fail.
Json first_argument(std::string_view arguments) {
  if (arguments.empty()) return Json();
  std::string array = "[";
  array.append(arguments);
  array.push_back(']');
  Json parsed = Json::parse(array, nullptr, false);
  if (!parsed.is_array() || parsed.empty()) return Json();
  return std::move(parsed.front());
}

// A room or name as the application wrote it: a non-empty string, or an integer (socket.join(1)
// and socket.to(1) meet in the reference server, so "1" and 1 name one room here).
template <class AnyJson>  // nlohmann's json or ordered_json
std::optional<std::string> key_text(const AnyJson& value) {
  if (value.is_string()) {
    std::string text = value.template get<std::string>();
    if (!text.empty()) return text;
  } else if (value.is_number_integer()) {
    return value.dump();
  }
  return std::nullopt;
}

template <std::size_t N>
std::optional<std::string> field(const Json& object, const std::array<std::string_view, N>& names) {
  if (!object.is_object()) return std::nullopt;
  for (const std::string_view name : names) {
    const auto it = object.find(name);
    if (it != object.end()) {
      if (auto text = key_text(*it)) return text;
    }
  }
  return std::nullopt;
}

// Decided: the first of `names` that key_text() takes (nullopt: none), read from the raw
// members; undecided (the outer nullopt) where only the tree would be exact: a string written
// with escapes, or a number other than a short integer (-0, floats, more than 18 digits: the
// tree's integer range and spelling).
template <std::size_t N>
std::optional<std::optional<std::string>> plain_field(const FrameMembers& members,
                                                       const std::array<std::string_view, N>& names) {
  for (const std::string_view name : names) {
    const std::string_view raw = members.value(name);
    if (raw.empty()) continue;
    if (raw.front() == '"') {
      const auto text = members.plain_string(name);
      if (!text) return std::nullopt;
      if (text->empty()) continue;
      return std::optional<std::string>(std::string(*text));
    }
    if (raw.front() == '-' || (raw.front() >= '0' && raw.front() <= '9')) {
      const std::string_view digits = raw.front() == '-' ? raw.substr(1) : raw;
      // The scanner has validated the JSON: no leading zeros, and a number of digits alone is
      // an integer.
      const bool short_integer = !digits.empty() && digits.size() <= 18 &&
                                 digits.find_first_not_of("0123456789") == std::string_view::npos && raw != "-0";
      if (!short_integer) return std::nullopt;
      return std::optional<std::string>(std::string(raw));
    }
    // An object, array, true, false or null names nobody: the next field is asked.
  }
  return std::optional<std::string>();
}

// A room from the argument itself or from its room fields.
std::optional<std::string> room_argument(const Json& first) {
  if (auto text = key_text(first)) return text;
  return field(first, kRoomFields);
}

}  // namespace

std::string_view to_string(TutorialError error) {
  switch (error) {
    case TutorialError::unknown_event: return "unknown-event";
    case TutorialError::unknown_target: return "unknown-target";
    case TutorialError::no_recipient: return "no-recipient";
    case TutorialError::bad_room: return "bad-room";
    case TutorialError::bad_name: return "bad-name";
    case TutorialError::too_many_rooms: return "too-many-rooms";
    case TutorialError::room_full: return "room-full";
  }
  return "unknown";
}

std::optional<std::string> TutorialServer::admit(std::string_view nsp, std::string_view) const {
  if (nsp == "/") return std::nullopt;
  return std::string("Invalid namespace");
}

const std::string* TutorialServer::socket_of(std::string_view name) const {
  const auto it = socket_by_name_.find(name);
  return it == socket_by_name_.end() ? nullptr : &it->second;
}

void TutorialServer::on_event(const SocketEvent& event, std::vector<AppAction>& out) {
  switch (event.kind) {
    case SocketEvent::Kind::connected:
      rooms_.add_socket(event.nsp, event.socket_id);
      cluster_.socket_connected(event.socket_id);
      name_from_auth(event, out);
      if (!profile_.on_connect.empty()) {
        AppAction greeting;
        greeting.to.push_back(event.socket_id);
        greeting.nsp = event.nsp;
        greeting.event = profile_.on_connect;
        out.push_back(std::move(greeting));
      }
      return;
    case SocketEvent::Kind::disconnected:
      cluster_.socket_gone(event.socket_id, rooms_.remove_socket(event.nsp, event.socket_id));
      forget_name(event.socket_id);
      return;
    case SocketEvent::Kind::event: on_message(event, out); return;
    case SocketEvent::Kind::ack:
    case SocketEvent::Kind::ack_timeout: return;  // this server never asks for acks
  }
}

bool TutorialServer::apply_rule(const SocketEvent& event, std::vector<AppAction>& out) {
  const SocketIoEventRule* rule = nullptr;
  for (const auto& candidate : profile_.events) {
    if (candidate.event == event.name) {
      rule = &candidate;
      break;
    }
  }
  if (rule == nullptr) return false;
  // Key order as the page wrote it: what is unwrapped is forwarded, and read by people.
  using OrderedJson = nlohmann::ordered_json;
  OrderedJson first;
  if (!event.arguments.empty()) {
    OrderedJson all = OrderedJson::parse("[" + std::string(event.arguments) + "]", nullptr, false);
    if (all.is_array() && !all.empty()) first = std::move(all.front());
  }
  std::optional<std::string> room;
  if (rule->room_field.empty()) {
    room = key_text(first);
  } else if (first.is_object()) {
    if (const auto it = first.find(rule->room_field); it != first.end()) room = key_text(*it);
  }
  if (!room || room->size() > limits_.max_room_bytes) {
    refuse(event, TutorialError::bad_room,
           rule->room_field.empty() ? "this event's first argument names the room"
                                    : "this event's first argument needs the field " + rule->room_field + ", naming the room",
           out);
    return true;
  }
  if (rule->action == SocketIoEventRule::Action::join) {
    join(event, *room, out);
    return true;
  }
  const bool others = rule->action == SocketIoEventRule::Action::to_room_others;
  const std::string_view except = others ? std::string_view(event.socket_id) : std::string_view();
  const std::vector<std::string> here = rooms_.to_room(event.nsp, *room, except);
  const bool nobody_here = here.empty() || (!others && here.size() == 1 && here.front() == event.socket_id);
  if (nobody_here && !cluster_.room_elsewhere(*room)) {
    refuse(event, TutorialError::no_recipient, "nobody else is in room " + *room, out);
    return true;
  }
  std::string arguments;
  if (rule->unwrap.empty()) {
    arguments = std::string(event.arguments);
  } else {
    const auto it = first.is_object() ? first.find(rule->unwrap) : first.end();
    if (!first.is_object() || it == first.end()) {
      refuse(event, TutorialError::unknown_event, "this event's first argument needs the field " + rule->unwrap, out);
      return true;
    }
    arguments = it->dump(-1, ' ', false, OrderedJson::error_handler_t::replace);
  }
  emit_to_room(event, *room, except, rule->emit_as.empty() ? std::string(event.name) : rule->emit_as, std::move(arguments),
               out);
  return true;
}

bool TutorialServer::emit_to_room(const SocketEvent& event, const std::string& room, std::string_view except,
                                  std::string event_name, std::string arguments, std::vector<AppAction>& out) {
  RemoteEmit remote{event_name, arguments, event.attachments, std::string(except)};
  const bool elsewhere = cluster_.emit_to_room(room, remote);
  std::vector<std::string> to = rooms_.to_room(event.nsp, room, except);
  if (to.empty()) return elsewhere;
  AppAction action;
  action.to = std::move(to);
  action.nsp = event.nsp;
  action.event = std::move(event_name);
  action.arguments = std::move(arguments);
  action.attachments = event.attachments;
  out.push_back(std::move(action));
  return true;
}

bool TutorialServer::route_plain(const SocketEvent& event, std::vector<AppAction>& out) {
  const auto members = scan_frame_members(event.arguments, limits_.max_json_depth);
  if (!members) return false;
  const auto receiver = plain_field(*members, kReceiverFields);
  if (!receiver) return false;
  if (*receiver) {
    to_receiver(event, **receiver, out);
    return true;
  }
  const auto room = plain_field(*members, kRoomFields);
  if (!room) return false;
  if (*room) {
    to_room(event, **room, out);
  } else {  // an object names no room by itself
    refuse(event, TutorialError::unknown_event, kNoReceiver, out);
  }
  return true;
}

void TutorialServer::on_message(const SocketEvent& event, std::vector<AppAction>& out) {
  if (!name_from_fields(event, out)) return;
  if (apply_rule(event, out)) return;
  const std::string_view name = event.name;
  const bool joins = name == "join" || name == "joinRoom" || name == "leave" || name == "leaveRoom";
  const bool names = name == "login" || name == "register";
  // Relayed events, most of the traffic, are routed from the raw members of their first
  // argument: building a tree of an SDP only to read `to` or `room` was most of their cost.
  if (!joins && !names && route_plain(event, out)) return;
  const Json first = first_argument(event.arguments);

  if (joins) {
    const auto room = room_argument(first);
    if (!room || room->size() > limits_.max_room_bytes) {
      refuse(event, TutorialError::bad_room, "a room is a non-empty string or number, or a room/roomId field", out);
      return;
    }
    if (name == "leave" || name == "leaveRoom") {
      if (rooms_.leave(event.nsp, event.socket_id, *room)) cluster_.left(*room, event.socket_id);
      answer_ok(event, out);
      return;
    }
    join(event, *room, out);
    return;
  }

  if (names) {
    auto user = key_text(first);
    if (!user) user = field(first, kNameFields);
    if (!user || user->size() > limits_.max_name_bytes) {
      refuse(event, TutorialError::bad_name, "a name is a non-empty string, or a username/name field", out);
      return;
    }
    take_name(event.socket_id, *user);
    answer_ok(event, out);
    return;
  }

  if (const auto receiver = field(first, kReceiverFields)) {
    to_receiver(event, *receiver, out);
    return;
  }

  std::optional<std::string> room = field(first, kRoomFields);
  if (!room) {
    // A bare string argument is a room only when the sender is in it ("callRemote", "001").
    room = key_text(first);
    if (room && !rooms_.in_room(event.nsp, event.socket_id, *room)) room.reset();
  }
  if (room) {
    to_room(event, *room, out);
    return;
  }
  refuse(event, TutorialError::unknown_event, kNoReceiver, out);
}

void TutorialServer::to_receiver(const SocketEvent& event, const std::string& receiver, std::vector<AppAction>& out) {
  // Local first: a receiver on this node is reached without asking the cluster.
  if (const std::string* socket = socket_of(receiver)) {
    relay(event, {*socket}, out);
    return;
  }
  if (rooms_.has_socket(event.nsp, receiver)) {
    relay(event, {receiver}, out);
    return;
  }
  const RemoteEmit remote{std::string(event.name), std::string(event.arguments), event.attachments, {}};
  if (!cluster_.emit_to_name(receiver, remote) && !cluster_.emit_to_socket(receiver, remote)) {
    refuse(event, TutorialError::unknown_target, receiver + " is not online", out);
  }
}

void TutorialServer::to_room(const SocketEvent& event, const std::string& room, std::vector<AppAction>& out) {
  if (!emit_to_room(event, room, event.socket_id, std::string(event.name), std::string(event.arguments), out)) {
    refuse(event, TutorialError::no_recipient, "nobody else is in room " + room, out);
  }
}

void TutorialServer::join(const SocketEvent& event, const std::string& room, std::vector<AppAction>& out) {
  switch (rooms_.join(event.nsp, event.socket_id, room)) {
    case JoinResult::joined:
      cluster_.joined(room, event.socket_id);
      answer_ok(event, out);
      return;
    case JoinResult::already_joined:
    case JoinResult::unknown_socket:  // cannot happen: connected events add every socket
      answer_ok(event, out);
      return;
    case JoinResult::too_many_rooms:
      refuse(event, TutorialError::too_many_rooms, "this connection is in too many rooms", out);
      return;
    case JoinResult::room_full: refuse(event, TutorialError::room_full, "the room is full", out); return;
  }
}

void TutorialServer::relay(const SocketEvent& event, std::vector<std::string> to, std::vector<AppAction>& out) {
  AppAction action;
  action.to = std::move(to);
  action.nsp = event.nsp;
  action.event = event.name;
  action.arguments = std::string(event.arguments);
  action.attachments = event.attachments;
  out.push_back(std::move(action));
}

void TutorialServer::answer_ok(const SocketEvent& event, std::vector<AppAction>& out) {
  if (!event.ack_id) return;
  AppAction action;
  action.kind = AppAction::Kind::ack;
  action.to.push_back(event.socket_id);
  action.nsp = event.nsp;
  action.ack_id = *event.ack_id;
  action.arguments = R"({"ok":true})";
  out.push_back(std::move(action));
}

void TutorialServer::refuse(const SocketEvent& event, TutorialError error, std::string_view message,
                            std::vector<AppAction>& out) {
  ++errors_[static_cast<std::size_t>(error)];
  AppAction action;
  action.to.push_back(event.socket_id);
  action.nsp = event.nsp;
  action.arguments = R"({"ok":false,"error":)";
  append_json_string(to_string(error), action.arguments);
  action.arguments += ",\"message\":";
  append_json_string(message, action.arguments);
  action.arguments += ",\"event\":";
  append_json_string(event.name, action.arguments);
  action.arguments.push_back('}');
  if (event.ack_id) {
    action.kind = AppAction::Kind::ack;
    action.ack_id = *event.ack_id;
  } else {
    action.event = "error";
  }
  out.push_back(std::move(action));
}

void TutorialServer::take_name(const std::string& socket_id, const std::string& name) {
  forget_name(socket_id);
  if (const auto held = socket_by_name_.find(name); held != socket_by_name_.end()) {
    name_by_socket_.erase(held->second);
    socket_by_name_.erase(held);
  }
  socket_by_name_.emplace(name, socket_id);
  name_by_socket_.emplace(socket_id, name);
  cluster_.name_taken(name);
}

namespace {

// The first of `fields` in `object` that names someone, or nullopt.
std::optional<std::string> name_in(const Json& object, const std::vector<std::string>& fields) {
  if (!object.is_object()) return std::nullopt;
  for (const auto& name : fields) {
    const auto it = object.find(name);
    if (it == object.end()) continue;
    if (auto text = key_text(*it)) return text;
  }
  return std::nullopt;
}

}  // namespace

void TutorialServer::name_from_auth(const SocketEvent& event, std::vector<AppAction>& out) {
  if (profile_.name_auth.empty() || event.arguments.empty()) return;
  const auto name = name_in(Json::parse(event.arguments, nullptr, false), profile_.name_auth);
  if (!name) return;  // the name may still come with the first event
  if (name->size() > limits_.max_name_bytes) {
    refuse(event, TutorialError::bad_name, "the auth object's name is too long", out);
    return;
  }
  take_name(event.socket_id, *name);
}

bool TutorialServer::name_from_fields(const SocketEvent& event, std::vector<AppAction>& out) {
  if (profile_.name_fields.empty() || name_by_socket_.contains(event.socket_id)) return true;
  const auto name = name_in(first_argument(event.arguments), profile_.name_fields);
  if (!name) return true;
  if (name->size() > limits_.max_name_bytes) {
    refuse(event, TutorialError::bad_name, "the sender's name is too long", out);
    return false;
  }
  take_name(event.socket_id, *name);
  return true;
}

void TutorialServer::forget_name(const std::string& socket_id) {
  const auto named = name_by_socket_.find(socket_id);
  if (named == name_by_socket_.end()) return;
  cluster_.name_released(named->second);
  socket_by_name_.erase(named->second);
  name_by_socket_.erase(named);
}

void TutorialServer::attach_cluster(cluster::ClusterPort& cluster, std::string scope) {
  cluster_.attach(cluster, std::move(scope));
}

void TutorialServer::on_remote(const cluster::RemoteEvent& event, std::vector<AppAction>& out) {
  auto delivery = cluster_.read(event);
  if (!delivery) return;
  std::vector<std::string> to;
  switch (delivery->kind) {
    case ClusterDelivery::Kind::name_moved:
      if (const std::string* holder = socket_of(delivery->target)) forget_name(std::string(*holder));
      return;
    case ClusterDelivery::Kind::to_socket:
      if (rooms_.has_socket("/", delivery->target)) to.push_back(delivery->target);
      break;
    case ClusterDelivery::Kind::to_name:
      if (const std::string* socket = socket_of(delivery->target)) to.push_back(*socket);
      break;
    case ClusterDelivery::Kind::to_room: to = rooms_.to_room("/", delivery->target, delivery->emit.except); break;
  }
  // Gone since the sender's node last heard of it: dropped, as a local emit to a socket that
  // just left would be.
  if (to.empty()) return;
  AppAction action;
  action.to = std::move(to);
  action.event = std::move(delivery->emit.event);
  action.arguments = std::move(delivery->emit.arguments);
  action.attachments = std::move(delivery->emit.attachments);
  out.push_back(std::move(action));
}

}  // namespace iceway::signaling::socketio
