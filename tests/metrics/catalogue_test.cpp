#include "metrics/catalogue.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "common/endpoint.hpp"

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
      {"iceway_turn_permissions_active", MetricType::gauge, {}},
      {"iceway_turn_channels_active", MetricType::gauge, {}},
      {"iceway_turn_peer_denied_total", MetricType::counter, {}},
      {"iceway_auth_failures_total", MetricType::counter, {"reason"}},
      {"iceway_signal_connections_active", MetricType::gauge, {"protocol"}},
      {"iceway_signal_messages_total", MetricType::counter, {"protocol", "type"}},
      {"iceway_signal_rooms_active", MetricType::gauge, {}},
      {"iceway_signal_errors_total", MetricType::counter, {"code"}},
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
// this closed list; their values from the enum tables (checked in collector_test).
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

template <class Enum>
std::vector<std::string_view> texts(std::size_t count) {
  std::vector<std::string_view> out;
  for (std::size_t i = 0; i < count; ++i) out.push_back(label_value(static_cast<Enum>(i)));
  return out;
}

TEST(Catalogue, EveryLabelValueHasADistinctPlainText) {
  struct Case {
    const char* label_enum;
    std::vector<std::string_view> values;
    std::string_view extra_chars;  // beyond [a-z0-9_]
  };
  const Case cases[] = {
      {"Transport", texts<Transport>(kTransports), ""},
      {"Family", texts<Family>(kFamilies), ""},
      {"StunMethod", texts<StunMethod>(kStunMethods), ""},
      {"StunResult", texts<StunResult>(kStunResults), ""},
      {"AllocationResult", texts<AllocationResult>(kAllocationResults), ""},
      {"Direction", texts<Direction>(kDirections), ""},
      {"DropReason", texts<DropReason>(kDropReasons), ""},
      {"AuthFailure", texts<AuthFailure>(kAuthFailures), ""},
      {"SignalProtocol", texts<SignalProtocol>(kSignalProtocols), ""},
      {"SignalMessage", texts<SignalMessage>(kSignalMessages), ""},
      {"SignalError", texts<SignalError>(kSignalErrors), "-"},  // the wire codes of SPEC §6
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.label_enum);
    std::set<std::string_view> seen;
    const std::string allowed = "abcdefghijklmnopqrstuvwxyz0123456789_" + std::string(c.extra_chars);
    for (const std::string_view value : c.values) {
      SCOPED_TRACE(std::string(value));
      EXPECT_FALSE(value.empty());
      EXPECT_TRUE(seen.insert(value).second) << "duplicate";
      EXPECT_EQ(value.find_first_not_of(allowed), std::string_view::npos);
    }
  }
}

TEST(Catalogue, SpotChecksOfLabelTexts) {
  EXPECT_EQ(label_value(Transport::tls), "tls");
  EXPECT_EQ(label_value(Direction::peer_to_client), "peer_to_client");
  EXPECT_EQ(label_value(StunMethod::create_permission), "create_permission");
  EXPECT_EQ(label_value(StunResult::challenge), "challenge");
  EXPECT_EQ(label_value(AllocationResult::quota_user), "quota_user");
  EXPECT_EQ(label_value(AuthFailure::invalid_nonce), "invalid_nonce");
  EXPECT_EQ(label_value(SignalError::peer_unavailable), "peer-unavailable");
  EXPECT_EQ(label_value(SignalMessage::other), "other");
}

TEST(Catalogue, EachProtocolListsItsOwnMessageTypesAndOther) {
  struct Case {
    SignalProtocol protocol;
    std::vector<SignalMessage> types;
  };
  using enum SignalMessage;
  const Case cases[] = {
      {SignalProtocol::native, {join, leave, signal, broadcast, ping, other}},
      {SignalProtocol::peerjs, {heartbeat, offer, answer, candidate, leave, other}},
      {SignalProtocol::relay, {signal, other}},
      {SignalProtocol::yjs, {subscribe, unsubscribe, publish, ping, other}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(label_value(c.protocol)));
    const auto types = message_types(c.protocol);
    EXPECT_EQ(std::vector<SignalMessage>(types.begin(), types.end()), c.types);
  }
}

TEST(Catalogue, ConvertsTheCoresValueTypes) {
  EXPECT_EQ(label_of(iceway::Transport::udp), Transport::udp);
  EXPECT_EQ(label_of(iceway::Transport::tcp), Transport::tcp);
  EXPECT_EQ(label_of(iceway::Transport::tls), Transport::tls);
  EXPECT_EQ(label_of(iceway::AddressFamily::ipv4), Family::ipv4);
  EXPECT_EQ(label_of(iceway::AddressFamily::ipv6), Family::ipv6);
}

}  // namespace
}  // namespace iceway::metrics
