#include "metrics/collector.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <map>
#include <set>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "bump.hpp"
#include "exposition.hpp"
#include "metrics/catalogue.hpp"
#include "stun/attributes/error_code.hpp"
#include "turn/peer_policy.hpp"

namespace iceway::metrics {
namespace {

using testing::bump_all;
using testing::Exposition;
using testing::Labels;
using testing::parse_exposition;

// Two TURN workers and the signaling server, as app/ registers them: the cores' own
// counter structs, moved through the cores' own counting API.
struct Workers {
  turn::TurnCounters turn[2];
  net::SendTally sends[2];
  net::ReceiveTally receives[2];
  signaling::Counters signal;
  Collector collector{{"1.2.3", "abcdef123456"}};

  Workers() {
    for (auto& worker : turn) collector.add_source(worker);
    for (auto& worker : sends) collector.add_source(worker);
    for (auto& worker : receives) collector.add_source(worker);
    collector.add_source(signal);
  }

  Exposition scrape(const ProcessStats& process = {}) const {
    const std::string text = serialize(collector.collect(process));
    Exposition exposition = parse_exposition(text);
    EXPECT_TRUE(exposition.errors.empty()) << ::testing::PrintToString(exposition.errors) << "\n" << text;
    return exposition;
  }
};

TEST(Collector, FreshScrapeHasEveryCatalogueMetricWithItsHelpAndType) {
  Workers workers;
  workers.collector.set_last_reload(true, 1700000100);
  workers.collector.set_tls_certificate_expiry(1800000000);
  ProcessStats process;
  process.cpu_seconds = 1.5;
  process.resident_bytes = 4096;
  process.virtual_bytes = 8192;
  process.start_time_seconds = 1700000000;
  process.open_fds = 7;
  process.max_fds = 1024;
  const Exposition exposition = workers.scrape(process);

  ASSERT_EQ(exposition.families.size(), kMetricCount);
  for (std::size_t i = 0; i < kMetricCount; ++i) {
    const MetricInfo& info = catalogue()[i];
    SCOPED_TRACE(std::string(info.name));
    EXPECT_EQ(exposition.families[i].name, info.name);  // catalogue order
    EXPECT_EQ(exposition.families[i].help, info.help);
    EXPECT_EQ(exposition.families[i].type, info.type == MetricType::counter ? "counter" : "gauge");
    EXPECT_FALSE(exposition.families[i].samples.empty());
  }
  EXPECT_EQ(exposition.value("iceway_build_info", {{"version", "1.2.3"}, {"revision", "abcdef123456"}}), 1);
  EXPECT_EQ(exposition.value("process_cpu_seconds_total"), 1.5);
  EXPECT_EQ(exposition.value("process_resident_memory_bytes"), 4096);
  EXPECT_EQ(exposition.value("process_virtual_memory_bytes"), 8192);
  EXPECT_EQ(exposition.value("process_start_time_seconds"), 1700000000);
  EXPECT_EQ(exposition.value("process_open_fds"), 7);
  EXPECT_EQ(exposition.value("process_max_fds"), 1024);
}

// What the server has not reported is absent rather than a made-up 0: a 0 reload success or a
// certificate expiring in 1970 would fire the alerts on a server that has no TLS.
TEST(Collector, ReloadAndCertificateGaugesAreAbsentUntilReportedAndFollowTheLastReport) {
  Workers workers;
  Exposition exposition = workers.scrape();
  EXPECT_EQ(exposition.find("iceway_config_last_reload_success"), nullptr);
  EXPECT_EQ(exposition.find("iceway_config_last_reload_timestamp_seconds"), nullptr);
  EXPECT_EQ(exposition.find("iceway_tls_certificate_expiry_timestamp_seconds"), nullptr);

  workers.collector.set_last_reload(true, 1700000000);
  workers.collector.set_tls_certificate_expiry(1710000000);
  exposition = workers.scrape();
  EXPECT_EQ(exposition.value("iceway_config_last_reload_success"), 1);
  EXPECT_EQ(exposition.value("iceway_config_last_reload_timestamp_seconds"), 1700000000);
  EXPECT_EQ(exposition.value("iceway_tls_certificate_expiry_timestamp_seconds"), 1710000000);

  workers.collector.set_last_reload(false, 1700000060);
  workers.collector.set_tls_certificate_expiry(std::nullopt);
  exposition = workers.scrape();
  EXPECT_EQ(exposition.value("iceway_config_last_reload_success"), 0);
  EXPECT_EQ(exposition.value("iceway_config_last_reload_timestamp_seconds"), 1700000060);
  EXPECT_EQ(exposition.find("iceway_tls_certificate_expiry_timestamp_seconds"), nullptr);
}

// Prometheus' rate() needs a series to exist before it moves, so fixed label sets are
// exported at 0 from the first scrape.
TEST(Collector, FixedLabelSetsStartAtZero) {
  const Workers workers;
  const Exposition exposition = workers.scrape();
  struct Case {
    const char* name;
    std::size_t series;
  };
  const Case cases[] = {
      {"iceway_stun_requests_total", 4 * 9 * 3},         // transport x method x success/error/rate_limited
      {"iceway_turn_allocations_active", 4 * 2},         // transport x family
      {"iceway_turn_allocations_total", 1 + 14 + 1},     // success, each error code, challenge
      {"iceway_turn_relay_bytes_total", 2},
      {"iceway_turn_relay_packets_total", 2},
      {"iceway_turn_relay_dropped_packets_total", 5},    // no_permission, bandwidth, no_allocation, detached, malformed
      {"iceway_turn_peer_denied_total", 5},              // the denial reasons only
      {"iceway_auth_failures_total", 8},                 // with password_algorithm_mismatch (RFC 8489)
      {"iceway_turn_stale_nonces_total", 1},
      {"iceway_turn_udp_send_dropped_total", 1},
      {"iceway_turn_udp_gso_messages_total", 1},
      {"iceway_turn_udp_receive_dropped_total", 1},
      {"iceway_turn_stream_clients_active", 3},          // tcp, tls, dtls
      {"iceway_turn_stream_closed_total", 8},            // every reason
      {"iceway_signal_connections_active", 6},
      {"iceway_signal_messages_total", 6 + 7 + 3 + 5 + 1 + 2},  // each protocol's own types
      {"iceway_signal_errors_total", 13},                // every signaling error code
      {"iceway_turn_permissions_active", 1},
      {"iceway_turn_channels_active", 1},
      {"iceway_signal_rooms_active", 1},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const auto* family = exposition.find(c.name);
    ASSERT_NE(family, nullptr);
    EXPECT_EQ(family->samples.size(), c.series);
    for (const auto& sample : family->samples) EXPECT_EQ(sample.value, 0);
  }
}

TEST(Collector, ProcessMetricsThatCouldNotBeReadAreAbsent) {
  Workers workers;
  ProcessStats process;
  process.open_fds = 3;
  const Exposition exposition = workers.scrape(process);
  EXPECT_EQ(exposition.value("process_open_fds"), 3);
  for (const char* name : {"process_cpu_seconds_total", "process_resident_memory_bytes", "process_virtual_memory_bytes",
                           "process_max_fds", "process_start_time_seconds"}) {
    SCOPED_TRACE(name);
    EXPECT_EQ(exposition.find(name), nullptr);
  }
}

// Each case moves the cores' counters through their own API, on either worker, and names
// every series that must show the sum. The label texts are written out here by hand, so a
// counter exported under the wrong label fails.
TEST(Collector, ScrapeSumsEveryWorkersIncrements) {
  struct Series {
    std::string metric;
    Labels labels;
    double value;
  };
  struct Case {
    const char* name;
    std::function<void(Workers&)> act;
    std::vector<Series> moved;  // every series that changed; all other counters stay 0
  };
  using turn::CountedMethod;
  using turn::Direction;
  using stun::ErrorCode;
  const Case cases[] = {
      {"binding over udp on both workers",
       [](Workers& w) {
         w.turn[0].count_request(Transport::udp, CountedMethod::binding, turn::RequestResult::success);
         w.turn[1].count_request(Transport::udp, CountedMethod::binding, turn::RequestResult::success);
         w.turn[1].count_request(Transport::udp, CountedMethod::binding, turn::RequestResult::success);
       },
       {{"iceway_stun_requests_total", {{"transport", "udp"}, {"method", "binding"}, {"result", "success"}}, 3}}},
      {"channel bind error over tcp",
       [](Workers& w) {
         w.turn[1].count_request(Transport::tcp, CountedMethod::channel_bind, turn::RequestResult::error);
       },
       {{"iceway_stun_requests_total", {{"transport", "tcp"}, {"method", "channel_bind"}, {"result", "error"}}, 1}}},
      {"create permission over tls and send indications",
       [](Workers& w) {
         w.turn[0].count_request(Transport::tls, CountedMethod::create_permission, turn::RequestResult::success);
         w.turn[0].count_request(Transport::tls, CountedMethod::send, turn::RequestResult::success);
         w.turn[1].count_request(Transport::udp, CountedMethod::other, turn::RequestResult::error);
       },
       {{"iceway_stun_requests_total", {{"transport", "tls"}, {"method", "create_permission"}, {"result", "success"}}, 1},
        {"iceway_stun_requests_total", {{"transport", "tls"}, {"method", "send"}, {"result", "success"}}, 1},
        {"iceway_stun_requests_total", {{"transport", "udp"}, {"method", "other"}, {"result", "error"}}, 1}}},
      {"allocations opened and one closed",
       [](Workers& w) {
         w.turn[0].active(Transport::udp, AddressFamily::ipv6).add(1);
         w.turn[1].active(Transport::udp, AddressFamily::ipv6).add(2);
         w.turn[1].active(Transport::udp, AddressFamily::ipv6).add(-1);
         w.turn[1].active(Transport::tls, AddressFamily::ipv4).add(1);
       },
       {{"iceway_turn_allocations_active", {{"transport", "udp"}, {"family", "ipv6"}}, 2},
        {"iceway_turn_allocations_active", {{"transport", "tls"}, {"family", "ipv4"}}, 1}}},
      {"allocation outcomes: success, quota, capacity",
       [](Workers& w) {
         w.turn[0].allocations_succeeded.add();
         w.turn[0].count_allocation_failure(ErrorCode::allocation_quota_reached);
         w.turn[1].count_allocation_failure(ErrorCode::allocation_quota_reached);
         w.turn[1].count_allocation_failure(ErrorCode::insufficient_capacity);
       },
       {{"iceway_turn_allocations_total", {{"result", "success"}}, 1},
        {"iceway_turn_allocations_total", {{"result", "allocation_quota_reached"}}, 2},
        {"iceway_turn_allocations_total", {{"result", "insufficient_capacity"}}, 1}}},
      {"a code outside the TURN list counts as server_error",
       [](Workers& w) { w.turn[0].count_allocation_failure(ErrorCode::role_conflict); },
       {{"iceway_turn_allocations_total", {{"result", "server_error"}}, 1}}},
      {"challenges are their own result",
       [](Workers& w) {
         w.turn[0].challenges.add();
         w.turn[1].challenges.add();
       },
       {{"iceway_turn_allocations_total", {{"result", "challenge"}}, 2}}},
      {"relayed bytes client to peer",
       [](Workers& w) {
         w.turn[0].count_relay(Direction::client_to_peer, 1200);
         w.turn[1].count_relay(Direction::client_to_peer, 800);
       },
       {{"iceway_turn_relay_bytes_total", {{"direction", "client_to_peer"}}, 2000},
        {"iceway_turn_relay_packets_total", {{"direction", "client_to_peer"}}, 2}}},
      {"relayed packets peer to client",
       [](Workers& w) {
         w.turn[0].count_relay(Direction::peer_to_client, 100);
         w.turn[0].count_relay(Direction::peer_to_client, 100);
         w.turn[1].count_relay(Direction::peer_to_client, 100);
       },
       {{"iceway_turn_relay_packets_total", {{"direction", "peer_to_client"}}, 3},
        {"iceway_turn_relay_bytes_total", {{"direction", "peer_to_client"}}, 300}}},
      {"dropped for bandwidth and for want of a permission",
       [](Workers& w) {
         w.turn[1].relay_dropped_bandwidth.add();
         w.turn[0].relay_dropped_no_permission.add(3);
       },
       {{"iceway_turn_relay_dropped_packets_total", {{"reason", "bandwidth"}}, 1},
        {"iceway_turn_relay_dropped_packets_total", {{"reason", "no_permission"}}, 3}}},
      {"permissions gauge",
       [](Workers& w) {
         w.turn[0].permissions_active.add(4);
         w.turn[1].permissions_active.add(1);
       },
       {{"iceway_turn_permissions_active", {}, 5}}},
      {"channels gauge", [](Workers& w) { w.turn[1].channels_active.add(9); }, {{"iceway_turn_channels_active", {}, 9}}},
      {"peer denied by reason",
       [](Workers& w) {
         w.turn[0].count_peer_denied(turn::PeerReason::default_range);
         w.turn[1].count_peer_denied(turn::PeerReason::default_range);
         w.turn[1].count_peer_denied(turn::PeerReason::server_address);
       },
       {{"iceway_turn_peer_denied_total", {{"reason", "default_range"}}, 2},
        {"iceway_turn_peer_denied_total", {{"reason", "server_address"}}, 1}}},
      {"an allowing reason, if ever counted, is shown rather than lost",
       [](Workers& w) { w.turn[0].count_peer_denied(turn::PeerReason::public_address); },
       {{"iceway_turn_peer_denied_total", {{"reason", "public"}}, 1}}},
      {"auth failures from both workers add up",
       [](Workers& w) {
         w.turn[0].count_auth_failure(turn::AuthFailure::bad_integrity);
         w.turn[1].count_auth_failure(turn::AuthFailure::bad_integrity);
         w.turn[1].count_auth_failure(turn::AuthFailure::expired_username);
       },
       {{"iceway_auth_failures_total", {{"reason", "bad_integrity"}}, 2},
        {"iceway_auth_failures_total", {{"reason", "expired_username"}}, 1}}},
      {"stream clients and closes from both workers add up",
       [](Workers& w) {
         w.turn[0].stream_clients(Transport::tls).add(2);
         w.turn[1].stream_clients(Transport::tls).add(1);
         w.turn[1].stream_clients(Transport::tcp).add(4);
         w.turn[0].count_stream_close(turn::StreamClose::per_ip_limit);
         w.turn[1].count_stream_close(turn::StreamClose::per_ip_limit);
         w.turn[1].count_stream_close(turn::StreamClose::frame_timeout);
       },
       {{"iceway_turn_stream_clients_active", {{"transport", "tls"}}, 3},
        {"iceway_turn_stream_clients_active", {{"transport", "tcp"}}, 4},
        {"iceway_turn_stream_closed_total", {{"reason", "per_ip_limit"}}, 2},
        {"iceway_turn_stream_closed_total", {{"reason", "frame_timeout"}}, 1}}},
      {"stale nonces are counted apart from failures",
       [](Workers& w) {
         w.turn[0].stale_nonces.add();
         w.turn[1].stale_nonces.add();
       },
       {{"iceway_turn_stale_nonces_total", {}, 2}}},
      {"UDP sends the kernel refused and GSO messages from both workers add up (sent is not exported)",
       [](Workers& w) {
         w.sends[0].add_dropped(3);
         w.sends[1].add_dropped();
         w.sends[0].add_gso_message();
         w.sends[1].add_sent(100);
       },
       {{"iceway_turn_udp_send_dropped_total", {}, 4}, {"iceway_turn_udp_gso_messages_total", {}, 1}}},
      {"datagrams dropped at the full receive buffers of both workers add up",
       [](Workers& w) {
         w.receives[0].add_overflowed(5);
         w.receives[1].add_overflowed(2);
       },
       {{"iceway_turn_udp_receive_dropped_total", {}, 7}}},
      {"peerjs connections",
       [](Workers& w) {
         auto& peerjs = w.signal.connections_active[index(signaling::Protocol::peerjs)];
         peerjs.increment();
         peerjs.increment();
         peerjs.increment();
         peerjs.decrement();
       },
       {{"iceway_signal_connections_active", {{"protocol", "peerjs"}}, 2}}},
      {"native joins", [](Workers& w) { w.signal.count_message(signaling::Protocol::native, signaling::native_type::join); },
       {{"iceway_signal_messages_total", {{"protocol", "native"}, {"type", "join"}}, 1}}},
      {"yjs publish", [](Workers& w) { w.signal.count_message(signaling::Protocol::yjs, signaling::yjs_type::publish); },
       {{"iceway_signal_messages_total", {{"protocol", "yjs"}, {"type", "publish"}}, 1}}},
      {"peerjs expire and relay invalid",
       [](Workers& w) {
         w.signal.count_message(signaling::Protocol::peerjs, signaling::peerjs_type::expire);
         w.signal.count_message(signaling::Protocol::relay, signaling::relay_type::invalid);
       },
       {{"iceway_signal_messages_total", {{"protocol", "peerjs"}, {"type", "expire"}}, 1},
        {"iceway_signal_messages_total", {{"protocol", "relay"}, {"type", "invalid"}}, 1}}},
      {"rooms",
       [](Workers& w) {
         for (int i = 0; i < 13; ++i) w.signal.rooms_active.increment();
         w.signal.rooms_active.decrement();
       },
       {{"iceway_signal_rooms_active", {}, 12}}},
      {"error codes use the wire spelling",
       [](Workers& w) {
         w.signal.count_error(signaling::ErrorCode::room_full);
         w.signal.count_error(signaling::ErrorCode::slow_reader);
       },
       {{"iceway_signal_errors_total", {{"code", "room-full"}}, 1},
        {"iceway_signal_errors_total", {{"code", "slow-reader"}}, 1}}},
      {"allocation limit", [](Workers& w) { w.collector.set_allocation_limit(500); }, {{"iceway_turn_allocations_limit", {}, 500}}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    Workers workers;
    c.act(workers);
    const Exposition exposition = workers.scrape();
    for (const Series& series : c.moved) {
      EXPECT_EQ(exposition.value(series.metric, series.labels), series.value) << series.metric;
    }
    // Nothing else moved, so a case cannot pass by counting into the wrong label. The
    // limit and build info are configuration, not counts.
    for (const auto& family : exposition.families) {
      if (family.name == "iceway_build_info" || family.name == "iceway_turn_allocations_limit") continue;
      for (const auto& sample : family.samples) {
        const bool expected_to_move = std::any_of(c.moved.begin(), c.moved.end(), [&](const Series& series) {
          return series.metric == family.name && series.labels == sample.labels;
        });
        if (!expected_to_move) {
          EXPECT_EQ(sample.value, 0) << family.name << " " << ::testing::PrintToString(sample.labels);
        }
      }
    }
  }
}

TEST(Collector, SourcesAddedLaterAreIncludedInTheNextScrape) {
  Workers workers;
  turn::TurnCounters late;
  late.count_request(Transport::udp, turn::CountedMethod::refresh, turn::RequestResult::success);
  const Labels labels{{"transport", "udp"}, {"method", "refresh"}, {"result", "success"}};
  EXPECT_EQ(workers.scrape().value("iceway_stun_requests_total", labels), 0);
  workers.collector.add_source(late);
  EXPECT_EQ(workers.scrape().value("iceway_stun_requests_total", labels), 1);
  signaling::Counters second;
  second.rooms_active.increment();
  workers.signal.rooms_active.increment();
  workers.collector.add_source(second);
  EXPECT_EQ(workers.scrape().value("iceway_signal_rooms_active"), 2);
}

std::set<std::string> as_set(std::span<const std::string_view> values) { return {values.begin(), values.end()}; }

// SPEC §7: no label carries a user name, peer id, room or address. With every counter of
// both cores moved, every exported series is non-zero (so the collector reads each slot it
// exports), and each label value is one of the cores' fixed texts for its label name.
TEST(Collector, EveryLabelValueComesFromAFixedSet) {
  Workers workers;
  for (auto& worker : workers.turn) bump_all(worker, 1);
  for (auto& worker : workers.sends) bump_all(worker, 1);
  for (auto& worker : workers.receives) bump_all(worker, 1);
  bump_all(workers.signal, 1);

  std::map<std::string, std::set<std::string>> allowed;
  allowed["transport"] = {"udp", "tcp", "tls", "dtls"};
  allowed["family"] = {"ipv4", "ipv6"};
  allowed["method"] = as_set(turn::kMethodLabels);
  allowed["direction"] = as_set(turn::kDirectionLabels);
  allowed["result"] = {"success", "error", "rate_limited", "challenge"};
  for (const auto code : turn::kTurnErrorCodes) allowed["result"].insert(std::string(stun::metric_label(code)));
  allowed["reason"] = as_set(turn::kAuthFailureLabels);
  for (const auto reason : kDropReasonLabels) allowed["reason"].insert(std::string(reason));
  for (const auto reason : turn::kStreamCloseLabels) allowed["reason"].insert(std::string(reason));
  for (std::size_t i = 0; i < turn::kPeerReasonCount; ++i) {
    allowed["reason"].insert(std::string(turn::label(static_cast<turn::PeerReason>(i))));
  }
  for (const auto protocol : signaling::kAllProtocols) {
    allowed["protocol"].insert(std::string(signaling::to_string(protocol)));
    for (const auto type : signaling::message_type_labels(protocol)) allowed["type"].insert(std::string(type));
  }
  for (const auto& error : signaling::kErrorTable) allowed["code"].insert(std::string(error.code));
  allowed["version"] = {"1.2.3"};
  allowed["revision"] = {"abcdef123456"};

  const Exposition exposition = workers.scrape();
  std::size_t labelled = 0;
  for (const auto& family : exposition.families) {
    const MetricInfo* info = find_metric(family.name);
    ASSERT_NE(info, nullptr) << family.name;
    for (const auto& sample : family.samples) {
      SCOPED_TRACE(family.name + " " + ::testing::PrintToString(sample.labels));
      if (family.name != "iceway_turn_allocations_limit") {
        EXPECT_NE(sample.value, 0);
      }
      ASSERT_EQ(sample.labels.size(), info->labels.size()) << family.name;
      for (const auto& [label, value] : sample.labels) {
        EXPECT_TRUE(allowed[label].contains(value)) << label << "=" << value;
        EXPECT_EQ(value.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_-."), std::string::npos);
        ++labelled;
      }
    }
  }
  EXPECT_GT(labelled, 100u);
  // Every reason moved, so the allowing peer reasons show up too.
  EXPECT_EQ(exposition.find("iceway_turn_peer_denied_total")->samples.size(), turn::kPeerReasonCount);
}

// Each core's struct has one writer, the scraper runs on another thread: relaxed atomics make
// this race-free (ThreadSanitizer aside, the check here is that the final scrape sees every
// increment and that a counter never goes backwards between scrapes).
TEST(Collector, ScrapesWhileAWorkerCountsAndSeesTheFinalTotal) {
  Workers workers;
  constexpr std::uint64_t kPackets = 20000;
  std::thread worker([&] {
    for (std::uint64_t i = 0; i < kPackets; ++i) workers.turn[1].count_relay(turn::Direction::client_to_peer, 10);
  });
  double last = 0;
  for (int scrape = 0; scrape < 20; ++scrape) {
    const auto value = workers.scrape().value("iceway_turn_relay_packets_total", {{"direction", "client_to_peer"}});
    ASSERT_TRUE(value.has_value());
    EXPECT_GE(*value, last);
    last = *value;
  }
  worker.join();
  const Exposition exposition = workers.scrape();
  EXPECT_EQ(exposition.value("iceway_turn_relay_packets_total", {{"direction", "client_to_peer"}}), kPackets);
  EXPECT_EQ(exposition.value("iceway_turn_relay_bytes_total", {{"direction", "client_to_peer"}}), kPackets * 10);
}

TEST(Collector, RenderMetricsReadsThisProcess) {
  const Workers workers;
  const Exposition exposition = parse_exposition(workers.collector.render_metrics());
  EXPECT_TRUE(exposition.errors.empty()) << ::testing::PrintToString(exposition.errors);
  EXPECT_GT(exposition.value("process_resident_memory_bytes").value_or(0), 0);
  EXPECT_GE(exposition.value("process_open_fds").value_or(0), 3);  // stdin, stdout, stderr
  EXPECT_EQ(exposition.value("iceway_build_info", {{"version", "1.2.3"}, {"revision", "abcdef123456"}}), 1);
}

TEST(Collector, ThisBuildCarriesTheProjectVersion) {
  const BuildInfo build = this_build();
  EXPECT_FALSE(build.version.empty());
  EXPECT_EQ(build.version.find_first_not_of("0123456789."), std::string::npos);
  EXPECT_FALSE(build.revision.empty());
}

}  // namespace
}  // namespace iceway::metrics
