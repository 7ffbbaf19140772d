#pragma once
// What a reload changes, as a value: every key of the table (config_keys.hpp) whose value the
// new Config changes, sorted by whether the reload puts it in force or it waits for a
// restart. A key read at start only is compared with the Config the process started with, so
// it is reported at every reload until the restart, never silently taken as done. Pure, so each key's classification is unit-tested; the
// server applies the new Config and reports the plan (log line, `iceway ctl reload`).
#include <string>
#include <vector>

#include "app/config.hpp"

namespace iceway::app {

struct ReloadPlan {
  std::vector<std::string> applied;       // keys whose new value is in force after the reload
  std::vector<std::string> need_restart;  // keys that changed but are read at start only
};

ReloadPlan plan_reload(const Config& started, const Config& running, const Config& next);

}  // namespace iceway::app
