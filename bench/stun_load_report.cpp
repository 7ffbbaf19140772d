#include "bench/stun_load_report.hpp"

#include <cstdio>
#include <nlohmann/json.hpp>

namespace iceway::bench {

void StunLoadCounts::add(const StunLoadCounts& other) {
  sent += other.sent;
  answered += other.answered;
  timed_out += other.timed_out;
  late += other.late;
  error_responses += other.error_responses;
  malformed += other.malformed;
  wrong_address += other.wrong_address;
  window_full += other.window_full;
  send_errors += other.send_errors;
  refused += other.refused;
}

namespace {

double microseconds(std::chrono::nanoseconds value) { return static_cast<double>(value.count()) / 1000.0; }

std::string format(const char* pattern, auto... values) {
  char line[512];
  std::snprintf(line, sizeof line, pattern, values...);
  return line;
}

}  // namespace

std::string StunLoadReport::to_text() const {
  const auto& o = options;
  std::string mode = o.open_loop() ? format("open loop at %.0f req/s, window %u", o.rate, o.window)
                                   : format("closed loop, window %u", o.window);
  std::string text = format("iceway-bench stun: %s, %u sockets, %s, %u thread%s, timeout %lld ms\n",
                            o.server.to_string().c_str(), o.sockets, mode.c_str(), o.threads,
                            o.threads == 1 ? "" : "s", static_cast<long long>(o.timeout.count()));
  text += format("  sent      %llu in %.2f s (%.0f/s)\n", static_cast<unsigned long long>(counts.sent), send_seconds,
                 sent_per_second());
  text += format("  answered  %llu (%.0f/s)\n", static_cast<unsigned long long>(counts.answered),
                 answered_per_second());
  text += format("  lost      %llu (%.4f%%): %llu timed out, %llu error answers, %llu wrong address\n",
                 static_cast<unsigned long long>(lost()), 100.0 * loss_ratio(),
                 static_cast<unsigned long long>(counts.timed_out),
                 static_cast<unsigned long long>(counts.error_responses),
                 static_cast<unsigned long long>(counts.wrong_address));
  text += format("  latency   p50 %.1f us, p90 %.1f us, p99 %.1f us, p99.9 %.1f us, max %.1f us\n",
                 microseconds(latency.percentile(0.50)), microseconds(latency.percentile(0.90)),
                 microseconds(latency.percentile(0.99)), microseconds(latency.percentile(0.999)),
                 microseconds(latency.max()));
  if (counts.late || counts.malformed || counts.window_full || counts.send_errors || counts.refused) {
    text += format("  other     %llu late, %llu malformed, %llu not sent (window full), %llu send errors, "
                   "%llu port unreachable\n",
                   static_cast<unsigned long long>(counts.late), static_cast<unsigned long long>(counts.malformed),
                   static_cast<unsigned long long>(counts.window_full),
                   static_cast<unsigned long long>(counts.send_errors),
                   static_cast<unsigned long long>(counts.refused));
  }
  const double wall = send_seconds + drain_seconds;
  text += format("  bench CPU %.2f s (user %.2f, system %.2f), %.0f%% of one core\n", cpu_seconds(),
                 cpu_user_seconds, cpu_system_seconds, wall > 0 ? 100.0 * cpu_seconds() / wall : 0.0);
  return text;
}

std::string StunLoadReport::to_json() const {
  const auto& o = options;
  nlohmann::ordered_json json{
      {"tool", "iceway-bench"},
      {"mode", "stun"},
      {"server", o.server.to_string()},
      {"sockets", o.sockets},
      {"window", o.window},
      {"rate", o.rate},
      {"threads", o.threads},
      {"timeout_ms", o.timeout.count()},
      {"send_seconds", send_seconds},
      {"drain_seconds", drain_seconds},
      {"sent", counts.sent},
      {"answered", counts.answered},
      {"answered_per_second", answered_per_second()},
      {"lost", lost()},
      {"loss_ratio", loss_ratio()},
      {"timed_out", counts.timed_out},
      {"late", counts.late},
      {"error_responses", counts.error_responses},
      {"malformed", counts.malformed},
      {"wrong_address", counts.wrong_address},
      {"window_full", counts.window_full},
      {"send_errors", counts.send_errors},
      {"refused", counts.refused},
      {"latency_us",
       {{"p50", microseconds(latency.percentile(0.50))},
        {"p90", microseconds(latency.percentile(0.90))},
        {"p99", microseconds(latency.percentile(0.99))},
        {"p999", microseconds(latency.percentile(0.999))},
        {"max", microseconds(latency.max())}}},
      {"cpu_seconds", {{"user", cpu_user_seconds}, {"system", cpu_system_seconds}, {"total", cpu_seconds()}}},
  };
  return json.dump();
}

}  // namespace iceway::bench
