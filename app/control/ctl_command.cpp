#include "app/control/ctl_command.hpp"

#include <array>

namespace iceway::app::control {
namespace {

using Json = nlohmann::json;

constexpr std::string_view kUsage =
    "usage: iceway ctl [--socket PATH] status [--json] | reload | loglevel LEVEL | "
    "credentials --user USER [--ttl TTL] | sessions [--user USER] [--json] | peers [--room ROOM] [--json] | "
    "disconnect --user USER | --session ID";
constexpr std::array<std::string_view, 7> kLevels{"trace", "debug", "info", "warn", "error", "critical", "off"};

bool known_level(std::string_view level) {
  for (auto known : kLevels)
    if (known == level) return true;
  return false;
}

std::string usage(std::string_view why) { return std::string(why) + "\n" + std::string(kUsage); }

std::string duration_text(std::int64_t seconds) {
  std::string out;
  if (seconds >= 86400) out += std::to_string(seconds / 86400) + "d ";
  if (seconds >= 3600) out += std::to_string(seconds / 3600 % 24) + "h ";
  if (seconds >= 60) out += std::to_string(seconds / 60 % 60) + "m ";
  return out + std::to_string(seconds % 60) + "s";
}

std::string string_of(const Json& answer, const char* key) {
  const auto it = answer.find(key);
  return it != answer.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::string list_of(const Json& answer, const char* key) {
  std::string out;
  const auto it = answer.find(key);
  if (it == answer.end() || !it->is_array()) return out;
  for (const auto& item : *it)
    if (item.is_string()) out += (out.empty() ? "" : ", ") + item.get<std::string>();
  return out;
}

}  // namespace

Result<CtlRequest, std::string> parse_ctl_arguments(const std::vector<std::string>& arguments) {
  if (arguments.empty()) return failure(usage("iceway ctl: which command?"));
  CtlRequest request;
  request.command = arguments.front();
  const std::vector<std::string> rest(arguments.begin() + 1, arguments.end());
  if (request.command == "status") {
    for (const auto& argument : rest) {
      if (argument != "--json") return failure(usage("iceway ctl status: unknown argument " + argument));
      request.json = true;
    }
    return request;
  }
  if (request.command == "reload") {
    if (!rest.empty()) return failure(usage("iceway ctl reload takes no arguments"));
    return request;
  }
  if (request.command == "loglevel") {
    if (rest.size() != 1 || !known_level(rest[0]))
      return failure(usage("iceway ctl loglevel: give one of trace, debug, info, warn, error, critical, off"));
    request.level = rest[0];
    return request;
  }
  if (request.command == "credentials") {
    for (std::size_t i = 0; i < rest.size(); ++i) {
      const bool has_value = i + 1 < rest.size();
      if ((rest[i] == "--user" || rest[i] == "-u") && has_value) request.user = rest[++i];
      else if ((rest[i] == "--ttl" || rest[i] == "-t") && has_value) request.ttl = rest[++i];
      else return failure(usage("iceway ctl credentials: unknown or incomplete argument " + rest[i]));
    }
    if (request.user.empty()) return failure(usage("iceway ctl credentials: --user USER is required"));
    return request;
  }
  if (request.command == "sessions" || request.command == "peers") {
    const std::string filter = request.command == "sessions" ? "--user" : "--room";
    for (std::size_t i = 0; i < rest.size(); ++i) {
      if (rest[i] == "--json") request.json = true;
      else if (rest[i] == filter && i + 1 < rest.size() && !rest[i + 1].empty())
        (request.command == "sessions" ? request.user : request.room) = rest[++i];
      else return failure(usage("iceway ctl " + request.command + ": unknown or incomplete argument " + rest[i]));
    }
    return request;
  }
  if (request.command == "disconnect") {
    if (rest.size() == 2 && rest[0] == "--user" && !rest[1].empty()) {
      request.user = rest[1];
      return request;
    }
    if (rest.size() == 2 && rest[0] == "--session" && !rest[1].empty() && rest[1].size() <= 19 &&
        rest[1].find_first_not_of("0123456789") == std::string::npos) {
      request.session = rest[1];
      return request;
    }
    return failure(usage("iceway ctl disconnect: give --user USER or --session ID (the id sessions shows)"));
  }
  return failure(usage("iceway ctl: unknown command " + request.command));
}

Json to_json(const CtlRequest& request) {
  Json out{{"command", request.command}};
  if (request.command == "loglevel") out["level"] = request.level;
  if (request.command == "credentials") {
    out["user"] = request.user;
    if (!request.ttl.empty()) out["ttl"] = request.ttl;
  }
  if ((request.command == "sessions" || request.command == "disconnect") && !request.user.empty()) out["user"] = request.user;
  if (request.command == "disconnect" && !request.session.empty()) out["session"] = request.session;
  if (request.command == "peers" && !request.room.empty()) out["room"] = request.room;
  return out;
}

Result<CtlRequest, std::string> parse_request_line(std::string_view line) {
  if (line.size() > kMaxRequestBytes) return failure(std::string("request too long"));
  const Json in = Json::parse(line, nullptr, false);
  if (!in.is_object()) return failure(std::string("a request is one JSON object"));
  std::vector<std::string> arguments{string_of(in, "command")};
  if (arguments[0] == "loglevel") arguments.push_back(string_of(in, "level"));
  if (arguments[0] == "credentials") {
    arguments.insert(arguments.end(), {"--user", string_of(in, "user")});
    if (const std::string ttl = string_of(in, "ttl"); !ttl.empty()) arguments.insert(arguments.end(), {"--ttl", ttl});
  }
  if (arguments[0] == "sessions" && !string_of(in, "user").empty()) arguments.insert(arguments.end(), {"--user", string_of(in, "user")});
  if (arguments[0] == "peers" && !string_of(in, "room").empty()) arguments.insert(arguments.end(), {"--room", string_of(in, "room")});
  if (arguments[0] == "disconnect") {
    if (!string_of(in, "session").empty()) arguments.insert(arguments.end(), {"--session", string_of(in, "session")});
    else arguments.insert(arguments.end(), {"--user", string_of(in, "user")});
  }
  // The same checks as the client's: a request another client wrote gets the same answer.
  auto request = parse_ctl_arguments(arguments);
  if (!request) return failure(request.error().substr(0, request.error().find('\n')));
  return request;
}

CtlOutput render_answer(const CtlRequest& request, const Json& answer) {
  CtlOutput output;
  const auto ok = answer.find("ok");
  if (!answer.is_object() || ok == answer.end() || !ok->is_boolean()) {
    output.exit_code = kExitUnreachable;
    output.err = "iceway ctl: the server's answer is not one this version understands: " + answer.dump() + "\n";
    return output;
  }
  if (!ok->get<bool>()) {
    output.exit_code = request.command == "reload" && answer.contains("problems") ? kExitRefused : kExitUsage;
    output.err = "iceway ctl " + request.command + ": " + string_of(answer, "error") + "\n";
    if (const auto problems = answer.find("problems"); problems != answer.end() && problems->is_array())
      for (const auto& problem : *problems)
        if (problem.is_string()) output.err += "  " + problem.get<std::string>() + "\n";
    return output;
  }
  if (request.command == "status") {
    if (request.json) {
      output.out = answer.dump(2) + "\n";
      return output;
    }
    const auto number = [&](const char* key) {
      const auto it = answer.find(key);
      return it != answer.end() && it->is_number_integer() ? it->get<std::int64_t>() : std::int64_t{0};
    };
    output.out = string_of(answer, "version") + "\n" +
                 "  state        " + string_of(answer, "state") + "\n" +
                 "  uptime       " + duration_text(number("uptime_seconds")) + "\n" +
                 "  allocations  " + std::to_string(number("allocations")) + "\n" +
                 "  signaling    " + std::to_string(number("signaling_connections")) + " connections\n" +
                 "  config       " + string_of(answer, "config") + "\n";
    return output;
  }
  if (request.command == "reload") {
    const std::string changed = list_of(answer, "changed");
    output.out = "reloaded " + string_of(answer, "config") + "; changed: " + (changed.empty() ? "nothing" : changed) + "\n";
    const std::string restart = list_of(answer, "need_restart");
    if (!restart.empty()) output.err = "iceway ctl reload: changed but needs a restart: " + restart + "\n";
    return output;
  }
  if (request.command == "loglevel") {
    output.out = "log level " + string_of(answer, "level") + "\n";
    return output;
  }
  if (request.command == "sessions" || request.command == "peers") {
    const auto rows = answer.find(request.command);
    const Json list = rows != answer.end() && rows->is_array() ? *rows : Json::array();
    if (request.json) {
      output.out = list.dump(2) + "\n";
      return output;
    }
    const auto cell = [](const Json& row, const char* key) {
      const auto it = row.find(key);
      if (it == row.end() || it->is_null()) return std::string("-");
      if (it->is_string()) return it->get<std::string>();
      if (it->is_array()) {
        std::string joined;
        for (const auto& item : *it) joined += (joined.empty() ? "" : ",") + (item.is_string() ? item.get<std::string>() : item.dump());
        return joined.empty() ? std::string("-") : joined;
      }
      return it->dump();
    };
    const std::vector<std::pair<const char*, const char*>> columns =
        request.command == "sessions"
            ? std::vector<std::pair<const char*, const char*>>{{"ID", "id"}, {"USER", "user"}, {"TRANSPORT", "transport"},
                                                              {"CLIENT", "client"}, {"RELAYED", "relayed"}, {"AGE_S", "age_seconds"},
                                                              {"TO_PEER", "bytes_to_peer"}, {"TO_CLIENT", "bytes_to_client"},
                                                              {"PERMISSIONS", "permissions"}, {"CHANNELS", "channels"}}
            : std::vector<std::pair<const char*, const char*>>{{"PROTOCOL", "protocol"}, {"ID", "id"}, {"REMOTE", "remote"},
                                                              {"ROOMS", "rooms"}};
    std::vector<std::vector<std::string>> table{{}};
    for (const auto& [title, key] : columns) table[0].push_back(title);
    for (const auto& row : list) {
      table.emplace_back();
      for (const auto& [title, key] : columns) table.back().push_back(cell(row, key));
    }
    std::vector<std::size_t> widths(columns.size(), 0);
    for (const auto& line : table)
      for (std::size_t i = 0; i < line.size(); ++i) widths[i] = std::max(widths[i], line[i].size());
    for (const auto& line : table) {
      std::string text;
      for (std::size_t i = 0; i < line.size(); ++i) {
        text += line[i];
        if (i + 1 < line.size()) text += std::string(widths[i] - line[i].size() + 2, ' ');
      }
      output.out += text + "\n";
    }
    return output;
  }
  if (request.command == "disconnect") {
    const auto count = [&](const char* key) {
      const auto it = answer.find(key);
      return it != answer.end() && it->is_number_integer() ? it->get<std::int64_t>() : std::int64_t{0};
    };
    if (count("allocations") == 0 && count("signaling_connections") == 0) {
      output.exit_code = kExitRefused;
      output.err = "iceway ctl disconnect: nothing to end: no allocation or signaling connection " +
                   (request.session.empty() ? "of user " + request.user : "with id " + request.session) +
                   " (see iceway ctl sessions and peers)\n";
      return output;
    }
    output.out = "ended " + std::to_string(count("allocations")) + " allocation(s) and " +
                 std::to_string(count("signaling_connections")) + " signaling connection(s)\n";
    return output;
  }
  // credentials: the RTCConfiguration itself, as `iceway credentials` prints it.
  const auto servers = answer.find("iceServers");
  output.out = Json{{"iceServers", servers != answer.end() ? *servers : Json::array()}}.dump(2) + "\n";
  return output;
}

}  // namespace iceway::app::control
