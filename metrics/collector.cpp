#include "metrics/collector.hpp"

#include <array>
#include <cassert>
#include <initializer_list>
#include <optional>
#include <span>
#include <utility>

#include <prometheus/text_serializer.h>

#include "metrics/catalogue.hpp"

namespace iceway::metrics {
namespace {

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

template <class Enum, std::size_t Count>
constexpr auto all_values() {
  std::array<Enum, Count> values{};
  for (std::size_t i = 0; i < Count; ++i) values[i] = static_cast<Enum>(i);
  return values;
}
constexpr auto kAllTransports = all_values<Transport, kTransports>();
constexpr auto kAllFamilies = all_values<Family, kFamilies>();
constexpr auto kAllStunMethods = all_values<StunMethod, kStunMethods>();
constexpr auto kAllStunResults = all_values<StunResult, kStunResults>();
constexpr auto kAllAllocationResults = all_values<AllocationResult, kAllocationResults>();
constexpr auto kAllDirections = all_values<Direction, kDirections>();
constexpr auto kAllDropReasons = all_values<DropReason, kDropReasons>();
constexpr auto kAllAuthFailures = all_values<AuthFailure, kAuthFailures>();
constexpr auto kAllSignalProtocols = all_values<SignalProtocol, kSignalProtocols>();
constexpr auto kAllSignalMessages = all_values<SignalMessage, kSignalMessages>();
constexpr auto kAllSignalErrors = all_values<SignalError, kSignalErrors>();

// Sums one field over all sources. `field` maps a source to the atomic to read.
template <class Struct, class Field>
double sum(const std::vector<const Struct*>& sources, Field field) {
  double total = 0;
  for (const Struct* source : sources) total += static_cast<double>(read(field(*source)));
  return total;
}

bool is_listed(std::span<const SignalMessage> types, SignalMessage type) {
  for (const SignalMessage listed : types) {
    if (listed == type) return true;
  }
  return false;
}

void add_process(std::vector<prometheus::MetricFamily>& out, MetricId id, const std::optional<double>& value) {
  if (!value) return;
  FamilyBuilder family(id);
  family.sample(*value, {});
  out.push_back(family.take());
}

}  // namespace

BuildInfo this_build() { return {ICEWAY_METRICS_VERSION, ICEWAY_METRICS_REVISION}; }

Collector::Collector(BuildInfo build) : build_(std::move(build)) {}

void Collector::add_source(const StunCounters& counters) {
  const std::lock_guard lock(mutex_);
  stun_.push_back(&counters);
}
void Collector::add_source(const TurnCounters& counters) {
  const std::lock_guard lock(mutex_);
  turn_.push_back(&counters);
}
void Collector::add_source(const SignalCounters& counters) {
  const std::lock_guard lock(mutex_);
  signal_.push_back(&counters);
}
void Collector::set_allocation_limit(std::uint64_t limit) { allocation_limit_.store(limit, std::memory_order_relaxed); }

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
    for (const auto transport : kAllTransports) {
      for (const auto method : kAllStunMethods) {
        for (const auto result : kAllStunResults) {
          const double value = sum(stun_, [&](const StunCounters& counters) -> auto& {
            return counters.requests[index(transport)][index(method)][index(result)];
          });
          family.sample(value, {label_value(transport), label_value(method), label_value(result)});
        }
      }
    }
    out.push_back(family.take());
  }
  {
    FamilyBuilder family(MetricId::turn_allocations_active);
    for (const auto transport : kAllTransports) {
      for (const auto address_family : kAllFamilies) {
        const double value = sum(turn_, [&](const TurnCounters& counters) -> auto& {
          return counters.allocations_active[index(transport)][index(address_family)];
        });
        family.sample(value, {label_value(transport), label_value(address_family)});
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
    for (const auto result : kAllAllocationResults) {
      family.sample(sum(turn_, [&](const TurnCounters& counters) -> auto& { return counters.allocations[index(result)]; }),
                    {label_value(result)});
    }
    out.push_back(family.take());
  }
  {
    FamilyBuilder bytes(MetricId::turn_relay_bytes);
    FamilyBuilder packets(MetricId::turn_relay_packets);
    for (const auto direction : kAllDirections) {
      bytes.sample(sum(turn_, [&](const TurnCounters& counters) -> auto& { return counters.relay_bytes[index(direction)]; }),
                   {label_value(direction)});
      packets.sample(
          sum(turn_, [&](const TurnCounters& counters) -> auto& { return counters.relay_packets[index(direction)]; }),
          {label_value(direction)});
    }
    out.push_back(bytes.take());
    out.push_back(packets.take());
  }
  {
    FamilyBuilder family(MetricId::turn_relay_dropped_packets);
    for (const auto direction : kAllDirections) {
      for (const auto reason : kAllDropReasons) {
        const double value = sum(turn_, [&](const TurnCounters& counters) -> auto& {
          return counters.relay_dropped[index(direction)][index(reason)];
        });
        family.sample(value, {label_value(direction), label_value(reason)});
      }
    }
    out.push_back(family.take());
  }
  {
    FamilyBuilder permissions(MetricId::turn_permissions_active);
    permissions.sample(sum(turn_, [](const TurnCounters& counters) -> auto& { return counters.permissions_active; }), {});
    out.push_back(permissions.take());
    FamilyBuilder channels(MetricId::turn_channels_active);
    channels.sample(sum(turn_, [](const TurnCounters& counters) -> auto& { return counters.channels_active; }), {});
    out.push_back(channels.take());
    FamilyBuilder denied(MetricId::turn_peer_denied);
    denied.sample(sum(turn_, [](const TurnCounters& counters) -> auto& { return counters.peer_denied; }), {});
    out.push_back(denied.take());
  }
  {
    // TURN workers and signaling both refuse credentials; one family, one reason set.
    FamilyBuilder family(MetricId::auth_failures);
    for (const auto reason : kAllAuthFailures) {
      const double value =
          sum(turn_, [&](const TurnCounters& counters) -> auto& { return counters.auth_failures[index(reason)]; }) +
          sum(signal_, [&](const SignalCounters& counters) -> auto& { return counters.auth_failures[index(reason)]; });
      family.sample(value, {label_value(reason)});
    }
    out.push_back(family.take());
  }
  {
    FamilyBuilder family(MetricId::signal_connections_active);
    for (const auto protocol : kAllSignalProtocols) {
      family.sample(
          sum(signal_, [&](const SignalCounters& counters) -> auto& { return counters.connections_active[index(protocol)]; }),
          {label_value(protocol)});
    }
    out.push_back(family.take());
  }
  {
    // A protocol's own message types are exported from the first scrape at 0; a pair the
    // protocol does not define shows up only if something counted it, so it is never lost
    // and never clutters the exposition.
    FamilyBuilder family(MetricId::signal_messages);
    for (const auto protocol : kAllSignalProtocols) {
      for (const auto type : kAllSignalMessages) {
        const double value = sum(signal_, [&](const SignalCounters& counters) -> auto& {
          return counters.messages[index(protocol)][index(type)];
        });
        if (value == 0 && !is_listed(message_types(protocol), type)) continue;
        family.sample(value, {label_value(protocol), label_value(type)});
      }
    }
    out.push_back(family.take());
  }
  {
    FamilyBuilder family(MetricId::signal_rooms_active);
    family.sample(sum(signal_, [](const SignalCounters& counters) -> auto& { return counters.rooms_active; }), {});
    out.push_back(family.take());
  }
  {
    FamilyBuilder family(MetricId::signal_errors);
    for (const auto code : kAllSignalErrors) {
      family.sample(sum(signal_, [&](const SignalCounters& counters) -> auto& { return counters.errors[index(code)]; }),
                    {label_value(code)});
    }
    out.push_back(family.take());
  }

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
