#pragma once
// sd_notify for Type=notify units (SPEC §8): READY once listening, RELOADING around a
// SIGHUP, STOPPING on drain, WATCHDOG pings at half the unit's WatchdogSec. All calls are
// no-ops when NOTIFY_SOCKET is unset (not under systemd).
#include <chrono>
#include <optional>
#include <string>

namespace iceway::app {

void notify_ready(const std::string& status);
void notify_reloading();
void notify_stopping(const std::string& status);
void notify_status(const std::string& status);
void notify_watchdog();
// Half the watchdog interval systemd asked for, or nullopt when there is no watchdog.
std::optional<std::chrono::microseconds> watchdog_ping_interval();

}  // namespace iceway::app
