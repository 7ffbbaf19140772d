#pragma once
// Adds up the cores' own counter structs at scrape time (turn::TurnCounters, one per TURN
// worker; signaling::Counters, the signaling server's) and renders the Prometheus text
// exposition (format 0.0.4) with prometheus-cpp's TextSerializer. Only app/ and the admin
// endpoint use this header; the cores never see prometheus-cpp, and metrics/ owns no
// counter of its own: each metric is counted once, by the core that knows it happened.
//
// Threads: add_source() and the set_ functions may be called from any thread, also
// while a scrape runs (a mutex guards the source lists); collect() and render_metrics()
// may run on several threads at once. Registered structs are read through relaxed atomic
// loads and must outlive every later scrape: register a worker's structs once they exist
// and destroy the collector (or stop serving /metrics) before the workers go.
#include <atomic>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <prometheus/metric_family.h>

#include "metrics/process_stats.hpp"
#include "net/receive_tally.hpp"
#include "net/send_tally.hpp"
#include "signal/counters.hpp"
#include "turn/counters.hpp"

namespace iceway::metrics {

// The Content-Type of /metrics (Prometheus text format 0.0.4).
inline constexpr std::string_view kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

struct BuildInfo {
  std::string version;   // PROJECT_VERSION, e.g. "0.1.0"
  std::string revision;  // ICEWAY_GIT_REVISION, e.g. "13593da1c2f0"
};
// This build's version and revision, as CMake configured them.
BuildInfo this_build();

class Collector {
 public:
  explicit Collector(BuildInfo build);

  // One per TURN worker (TurnWorker::counters()); the workers are summed at scrape time.
  void add_source(const turn::TurnCounters& counters);
  // The signaling server's (SignalServer::counters()); several would be summed too.
  void add_source(const signaling::Counters& counters);
  // One per TURN worker too (TurnWorker::udp_sends()): what became of its UDP sends.
  void add_source(const net::SendTally& sends);
  // And TurnWorker::udp_receives(): the datagrams dropped at its full receive buffers.
  void add_source(const net::ReceiveTally& receives);
  // turn.max_allocations, exported so an alert can compare the active count with it;
  // called at start and on every reload.
  void set_allocation_limit(std::uint64_t limit);
  // The outcome of the last configuration load (the start counts as one), and its Unix time:
  // a refused SIGHUP leaves the server running the old config, which only this shows.
  void set_last_reload(bool applied, double unix_seconds);
  // The served certificate's notAfter (Unix time), or nullopt while TLS is off; set at start
  // and on every reload, since a renewal that was not picked up looks healthy until it expires.
  void set_tls_certificate_expiry(std::optional<double> unix_seconds);

  // Every catalogue metric summed over the sources, plus the process metrics present in
  // `process`, in catalogue order. Pure apart from reading the registered counters.
  std::vector<prometheus::MetricFamily> collect(const ProcessStats& process) const;

  // The /metrics body: collect(read_process_stats()) in the text format.
  std::string render_metrics() const;

 private:
  BuildInfo build_;
  std::atomic<std::uint64_t> allocation_limit_{0};
  mutable std::mutex mutex_;  // guards the four source lists and the three optionals below
  std::vector<const turn::TurnCounters*> turn_;
  std::vector<const signaling::Counters*> signal_;
  std::vector<const net::SendTally*> sends_;
  std::vector<const net::ReceiveTally*> receives_;
  // Unset until the server reports them, and then absent from the scrape: a unit test or a
  // server without TLS exports no made-up value.
  std::optional<bool> reload_applied_;
  std::optional<double> reload_unix_seconds_;
  std::optional<double> certificate_expiry_;
};

// The text exposition of `families` (prometheus::TextSerializer).
std::string serialize(const std::vector<prometheus::MetricFamily>& families);

}  // namespace iceway::metrics
