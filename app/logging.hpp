#pragma once
// Logs go to stderr (journald under systemd), one line per event, as text or JSON
// (SPEC §8). Call setup_logging() once at start and again on reload; everything else uses
// spdlog's default logger.
#include <string>

namespace iceway::app {

// level: trace, debug, info, warn, error, off; format: text or json.
void setup_logging(const std::string& level, const std::string& format);

}  // namespace iceway::app
