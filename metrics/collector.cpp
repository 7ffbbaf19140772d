#include "metrics/collector.hpp"

#include <algorithm>
#include <array>
#include <cassert>
#include <cstddef>
#include <initializer_list>
#include <optional>
#include <type_traits>
#include <utility>

#include <prometheus/text_serializer.h>

#include "metrics/catalogue.hpp"
#include "stun/attributes/error_code.hpp"
#include "turn/peer_policy.hpp"

namespace iceway::metrics {
namespace {

using turn::TurnCounters;
using signaling::Counters;

// The label tables must cover the cores' arrays exactly, or a slot would go unexported (or
// be read past its end). A core that grows an array fails to compile here until its new
// positions have label values.
template <class Array>
constexpr std::size_t extent = std::tuple_size_v<std::remove_cvref_t<Array>>;
static_assert(extent<decltype(TurnCounters::allocations_active)> == kTransports.size());
static_assert(extent<decltype(TurnCounters::allocations_active[0])> == kFamilies.size());
static_assert(extent<decltype(TurnCounters::requests)> == kTransports.size());
static_assert(extent<decltype(TurnCounters::requests[0])> == turn::kMethodLabels.size());
static_assert(extent<decltype(TurnCounters::requests[0][0])> == kRequestResultLabels.size());
static_assert(extent<decltype(TurnCounters::relay_bytes)> == turn::kDirectionLabels.size());
static_assert(extent<decltype(TurnCounters::relay_packets)> == turn::kDirectionLabels.size());
static_assert(extent<decltype(TurnCounters::allocations_failed)> == turn::kTurnErrorCodes.size());
static_assert(extent<decltype(TurnCounters::auth_failures)> == turn::kAuthFailureLabels.size());
static_assert(extent<decltype(TurnCounters::peer_denied)> == turn::kPeerReasonCount);
static_assert(extent<decltype(TurnCounters::stream_clients_active)> == kStreamTransports.size());
static_assert(extent<decltype(TurnCounters::stream_closed)> == turn::kStreamCloseLabels.size());
static_assert(extent<decltype(Counters::connections_active)> == signaling::kAllProtocols.size());
static_assert(extent<decltype(Counters::errors)> == signaling::kErrorTable.size());

// The PeerReasons that refuse a peer: their series exist from the first scrape. The other
// four allow the peer and are never counted; were one counted anyway, it would still show.
constexpr std::array kDeniedReasons{turn::PeerReason::unspecified, turn::PeerReason::config_deny,
                                    turn::PeerReason::server_address, turn::PeerReason::loopback,
                                    turn::PeerReason::default_range};
static_assert(turn::kPeerReasonCount == 4 + kDeniedReasons.size(), "a new PeerReason: is it a denial?");

// Builds one family from its catalogue entry, so names, help, type and label names can
// only come from the catalogue.
class FamilyBuilder {
 public:
  explicit FamilyBuilder(MetricId id) : info_(metric_info(id)) {
    family_.name = std::string(info_.name);
    family_.help = std::string(info_.help);
    family_.type = info_.type == MetricType::counter ? prometheus::MetricType::Counter : prometheus::MetricType::Gauge;
  }

  // `values` pairs with the catalogue's label names, in order.
  void sample(double value, std::initializer_list<std::string_view> values) {
    assert(values.size() == info_.labels.size());  // a caller passing the wrong labels is a bug
    prometheus::ClientMetric metric;
    auto name = info_.labels.begin();
    for (const std::string_view label : values) {
      metric.label.push_back({std::string(*name++), std::string(label)});
    }
    if (info_.type == MetricType::counter) {
      metric.counter.value = value;
    } else {
      metric.gauge.value = value;
    }
    family_.metric.push_back(std::move(metric));
  }

  prometheus::MetricFamily take() { return std::move(family_); }

 private:
  const MetricInfo& info_;
  prometheus::MetricFamily family_;
};

// Sums one counter or gauge over all sources. `field` maps a source to the value to read.
template <class Struct, class Field>
double sum(const std::vector<const Struct*>& sources, Field field) {
  double total = 0;
  for (const Struct* source : sources) total += static_cast<double>(field(*source).value());
  return total;
}

std::size_t index_of(Transport transport) { return static_cast<std::size_t>(transport); }
std::size_t index_of(AddressFamily family) { return static_cast<std::size_t>(family) - 1; }  // STUN codes 1, 2

void add_process(std::vector<prometheus::MetricFamily>& out, MetricId id, const std::optional<double>& value) {
  if (!value) return;
  FamilyBuilder family(id);
  family.sample(*value, {});
  out.push_back(family.take());
}

}  // namespace

BuildInfo this_build() { return {ICEWAY_METRICS_VERSION, ICEWAY_METRICS_REVISION}; }

Collector::Collector(BuildInfo build) : build_(std::move(build)) {}

void Collector::add_source(const TurnCounters& counters) {
  const std::lock_guard lock(mutex_);
  turn_.push_back(&counters);
}
void Collector::add_source(const Counters& counters) {
  const std::lock_guard lock(mutex_);
  signal_.push_back(&counters);
}
void Collector::add_source(const net::SendTally& sends) {
  const std::lock_guard lock(mutex_);
  sends_.push_back(&sends);
}
void Collector::add_source(const net::ReceiveTally& receives) {
  const std::lock_guard lock(mutex_);
  receives_.push_back(&receives);
}
void Collector::set_allocation_limit(std::uint64_t limit) { allocation_limit_.store(limit, std::memory_order_relaxed); }
void Collector::set_last_reload(bool applied, double unix_seconds) {
  const std::lock_guard lock(mutex_);
  reload_applied_ = applied;
  reload_unix_seconds_ = unix_seconds;
}
void Collector::set_tls_certificate_expiry(std::optional<double> unix_seconds) {
  const std::lock_guard lock(mutex_);
  certificate_expiry_ = unix_seconds;
}

std::vector<prometheus::MetricFamily> Collector::collect(const ProcessStats& process) const {
  std::vector<prometheus::MetricFamily> out;
  out.reserve(kMetricCount);
  const std::lock_guard lock(mutex_);

  {
    FamilyBuilder family(MetricId::build_info);
    family.sample(1, {build_.version, build_.revision});
    out.push_back(family.take());
  }
  {
    FamilyBuilder family(MetricId::stun_requests);
    for (const Transport transport : kTransports) {
      for (std::size_t method = 0; method < turn::kMethodLabels.size(); ++method) {
        for (std::size_t result = 0; result < kRequestResultLabels.size(); ++result) {
          const double value = sum(turn_, [&](const TurnCounters& counters) -> auto& {
            return counters.requests[index_of(transport)][method][result];
          });
          family.sample(value, {to_string(transport), turn::kMethodLabels[method], kRequestResultLabels[result]});
        }
      }
    }
    out.push_back(family.take());
  }
  {
    FamilyBuilder family(MetricId::turn_allocations_active);
    for (const Transport transport : kTransports) {
      for (const AddressFamily address_family : kFamilies) {
        const double value = sum(turn_, [&](const TurnCounters& counters) -> auto& {
          return counters.allocations_active[index_of(transport)][index_of(address_family)];
        });
        family.sample(value, {to_string(transport), family_label(address_family)});
      }
    }
    out.push_back(family.take());
  }
  {
    FamilyBuilder family(MetricId::turn_allocations_limit);
    family.sample(static_cast<double>(allocation_limit_.load(std::memory_order_relaxed)), {});
    out.push_back(family.take());
  }
  {
    FamilyBuilder family(MetricId::turn_allocations);
    family.sample(sum(turn_, [](const TurnCounters& counters) -> auto& { return counters.allocations_succeeded; }),
                  {kAllocationSuccessLabel});
    for (std::size_t i = 0; i < turn::kTurnErrorCodes.size(); ++i) {
      family.sample(sum(turn_, [&](const TurnCounters& counters) -> auto& { return counters.allocations_failed[i]; }),
                    {stun::metric_label(turn::kTurnErrorCodes[i])});
    }
    family.sample(sum(turn_, [](const TurnCounters& counters) -> auto& { return counters.challenges; }),
                  {kAllocationChallengeLabel});
    out.push_back(family.take());
  }
  {
    FamilyBuilder bytes(MetricId::turn_relay_bytes);
    FamilyBuilder packets(MetricId::turn_relay_packets);
    for (std::size_t direction = 0; direction < turn::kDirectionLabels.size(); ++direction) {
      bytes.sample(sum(turn_, [&](const TurnCounters& counters) -> auto& { return counters.relay_bytes[direction]; }),
                   {turn::kDirectionLabels[direction]});
      packets.sample(sum(turn_, [&](const TurnCounters& counters) -> auto& { return counters.relay_packets[direction]; }),
                     {turn::kDirectionLabels[direction]});
    }
    out.push_back(bytes.take());
    out.push_back(packets.take());
  }
  {
    FamilyBuilder family(MetricId::turn_relay_dropped_packets);
    family.sample(sum(turn_, [](const TurnCounters& counters) -> auto& { return counters.relay_dropped_no_permission; }),
                  {kDropReasonLabels[0]});
    family.sample(sum(turn_, [](const TurnCounters& counters) -> auto& { return counters.relay_dropped_bandwidth; }),
                  {kDropReasonLabels[1]});
    family.sample(sum(turn_, [](const TurnCounters& counters) -> auto& { return counters.relay_dropped_no_allocation; }),
                  {kDropReasonLabels[2]});
    family.sample(sum(turn_, [](const TurnCounters& counters) -> auto& { return counters.relay_dropped_detached; }),
                  {kDropReasonLabels[3]});
    family.sample(sum(turn_, [](const TurnCounters& counters) -> auto& { return counters.relay_dropped_malformed; }),
                  {kDropReasonLabels[4]});
    out.push_back(family.take());
  }
  {
    FamilyBuilder permissions(MetricId::turn_permissions_active);
    permissions.sample(sum(turn_, [](const TurnCounters& counters) -> auto& { return counters.permissions_active; }), {});
    out.push_back(permissions.take());
    FamilyBuilder channels(MetricId::turn_channels_active);
    channels.sample(sum(turn_, [](const TurnCounters& counters) -> auto& { return counters.channels_active; }), {});
    out.push_back(channels.take());
  }
  {
    FamilyBuilder family(MetricId::turn_peer_denied);
    for (std::size_t i = 0; i < turn::kPeerReasonCount; ++i) {
      const auto reason = static_cast<turn::PeerReason>(i);
      const double value = sum(turn_, [&](const TurnCounters& counters) -> auto& { return counters.peer_denied[i]; });
      const bool denial = std::find(kDeniedReasons.begin(), kDeniedReasons.end(), reason) != kDeniedReasons.end();
      if (value == 0 && !denial) continue;
      family.sample(value, {turn::label(reason)});
    }
    out.push_back(family.take());
  }
  {
    FamilyBuilder family(MetricId::auth_failures);
    for (std::size_t i = 0; i < turn::kAuthFailureLabels.size(); ++i) {
      family.sample(sum(turn_, [&](const TurnCounters& counters) -> auto& { return counters.auth_failures[i]; }),
                    {turn::kAuthFailureLabels[i]});
    }
    out.push_back(family.take());
  }
  {
    FamilyBuilder family(MetricId::turn_stream_clients_active);
    for (std::size_t i = 0; i < kStreamTransports.size(); ++i) {
      family.sample(sum(turn_, [&](const TurnCounters& counters) -> auto& { return counters.stream_clients_active[i]; }),
                    {iceway::to_string(kStreamTransports[i])});
    }
    out.push_back(family.take());
  }
  {
    FamilyBuilder family(MetricId::turn_stream_closed);
    for (std::size_t i = 0; i < turn::kStreamCloseLabels.size(); ++i) {
      family.sample(sum(turn_, [&](const TurnCounters& counters) -> auto& { return counters.stream_closed[i]; }),
                    {turn::kStreamCloseLabels[i]});
    }
    out.push_back(family.take());
  }
  {
    FamilyBuilder family(MetricId::turn_stale_nonces);
    family.sample(sum(turn_, [](const TurnCounters& counters) -> auto& { return counters.stale_nonces; }), {});
    out.push_back(family.take());
  }
  {
    double dropped = 0;
    double gso_messages = 0;
    for (const net::SendTally* sends : sends_) {
      dropped += static_cast<double>(sends->dropped());
      gso_messages += static_cast<double>(sends->gso_messages());
    }
    FamilyBuilder dropped_family(MetricId::turn_udp_send_dropped);
    dropped_family.sample(dropped, {});
    out.push_back(dropped_family.take());
    FamilyBuilder gso_family(MetricId::turn_udp_gso_messages);
    gso_family.sample(gso_messages, {});
    out.push_back(gso_family.take());
    double overflowed = 0;
    for (const net::ReceiveTally* receives : receives_) overflowed += static_cast<double>(receives->overflowed());
    FamilyBuilder receive_family(MetricId::turn_udp_receive_dropped);
    receive_family.sample(overflowed, {});
    out.push_back(receive_family.take());
  }
  {
    FamilyBuilder family(MetricId::signal_connections_active);
    for (const signaling::Protocol protocol : signaling::kAllProtocols) {
      family.sample(
          sum(signal_, [&](const Counters& counters) -> auto& { return counters.connections_active[index(protocol)]; }),
          {signaling::to_string(protocol)});
    }
    out.push_back(family.take());
  }
  {
    // Each protocol's own message types, from the signaling core's tables; a slot past a
    // protocol's table is never written (Counters::count_message takes the table's index).
    FamilyBuilder family(MetricId::signal_messages);
    for (const signaling::Protocol protocol : signaling::kAllProtocols) {
      const auto types = signaling::message_type_labels(protocol);
      for (std::size_t type = 0; type < types.size(); ++type) {
        family.sample(sum(signal_, [&](const Counters& counters) -> auto& { return counters.messages[index(protocol)][type]; }),
                      {signaling::to_string(protocol), types[type]});
      }
    }
    out.push_back(family.take());
  }
  {
    FamilyBuilder family(MetricId::signal_rooms_active);
    family.sample(sum(signal_, [](const Counters& counters) -> auto& { return counters.rooms_active; }), {});
    out.push_back(family.take());
  }
  {
    FamilyBuilder family(MetricId::signal_errors);
    for (std::size_t code = 0; code < signaling::kErrorTable.size(); ++code) {
      family.sample(sum(signal_, [&](const Counters& counters) -> auto& { return counters.errors[code]; }),
                    {signaling::kErrorTable[code].code});
    }
    out.push_back(family.take());
  }

  // [cluster] (signal/cluster/cluster_counters.hpp): 0 on a single node.
  for (const auto& [id, field] : {std::pair{MetricId::cluster_redis_connected, &signaling::cluster::ClusterCounters::redis_connected},
                                  std::pair{MetricId::cluster_redis_losses, &signaling::cluster::ClusterCounters::redis_losses},
                                  std::pair{MetricId::cluster_messages_sent, &signaling::cluster::ClusterCounters::frames_sent},
                                  std::pair{MetricId::cluster_messages_received, &signaling::cluster::ClusterCounters::frames_received},
                                  std::pair{MetricId::cluster_publish_dropped, &signaling::cluster::ClusterCounters::publish_dropped},
                                  std::pair{MetricId::cluster_bus_refused, &signaling::cluster::ClusterCounters::bus_refused},
                                  std::pair{MetricId::cluster_nodes, &signaling::cluster::ClusterCounters::nodes},
                                  std::pair{MetricId::cluster_remote_peers, &signaling::cluster::ClusterCounters::remote_peers}}) {
    FamilyBuilder family(id);
    family.sample(sum(signal_, [field = field](const Counters& counters) -> auto& { return counters.cluster.*field; }), {});
    out.push_back(family.take());
  }
  add_process(out, MetricId::config_last_reload_success,
              reload_applied_ ? std::optional<double>(*reload_applied_ ? 1.0 : 0.0) : std::nullopt);
  add_process(out, MetricId::config_last_reload_timestamp_seconds, reload_unix_seconds_);
  add_process(out, MetricId::tls_certificate_expiry_timestamp_seconds, certificate_expiry_);
  add_process(out, MetricId::process_cpu_seconds, process.cpu_seconds);
  add_process(out, MetricId::process_resident_memory_bytes, process.resident_bytes);
  add_process(out, MetricId::process_virtual_memory_bytes, process.virtual_bytes);
  add_process(out, MetricId::process_open_fds, process.open_fds);
  add_process(out, MetricId::process_max_fds, process.max_fds);
  add_process(out, MetricId::process_start_time_seconds, process.start_time_seconds);
  return out;
}

std::string Collector::render_metrics() const { return serialize(collect(read_process_stats())); }

std::string serialize(const std::vector<prometheus::MetricFamily>& families) {
  return prometheus::TextSerializer().Serialize(families);
}

}  // namespace iceway::metrics
