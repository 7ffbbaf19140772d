#include "metrics/catalogue.hpp"

#include <gtest/gtest.h>

#include <set>
#include <span>
#include <string>
#include <vector>

#include "common/endpoint.hpp"
#include "signal/counters.hpp"
#include "stun/attributes/error_code.hpp"
#include "turn/counters.hpp"
#include "turn/peer_policy.hpp"

namespace iceway::metrics {
namespace {

std::vector<std::string> labels_of(const MetricInfo& info) { return {info.labels.begin(), info.labels.end()}; }

// SPEC §7, written out here by hand so a change to the catalogue that breaks the contract
// with dashboards and alerts fails a test.
TEST(Catalogue, HasEverySpecMetricWithItsLabelsAndType) {
  struct Case {
    const char* name;
    MetricType type;
    std::vector<std::string> labels;
  };
  const Case cases[] = {
      {"iceway_build_info", MetricType::gauge, {"version", "revision"}},
      {"iceway_stun_requests_total", MetricType::counter, {"transport", "method", "result"}},
      {"iceway_turn_allocations_active", MetricType::gauge, {"transport", "family"}},
      {"iceway_turn_allocations_total", MetricType::counter, {"result"}},
      {"iceway_turn_relay_bytes_total", MetricType::counter, {"direction"}},
      {"iceway_turn_relay_packets_total", MetricType::counter, {"direction"}},
      {"iceway_turn_allocations_limit", MetricType::gauge, {}},
      {"iceway_turn_relay_dropped_packets_total", MetricType::counter, {"reason"}},
      {"iceway_turn_permissions_active", MetricType::gauge, {}},
      {"iceway_turn_channels_active", MetricType::gauge, {}},
      {"iceway_turn_peer_denied_total", MetricType::counter, {"reason"}},
      {"iceway_auth_failures_total", MetricType::counter, {"reason"}},
      {"iceway_turn_stream_clients_active", MetricType::gauge, {"transport"}},
      {"iceway_turn_stream_closed_total", MetricType::counter, {"reason"}},
      {"iceway_turn_stale_nonces_total", MetricType::counter, {}},
      {"iceway_turn_udp_send_dropped_total", MetricType::counter, {}},
      {"iceway_turn_udp_gso_messages_total", MetricType::counter, {}},
      {"iceway_turn_udp_receive_dropped_total", MetricType::counter, {}},
      {"iceway_signal_connections_active", MetricType::gauge, {"protocol"}},
      {"iceway_signal_messages_total", MetricType::counter, {"protocol", "type"}},
      {"iceway_signal_rooms_active", MetricType::gauge, {}},
      {"iceway_cluster_redis_connected", MetricType::gauge, {}},
      {"iceway_cluster_redis_losses_total", MetricType::counter, {}},
      {"iceway_cluster_messages_sent_total", MetricType::counter, {}},
      {"iceway_cluster_messages_received_total", MetricType::counter, {}},
      {"iceway_cluster_publish_dropped_total", MetricType::counter, {}},
      {"iceway_cluster_bus_refused_total", MetricType::counter, {}},
      {"iceway_cluster_nodes", MetricType::gauge, {}},
      {"iceway_cluster_remote_peers", MetricType::gauge, {}},
      {"iceway_signal_errors_total", MetricType::counter, {"code"}},
      {"iceway_config_last_reload_success", MetricType::gauge, {}},
      {"iceway_config_last_reload_timestamp_seconds", MetricType::gauge, {}},
      {"iceway_tls_certificate_expiry_timestamp_seconds", MetricType::gauge, {}},
      {"process_cpu_seconds_total", MetricType::counter, {}},
      {"process_resident_memory_bytes", MetricType::gauge, {}},
      {"process_virtual_memory_bytes", MetricType::gauge, {}},
      {"process_open_fds", MetricType::gauge, {}},
      {"process_max_fds", MetricType::gauge, {}},
      {"process_start_time_seconds", MetricType::gauge, {}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const MetricInfo* info = find_metric(c.name);
    ASSERT_NE(info, nullptr);
    EXPECT_EQ(info->type, c.type);
    EXPECT_EQ(labels_of(*info), c.labels);
  }
}

TEST(Catalogue, IsInMetricIdOrderAndLookupFindsEachEntry) {
  ASSERT_EQ(catalogue().size(), kMetricCount);
  for (std::size_t i = 0; i < kMetricCount; ++i) {
    const MetricInfo& info = catalogue()[i];
    SCOPED_TRACE(std::string(info.name));
    EXPECT_EQ(index(info.id), i);
    EXPECT_EQ(&metric_info(info.id), &info);
    EXPECT_EQ(find_metric(info.name), &info);
  }
  EXPECT_EQ(find_metric("iceway_nonexistent_total"), nullptr);
  EXPECT_EQ(find_metric(""), nullptr);
}

TEST(Catalogue, NamesFollowPrometheusConventions) {
  std::set<std::string_view> names;
  for (const MetricInfo& info : catalogue()) {
    SCOPED_TRACE(std::string(info.name));
    EXPECT_TRUE(names.insert(info.name).second) << "duplicate name";
    EXPECT_TRUE(info.name.starts_with("iceway_") || info.name.starts_with("process_"));
    EXPECT_EQ(info.name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_"), std::string_view::npos);
    EXPECT_EQ(info.type == MetricType::counter, info.name.ends_with("_total"));  // SPEC §7
    EXPECT_FALSE(info.help.empty());
    EXPECT_EQ(info.help.find('\n'), std::string_view::npos);
  }
}

// SPEC §7: no label may carry a user name, peer id, room or address. Label names come from
// this closed list; their values from the cores' tables (checked below and in collector_test).
TEST(Catalogue, LabelNamesAreOnlyTheFixedSets) {
  const std::set<std::string_view> allowed{"version", "revision", "transport", "method", "result", "family",
                                           "direction", "reason", "protocol", "type", "code"};
  for (const MetricInfo& info : catalogue()) {
    for (const std::string_view label : info.labels) {
      SCOPED_TRACE(std::string(info.name) + " " + std::string(label));
      EXPECT_TRUE(allowed.contains(label));
    }
  }
}

std::vector<std::string_view> texts(std::span<const std::string_view> values) { return {values.begin(), values.end()}; }

// The label values come from the cores' tables (and the few positions the catalogue names);
// as Prometheus label values they must be distinct plain words, so a dashboard can match
// them without escaping and two slots never merge into one series.
TEST(Catalogue, EveryLabelValueTableHasDistinctPlainTexts) {
  struct Case {
    const char* table;
    std::vector<std::string_view> values;
    std::string_view extra_chars;  // beyond [a-z0-9_]
  };
  std::vector<std::string_view> allocation_results{kAllocationSuccessLabel, kAllocationChallengeLabel};
  for (const auto code : turn::kTurnErrorCodes) allocation_results.push_back(stun::metric_label(code));
  std::vector<std::string_view> transports;
  for (const auto transport : kTransports) transports.push_back(to_string(transport));
  std::vector<std::string_view> families;
  for (const auto family : kFamilies) families.push_back(family_label(family));
  std::vector<std::string_view> peer_reasons;
  for (std::size_t i = 0; i < turn::kPeerReasonCount; ++i) peer_reasons.push_back(turn::label(static_cast<turn::PeerReason>(i)));
  std::vector<std::string_view> protocols;
  for (const auto protocol : signaling::kAllProtocols) protocols.push_back(signaling::to_string(protocol));
  std::vector<std::string_view> error_codes;
  for (const auto& error : signaling::kErrorTable) error_codes.push_back(error.code);

  std::vector<Case> cases = {
      {"transport", transports, ""},
      {"family", families, ""},
      {"turn::kMethodLabels", texts(turn::kMethodLabels), ""},
      {"kRequestResultLabels", texts(kRequestResultLabels), ""},
      {"allocation results", allocation_results, ""},
      {"turn::kDirectionLabels", texts(turn::kDirectionLabels), ""},
      {"kDropReasonLabels", texts(kDropReasonLabels), ""},
      {"turn::kAuthFailureLabels", texts(turn::kAuthFailureLabels), ""},
      {"turn::label(PeerReason)", peer_reasons, ""},
      {"signaling protocols", protocols, ""},
      {"signaling error codes", error_codes, "-"},  // the wire codes of SPEC §6
  };
  for (const auto protocol : signaling::kAllProtocols) {
    cases.push_back({"message types", texts(signaling::message_type_labels(protocol)), ""});
  }
  for (const Case& c : cases) {
    SCOPED_TRACE(c.table);
    EXPECT_FALSE(c.values.empty());
    std::set<std::string_view> seen;
    const std::string allowed = "abcdefghijklmnopqrstuvwxyz0123456789_" + std::string(c.extra_chars);
    for (const std::string_view value : c.values) {
      SCOPED_TRACE(std::string(value));
      EXPECT_FALSE(value.empty());
      EXPECT_NE(value, "unknown");  // a core's fallback text: a value outside its enum
      EXPECT_TRUE(seen.insert(value).second) << "duplicate";
      EXPECT_EQ(value.find_first_not_of(allowed), std::string_view::npos);
    }
  }
}

TEST(Catalogue, NamesTheUnnamedPositionsOfTheTurnCounters) {
  EXPECT_EQ(kRequestResultLabels[0], "success");  // TurnCounters::requests[..][..][0]: ok
  EXPECT_EQ(kRequestResultLabels[1], "error");
  EXPECT_EQ(kAllocationSuccessLabel, "success");
  EXPECT_EQ(kAllocationChallengeLabel, "challenge");
  EXPECT_EQ(kDropReasonLabels[0], "no_permission");
  EXPECT_EQ(kDropReasonLabels[1], "bandwidth");
  EXPECT_EQ(family_label(AddressFamily::ipv4), "ipv4");
  EXPECT_EQ(family_label(AddressFamily::ipv6), "ipv6");
  // The order of TurnCounters::allocations_active: [Transport][family - 1].
  for (std::size_t i = 0; i < kTransports.size(); ++i) EXPECT_EQ(static_cast<std::size_t>(kTransports[i]), i);
  for (std::size_t i = 0; i < kFamilies.size(); ++i) EXPECT_EQ(static_cast<std::size_t>(kFamilies[i]), i + 1);
}

}  // namespace
}  // namespace iceway::metrics
