#pragma once
// The command line: `iceway [options]` runs the server; `iceway --check-config`,
// `iceway --version`, `iceway credentials --user NAME --ttl 1h` and `iceway ctl COMMAND` (to the
// running server, app/control/) are one-shot commands.
// Named flags (--listen, --realm, ...) are shorthands for `--set section.key=value`, so flags
// and the file go through one validation.
#include <optional>
#include <string>
#include <vector>

namespace iceway::app {

struct CommandLine {
  enum class Command { run, check_config, version, credentials, ctl };
  Command command = Command::run;
  std::optional<std::string> config_path;
  std::vector<std::string> overrides;  // section.key=value, in the order given
  std::string credentials_user;
  std::string credentials_ttl;         // empty = auth.credential_ttl
  std::string ctl_socket;              // empty = admin.control_socket
  std::vector<std::string> ctl_arguments;  // the command and its arguments
};

// Parses argv. On --help or a usage error, prints to stdout/stderr and returns the process
// exit code in `exit_code` with nullopt.
std::optional<CommandLine> parse_command_line(int argc, char** argv, int& exit_code);

}  // namespace iceway::app
