#include "app/reload_plan.hpp"

namespace iceway::app {

ReloadPlan plan_reload(const Config& started, const Config& running, const Config& next) {
  ReloadPlan plan;
  for (const ConfigKey& key : config_keys()) {
    if (key.current == nullptr) continue;
    const bool applies = key.reload == OnReload::applies;
    if (key.current(applies ? running : started) == key.current(next)) continue;
    (applies ? plan.applied : plan.need_restart).emplace_back(key.name);
  }
  // TLS listeners open at start only when a certificate was configured then.
  if (!started.tls.enabled() && next.tls.enabled()) {
    std::erase_if(plan.applied, [](const std::string& key) { return key.starts_with("tls."); });
    plan.need_restart.push_back("tls (TLS listeners open at start)");
  }
  return plan;
}

}  // namespace iceway::app
