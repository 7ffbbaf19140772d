#pragma once
// `iceway ctl`'s commands as plain values, for both ends of the control socket: the client
// turns its arguments into one JSON request line and the server's JSON answer into text and an
// exit code; the server parses the request line. Pure (no socket), so every command, every
// refusal and every exit code is unit-tested.
//
//   status [--json]                    version, uptime, ready or draining, allocations, connections
//   reload                             apply the config now; what changed, or every problem (exit 1)
//   loglevel LEVEL                     trace, debug, info, warn, error, critical or off
//   credentials --user U [--ttl T]     a ready {"iceServers":[...]} from the running config
//   sessions [--user U] [--json]       TURN allocations: client, transport, relayed, age, bytes
//   peers [--room R] [--json]          signaling connections: protocol, id, address, rooms
//   disconnect --user U | --session ID ends allocations and signaling connections
//
// Exit codes: 0 done, 1 the server refused (a reload with problems), 2 a usage error (unknown
// command, bad argument), 3 the server could not be reached.
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.hpp"

namespace iceway::app::control {

// `iceway ctl --help` (and its man page, iceway-ctl(8), through help2man).
inline constexpr std::string_view kCtlHelp =
    "Usage: iceway [--config FILE] ctl [--socket PATH] COMMAND [ARGS]\n"
    "Talk to the running iceway over its control socket (admin.control_socket, by default\n"
    "/run/iceway/control.sock; only root and the user iceway runs as may open it).\n"
    "\n"
    "Commands:\n"
    "  status [--json]                 version, uptime, ready or draining, allocations, connections\n"
    "  reload                          apply the configuration file now; prints what changed, or every\n"
    "                                  problem and exits 1 (the server keeps its previous configuration)\n"
    "  loglevel LEVEL                  trace, debug, info, warn, error, critical or off, until the next reload\n"
    "  credentials --user USER [--ttl TTL]\n"
    "                                  a ready {\"iceServers\":[...]} signed with the running server's secret\n"
    "  sessions [--user USER] [--json] TURN allocations: id, user, client, relayed address, age,\n"
    "                                  bytes each way, permissions, channels\n"
    "  peers [--room ROOM] [--json]    signaling connections: protocol, id, address, rooms\n"
    "  disconnect --user USER | --session ID\n"
    "                                  end a user's allocations and signaling connections, or one allocation\n"
    "\n"
    "Options:\n"
    "  --socket PATH                   another control socket\n"
    "  --config FILE                   read admin.control_socket from FILE (before ctl)\n"
    "\n"
    "Exit codes: 0 done, 1 refused by the server, 2 usage error, 3 no server reachable.\n";

inline constexpr int kExitDone = 0;
inline constexpr int kExitRefused = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitUnreachable = 3;

// The longest request line the server reads; a client's never comes near it.
inline constexpr std::size_t kMaxRequestBytes = 4096;

struct CtlRequest {
  std::string command;      // status, reload, loglevel, credentials
  std::string level;        // loglevel
  std::string user;         // credentials
  std::string ttl;          // credentials; "" = auth.credential_ttl
  std::string session;      // disconnect: an allocation id
  std::string room;         // peers
  bool json = false;        // print the answer as JSON (status, sessions, peers)
};

// The command line after `iceway ctl` (and its --socket): the request, or a usage message.
Result<CtlRequest, std::string> parse_ctl_arguments(const std::vector<std::string>& arguments);

nlohmann::json to_json(const CtlRequest& request);
// A request line from a client; the reason when it is not one.
Result<CtlRequest, std::string> parse_request_line(std::string_view line);

struct CtlOutput {
  int exit_code = kExitDone;
  std::string out;  // for stdout
  std::string err;  // for stderr
};
// What the client prints for the server's answer to `request`: {"ok":true,...} or
// {"ok":false,"error":TEXT,"problems":[...]}.
CtlOutput render_answer(const CtlRequest& request, const nlohmann::json& answer);

}  // namespace iceway::app::control
