#include "app/profile_config.hpp"

#include <set>

#include <nlohmann/json.hpp>

#include "app/config_where.hpp"

#include "signal/profiles/json_profile_protocol.hpp"

namespace iceway::app {
namespace {

const std::set<std::string> kKeys{"path",     "protocol",     "name_from", "receiver",
                                  "sender_field", "offline", "offline_name_field"};

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
  void check_keys() {
    for (auto& [key, value] : table_.as_table()) {
      if (!kKeys.contains(key))
        problems_.push_back({prefix_ + key, where_of(value),
                             "unknown key; a profile has path, protocol, name_from, receiver, sender_field, offline "
                             "and offline_name_field (docs/signaling.md)"});
    }
  }

 private:
  const toml::value& table_;
  std::string prefix_;
  std::vector<ConfigProblem>& problems_;
};

bool is_field_name(const std::string& name) { return !name.empty() && name.size() <= 64; }

void read_profile(ProfileReader& in, std::set<std::string>& taken, signaling::Settings& signal) {
  in.check_keys();
  signaling::JsonProfile profile;
  if (!in.read("path", profile.path)) {
    in.problem("path", "is required: the WebSocket path the app's pages connect to, e.g. \"/device/chat\"");
    return;
  }
  if (profile.path.size() < 2 || profile.path.front() != '/' || profile.path.find_first_of("?# ") != std::string::npos) {
    in.problem("path", "must be a path such as \"/video\": starting with '/', without '?', '#' or spaces");
  } else if (!taken.insert(profile.path).second) {
    in.problem("path", "\"" + profile.path + "\" is already served (by another profile or by /ws, /relay, /yjs, "
                       "the PeerJS path or the Socket.IO path)");
  }
  std::string protocol = "json";
  in.read("protocol", protocol);
  if (protocol != "json") {
    in.problem("protocol", protocol == "socketio"
                               ? "Socket.IO apps are served by [socketio] (its built-in tutorial server); "
                                 "per-event Socket.IO profiles are not available yet"
                               : "must be \"json\"");
  }
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
                   signaling::Settings& signal, std::vector<ConfigProblem>& problems) {
  signal.json_profiles.clear();
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
      read_profile(reader, taken, signal);
    }
    ++index;
  }
}

}  // namespace iceway::app
