#pragma once
// What one `iceway-bench stun` run measured, and its two renderings: a few lines of text for
// people and one JSON line for scripts (bench/stun-vs-coturn.sh reads it).
#include <cstdint>
#include <string>

#include "bench/latency_histogram.hpp"
#include "bench/stun_load_options.hpp"

namespace iceway::bench {

// Counts from one load thread; the run's report adds them up.
struct StunLoadCounts {
  std::uint64_t sent = 0;             // requests the kernel accepted
  std::uint64_t answered = 0;         // Binding success answers matched to a request in flight
  std::uint64_t timed_out = 0;        // no answer within the timeout
  std::uint64_t late = 0;             // answers to requests no longer in flight (after their timeout)
  std::uint64_t error_responses = 0;  // Binding error answers (their request counts as lost)
  std::uint64_t malformed = 0;        // datagrams that are not a STUN Binding answer to this run
  std::uint64_t wrong_address = 0;    // success answers whose XOR-MAPPED-ADDRESS is not the socket's address
  std::uint64_t window_full = 0;      // open loop: requests not sent because the window was full
  std::uint64_t send_errors = 0;      // requests the kernel refused (counted neither sent nor lost)
  std::uint64_t refused = 0;          // ICMP port unreachable reports (no server on that port)

  void add(const StunLoadCounts& other);
};

struct StunLoadReport {
  StunLoadOptions options;
  StunLoadCounts counts;
  LatencyHistogram latency;
  double send_seconds = 0;   // how long requests were being sent (the rate's denominator)
  double drain_seconds = 0;  // waiting for the last answers afterwards
  double cpu_user_seconds = 0;    // this process, the whole run (set-up included)
  double cpu_system_seconds = 0;

  // Requests sent and not answered in time (timed out, or answered with an error or a wrong
  // address). Late answers do not reduce it: they came after the timeout.
  std::uint64_t lost() const { return counts.sent - counts.answered; }
  double loss_ratio() const { return counts.sent == 0 ? 0 : static_cast<double>(lost()) / counts.sent; }
  double answered_per_second() const { return send_seconds > 0 ? counts.answered / send_seconds : 0; }
  double sent_per_second() const { return send_seconds > 0 ? counts.sent / send_seconds : 0; }
  double cpu_seconds() const { return cpu_user_seconds + cpu_system_seconds; }

  std::string to_text() const;
  // One line, no trailing newline. Latencies in microseconds.
  std::string to_json() const;
};

}  // namespace iceway::bench
