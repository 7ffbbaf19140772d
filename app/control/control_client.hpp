#pragma once
// The client's end of `iceway ctl`: one request to the socket, the answer rendered
// (ctl_command.hpp). Blocking, bounded by a 10 s timeout; a missing socket or a refused
// permission is a message saying what to do, with exit code 3.
#include <string>

#include "app/control/ctl_command.hpp"

namespace iceway::app::control {

CtlOutput run_ctl(const std::string& socket_path, const CtlRequest& request);

}  // namespace iceway::app::control
