#include "app/profile_config.hpp"

#include <optional>
#include <set>

#include <nlohmann/json.hpp>

#include "app/config_where.hpp"

#include "signal/profiles/json_profile_protocol.hpp"

namespace iceway::app {
namespace {

const std::set<std::string> kJsonKeys{"path",         "protocol", "name_from",         "receiver",
                                      "sender_field", "offline",  "offline_name_field"};
const std::set<std::string> kSocketIoKeys{"path", "protocol", "on_connect", "name_from", "event"};
const std::set<std::string> kEventKeys{"name", "action", "room", "emit_as", "unwrap"};

// One [[profile]] table, its problems keyed "profile[N].key".
class ProfileReader {
 public:
  ProfileReader(const toml::value& table, std::size_t index, std::vector<ConfigProblem>& problems)
      : table_(table), prefix_("profile[" + std::to_string(index) + "]."), problems_(problems) {}

  void problem(const std::string& key, std::string message) {
    const toml::value* value = find(key);
    problems_.push_back({prefix_ + key, where_of(value ? *value : table_), std::move(message)});
  }
  const toml::value* find(const std::string& key) const {
    auto& table = table_.as_table();
    auto it = table.find(key);
    return it == table.end() ? nullptr : &it->second;
  }
  bool read(const std::string& key, std::string& out) {
    const toml::value* value = find(key);
    if (value == nullptr) return false;
    if (!value->is_string()) {
      problem(key, "must be a string");
      return false;
    }
    out = value->as_string().str;
    return true;
  }
  bool read(const std::string& key, std::vector<std::string>& out) {
    const toml::value* value = find(key);
    if (value == nullptr) return false;
    if (value->is_string()) {  // one item may be written without brackets
      out = {value->as_string().str};
      return true;
    }
    if (!value->is_array()) {
      problem(key, "must be a list of strings");
      return false;
    }
    out.clear();
    for (auto& item : value->as_array()) {
      if (!item.is_string()) {
        problem(key, "must be a list of strings");
        return false;
      }
      out.push_back(item.as_string().str);
    }
    return true;
  }
  void check_keys(const std::set<std::string>& known, const std::string& listed) {
    for (auto& [key, value] : table_.as_table()) {
      if (!known.contains(key))
        problems_.push_back({prefix_ + key, where_of(value), "unknown key; " + listed + " (docs/signaling.md)"});
    }
  }
  const std::string& prefix() const { return prefix_; }
  std::vector<ConfigProblem>& problems() { return problems_; }

 private:
  const toml::value& table_;
  std::string prefix_;
  std::vector<ConfigProblem>& problems_;
};

bool is_field_name(const std::string& name) { return !name.empty() && name.size() <= 64; }

// FIELD of "KIND:FIELD", or nullopt when `source` is not of that kind or FIELD is no field name.
std::optional<std::string> source_field(const std::string& source, const std::string& kind) {
  if (!source.starts_with(kind + ":")) return std::nullopt;
  std::string field = source.substr(kind.size() + 1);
  if (!is_field_name(field)) return std::nullopt;
  return field;
}

// A profile's path: present, well formed and served by nothing else. `replaceable` is the one
// taken path this profile may have (the default Socket.IO path, for a Socket.IO profile).
std::optional<std::string> read_path(ProfileReader& in, std::set<std::string>& taken, const std::string& replaceable) {
  std::string path;
  if (!in.read("path", path)) {
    in.problem("path", "is required: the path the app's pages connect to, e.g. \"/device/chat\"");
    return std::nullopt;
  }
  if (path.size() < 2 || path.front() != '/' || path.find_first_of("?# ") != std::string::npos) {
    in.problem("path", "must be a path such as \"/video\": starting with '/', without '?', '#' or spaces");
    return std::nullopt;
  }
  if (path == replaceable) {
    taken.erase(path);  // taken from [socketio]'s built-in server, and only once
  }
  if (!taken.insert(path).second) {
    in.problem("path", "\"" + path + "\" is already served (by another profile or by /ws, /relay, /yjs, "
                       "the PeerJS path or the Socket.IO path)");
    return std::nullopt;
  }
  return path;
}

void read_socketio_profile(ProfileReader& in, std::set<std::string>& taken, const std::string& socketio_path,
                           signaling::Settings& signal) {
  in.check_keys(kSocketIoKeys, "a Socket.IO profile has path, protocol, on_connect, name_from and [[profile.event]] tables");
  signaling::SocketIoProfile profile;
  if (socketio_path.empty()) in.problem("protocol", "a Socket.IO profile needs [socketio] enabled = true");
  auto path = read_path(in, taken, socketio_path);
  if (path) profile.path = *path;
  in.read("on_connect", profile.on_connect);
  std::vector<std::string> sources;
  in.read("name_from", sources);
  for (const auto& source : sources) {
    const auto auth = source_field(source, "auth");
    const auto field = source_field(source, "field");
    if (auth) profile.name_auth.push_back(*auth);
    else if (field) profile.name_fields.push_back(*field);
    else in.problem("name_from", "\"" + source + "\" is not \"auth:FIELD\" (the handshake's auth object) or \"field:FIELD\" (the first argument of an event)");
  }
  const toml::value* events = in.find("event");
  if (events != nullptr && !events->is_array()) {
    in.problem("event", "must be a list of tables: write each one as [[profile.event]]");
    events = nullptr;
  }
  std::size_t index = 0;
  for (const auto& table : events ? events->as_array() : std::vector<toml::value>{}) {
    const std::string key = "event[" + std::to_string(index++) + "]";
    if (!table.is_table()) {
      in.problem("event", "each event is a table ([[profile.event]])");
      continue;
    }
    ProfileReader event(table, 0, in.problems());
    auto problem = [&](const std::string& field, const std::string& message) {
      const toml::value* value = event.find(field);
      in.problems().push_back({in.prefix() + key + "." + field, where_of(value ? *value : table), message});
    };
    for (auto& [name, value] : table.as_table()) {
      if (!kEventKeys.contains(name))
        in.problems().push_back({in.prefix() + key + "." + name, where_of(value),
                                 "unknown key; an event rule has name, action, room, emit_as and unwrap"});
    }
    signaling::SocketIoEventRule rule;
    std::string action = "room_others";
    std::string room;
    auto text = [&](const std::string& field, std::string& out) {
      const toml::value* value = event.find(field);
      if (value == nullptr) return;
      if (!value->is_string()) return problem(field, "must be a string");
      out = value->as_string().str;
    };
    text("name", rule.event);
    text("action", action);
    text("room", room);
    text("emit_as", rule.emit_as);
    text("unwrap", rule.unwrap);
    if (rule.event.empty() || rule.event.size() > 64) problem("name", "is required: the event the page emits (1 to 64 characters)");
    if (action == "join") rule.action = signaling::SocketIoEventRule::Action::join;
    else if (action == "room") rule.action = signaling::SocketIoEventRule::Action::to_room;
    else if (action == "room_others") rule.action = signaling::SocketIoEventRule::Action::to_room_others;
    else problem("action", "must be \"join\" (socket.join), \"room\" (io.to(room).emit) or \"room_others\" (socket.to(room).emit)");
    if (room == "arg") {
      rule.room_field.clear();
    } else if (room.starts_with("field:") && is_field_name(room.substr(6))) {
      rule.room_field = room.substr(6);
    } else {
      problem("room", "must be \"arg\" (the first argument is the room) or \"field:NAME\" (a field of it)");
    }
    if (rule.action == signaling::SocketIoEventRule::Action::join && (!rule.emit_as.empty() || !rule.unwrap.empty()))
      problem("action", "a join forwards nothing: emit_as and unwrap do not apply");
    profile.events.push_back(std::move(rule));
  }
  signal.socketio_profiles.push_back(std::move(profile));
}

void read_profile(ProfileReader& in, std::set<std::string>& taken, const std::string& socketio_path,
                  signaling::Settings& signal) {
  std::string protocol = "json";
  in.read("protocol", protocol);
  if (protocol == "socketio") return read_socketio_profile(in, taken, socketio_path, signal);
  in.check_keys(kJsonKeys, "a JSON profile has path, protocol, name_from, receiver, sender_field, offline and "
                           "offline_name_field");
  signaling::JsonProfile profile;
  if (protocol != "json") in.problem("protocol", "must be \"json\" or \"socketio\"");
  auto path = read_path(in, taken, "");
  if (path) profile.path = *path;
  std::vector<std::string> sources;
  in.read("name_from", sources);
  for (const auto& source : sources) {
    const auto colon = source.find(':');
    const std::string kind = source.substr(0, colon);
    const std::string name = colon == std::string::npos ? std::string() : source.substr(colon + 1);
    if (colon == std::string::npos || !is_field_name(name) || (kind != "query" && kind != "field")) {
      in.problem("name_from", "\"" + source + "\" is not \"query:PARAMETER\" or \"field:FIELD\"");
      continue;
    }
    (kind == "query" ? profile.name_query : profile.name_fields).push_back(name);
  }
  if (!in.read("receiver", profile.receiver_fields) || profile.receiver_fields.empty()) {
    in.problem("receiver", "is required: the message fields that name the receiver, e.g. [\"toUser\"]");
  }
  for (const auto& field : profile.receiver_fields)
    if (!is_field_name(field)) in.problem("receiver", "field names are 1 to 64 characters");
  in.read("sender_field", profile.sender_field);
  if (profile.sender_field.size() > 64) in.problem("sender_field", "a field name is at most 64 characters");
  if (in.read("offline", profile.offline)) {
    auto parsed = nlohmann::ordered_json::parse(profile.offline, nullptr, false);
    if (parsed.is_discarded() || !parsed.is_object())
      in.problem("offline", "must be a JSON object in the app's own shape, e.g. '{\"type\":\"call_back\",\"msg\":\"offline\"}'");
  }
  in.read("offline_name_field", profile.offline_name_field);
  if (!profile.offline_name_field.empty() && profile.offline.empty())
    in.problem("offline_name_field", "needs offline: the answer the receiver's name is put into");
  signal.json_profiles.push_back(std::move(profile));
}

}  // namespace

void read_profiles(const toml::value* profiles, const std::vector<std::string>& reserved,
                   const std::string& socketio_path, signaling::Settings& signal, std::vector<ConfigProblem>& problems) {
  signal.json_profiles.clear();
  signal.socketio_profiles.clear();
  if (profiles == nullptr) return;
  if (!profiles->is_array()) {
    problems.push_back({"profile", where_of(*profiles), "must be a list of tables: write each one as [[profile]]"});
    return;
  }
  std::set<std::string> taken(reserved.begin(), reserved.end());
  std::size_t index = 0;
  for (auto& table : profiles->as_array()) {
    if (!table.is_table()) {
      problems.push_back({"profile[" + std::to_string(index) + "]", where_of(table), "must be a table ([[profile]])"});
    } else {
      ProfileReader reader(table, index, problems);
      read_profile(reader, taken, socketio_path, signal);
    }
    ++index;
  }
}

}  // namespace iceway::app
