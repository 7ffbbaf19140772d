#include "app/systemd_notify.hpp"

#include <systemd/sd-daemon.h>
#include <time.h>

namespace iceway::app {

namespace {
// RELOADING=1 must carry MONOTONIC_USEC since systemd 253 (Type=notify-reload); older
// systemd ignores the extra field.
std::string monotonic_usec() {
  timespec now{};
  ::clock_gettime(CLOCK_MONOTONIC, &now);
  return std::to_string(static_cast<unsigned long long>(now.tv_sec) * 1000000ULL + now.tv_nsec / 1000);
}
}  // namespace

void notify_ready(const std::string& status) { ::sd_notify(0, ("READY=1\nSTATUS=" + status).c_str()); }
void notify_reloading() { ::sd_notify(0, ("RELOADING=1\nMONOTONIC_USEC=" + monotonic_usec()).c_str()); }
void notify_stopping(const std::string& status) { ::sd_notify(0, ("STOPPING=1\nSTATUS=" + status).c_str()); }
void notify_status(const std::string& status) { ::sd_notify(0, ("STATUS=" + status).c_str()); }
void notify_watchdog() { ::sd_notify(0, "WATCHDOG=1"); }

std::optional<std::chrono::microseconds> watchdog_ping_interval() {
  std::uint64_t usec = 0;
  if (::sd_watchdog_enabled(0, &usec) <= 0 || usec == 0) return std::nullopt;
  return std::chrono::microseconds(usec / 2);
}

}  // namespace iceway::app
