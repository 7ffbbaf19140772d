#include "metrics/collector.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <map>
#include <set>
#include <thread>

#include "exposition.hpp"
#include "metrics/catalogue.hpp"

namespace iceway::metrics {
namespace {

using testing::Exposition;
using testing::Labels;
using testing::parse_exposition;

// Two workers and one signaling writer, as app/ would register them.
struct Workers {
  StunCounters stun[2];
  TurnCounters turn[2];
  SignalCounters signal;
  Collector collector{{"1.2.3", "abcdef123456"}};

  Workers() {
    for (int worker = 0; worker < 2; ++worker) {
      collector.add_source(stun[worker]);
      collector.add_source(turn[worker]);
    }
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
  const Workers workers;
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
      {"iceway_stun_requests_total", kTransports * kStunMethods * kStunResults},
      {"iceway_turn_allocations_active", kTransports * kFamilies},
      {"iceway_turn_allocations_total", kAllocationResults},
      {"iceway_turn_relay_bytes_total", kDirections},
      {"iceway_turn_relay_packets_total", kDirections},
      {"iceway_turn_relay_dropped_packets_total", kDirections * kDropReasons},
      {"iceway_auth_failures_total", kAuthFailures},
      {"iceway_signal_connections_active", kSignalProtocols},
      {"iceway_signal_messages_total", 6 + 6 + 2 + 5},  // each protocol's own types
      {"iceway_signal_errors_total", kSignalErrors},
      {"iceway_turn_peer_denied_total", 1},
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
  const Workers workers;
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

// Each case moves counters through the structs' own API, on either worker, and names the
// one series that must show the sum.
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
  const Case cases[] = {
      {"binding over udp on both workers",
       [](Workers& w) {
         w.stun[0].request(Transport::udp, StunMethod::binding, StunResult::success);
         w.stun[1].request(Transport::udp, StunMethod::binding, StunResult::success);
         w.stun[1].request(Transport::udp, StunMethod::binding, StunResult::success);
       },
       {{"iceway_stun_requests_total", {{"transport", "udp"}, {"method", "binding"}, {"result", "success"}}, 3}}},
      {"allocate challenged over tls",
       [](Workers& w) { w.stun[0].request(Transport::tls, StunMethod::allocate, StunResult::challenge); },
       {{"iceway_stun_requests_total", {{"transport", "tls"}, {"method", "allocate"}, {"result", "challenge"}}, 1}}},
      {"channel bind error over tcp",
       [](Workers& w) { w.stun[1].request(Transport::tcp, StunMethod::channel_bind, StunResult::error); },
       {{"iceway_stun_requests_total", {{"transport", "tcp"}, {"method", "channel_bind"}, {"result", "error"}}, 1}}},
      {"allocations opened and one closed",
       [](Workers& w) {
         w.turn[0].allocation_opened(Transport::udp, Family::ipv6);
         w.turn[1].allocation_opened(Transport::udp, Family::ipv6);
         w.turn[1].allocation_opened(Transport::udp, Family::ipv6);
         w.turn[1].allocation_closed(Transport::udp, Family::ipv6);
       },
       {{"iceway_turn_allocations_active", {{"transport", "udp"}, {"family", "ipv6"}}, 2}}},
      {"allocation quota per ip",
       [](Workers& w) {
         w.turn[0].allocation_result(AllocationResult::quota_ip);
         w.turn[1].allocation_result(AllocationResult::quota_ip);
       },
       {{"iceway_turn_allocations_total", {{"result", "quota_ip"}}, 2}}},
      {"relayed bytes client to peer",
       [](Workers& w) {
         w.turn[0].relayed(Direction::client_to_peer, 1200);
         w.turn[1].relayed(Direction::client_to_peer, 800);
       },
       {{"iceway_turn_relay_bytes_total", {{"direction", "client_to_peer"}}, 2000},
        {"iceway_turn_relay_packets_total", {{"direction", "client_to_peer"}}, 2}}},
      {"relayed packets peer to client",
       [](Workers& w) {
         w.turn[0].relayed(Direction::peer_to_client, 100);
         w.turn[0].relayed(Direction::peer_to_client, 100);
         w.turn[1].relayed(Direction::peer_to_client, 100);
       },
       {{"iceway_turn_relay_packets_total", {{"direction", "peer_to_client"}}, 3},
        {"iceway_turn_relay_bytes_total", {{"direction", "peer_to_client"}}, 300}}},
      {"dropped for bandwidth",
       [](Workers& w) { w.turn[1].dropped(Direction::client_to_peer, DropReason::bandwidth); },
       {{"iceway_turn_relay_dropped_packets_total", {{"direction", "client_to_peer"}, {"reason", "bandwidth"}}, 1}}},
      {"permissions gauge", [](Workers& w) { add(w.turn[0].permissions_active, 4); add(w.turn[1].permissions_active, 1); },
       {{"iceway_turn_permissions_active", {}, 5}}},
      {"channels gauge", [](Workers& w) { set(w.turn[1].channels_active, 9); }, {{"iceway_turn_channels_active", {}, 9}}},
      {"peer denied", [](Workers& w) { w.turn[0].denied_peer(); w.turn[1].denied_peer(); },
       {{"iceway_turn_peer_denied_total", {}, 2}}},
      {"auth failures from turn and signaling add up",
       [](Workers& w) {
         w.turn[0].auth_failure(AuthFailure::bad_integrity);
         w.signal.auth_failure(AuthFailure::bad_integrity);
       },
       {{"iceway_auth_failures_total", {{"reason", "bad_integrity"}}, 2}}},
      {"signaling token expired", [](Workers& w) { w.signal.auth_failure(AuthFailure::expired_token); },
       {{"iceway_auth_failures_total", {{"reason", "expired_token"}}, 1}}},
      {"peerjs connections",
       [](Workers& w) {
         w.signal.connected(SignalProtocol::peerjs);
         w.signal.connected(SignalProtocol::peerjs);
         w.signal.connected(SignalProtocol::peerjs);
         w.signal.disconnected(SignalProtocol::peerjs);
       },
       {{"iceway_signal_connections_active", {{"protocol", "peerjs"}}, 2}}},
      {"native joins", [](Workers& w) { w.signal.message(SignalProtocol::native, SignalMessage::join); },
       {{"iceway_signal_messages_total", {{"protocol", "native"}, {"type", "join"}}, 1}}},
      {"yjs publish", [](Workers& w) { w.signal.message(SignalProtocol::yjs, SignalMessage::publish); },
       {{"iceway_signal_messages_total", {{"protocol", "yjs"}, {"type", "publish"}}, 1}}},
      {"a pair outside the protocol's list appears once counted",
       [](Workers& w) { w.signal.message(SignalProtocol::relay, SignalMessage::ping); },
       {{"iceway_signal_messages_total", {{"protocol", "relay"}, {"type", "ping"}}, 1}}},
      {"rooms", [](Workers& w) { w.signal.set_rooms(12); }, {{"iceway_signal_rooms_active", {}, 12}}},
      {"error codes use the wire spelling", [](Workers& w) { w.signal.error(SignalError::room_full); },
       {{"iceway_signal_errors_total", {{"code", "room-full"}}, 1}}},
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

TEST(Collector, UnlistedMessagePairsStayHiddenWhileZero) {
  const Workers workers;
  const Exposition exposition = workers.scrape();
  EXPECT_FALSE(exposition.value("iceway_signal_messages_total", {{"protocol", "relay"}, {"type", "join"}}).has_value());
  EXPECT_EQ(exposition.value("iceway_signal_messages_total", {{"protocol", "relay"}, {"type", "signal"}}), 0);
}

TEST(Collector, SourcesAddedLaterAreIncludedInTheNextScrape) {
  Workers workers;
  StunCounters late;
  late.request(Transport::udp, StunMethod::refresh, StunResult::success);
  const Labels labels{{"transport", "udp"}, {"method", "refresh"}, {"result", "success"}};
  EXPECT_EQ(workers.scrape().value("iceway_stun_requests_total", labels), 0);
  workers.collector.add_source(late);
  EXPECT_EQ(workers.scrape().value("iceway_stun_requests_total", labels), 1);
}

template <class Atomic, std::size_t N>
void bump_all(Atomic (&array)[N]);
void bump_all(std::atomic<std::uint64_t>& counter) { add(counter, 1); }
void bump_all(std::atomic<std::int64_t>& gauge) { add(gauge, 1); }
template <class Atomic, std::size_t N>
void bump_all(Atomic (&array)[N]) {
  for (auto& element : array) bump_all(element);
}

// SPEC §7: no label carries a user name, peer id, room or address. With every counter moved,
// each label value in the exposition must be one of the enum texts for its label name.
TEST(Collector, EveryLabelValueComesFromAFixedSet) {
  Workers workers;
  for (auto& stun : workers.stun) bump_all(stun.requests);
  for (auto& turn : workers.turn) {
    bump_all(turn.allocations_active);
    bump_all(turn.allocations);
    bump_all(turn.relay_bytes);
    bump_all(turn.relay_packets);
    bump_all(turn.relay_dropped);
    bump_all(turn.auth_failures);
  }
  bump_all(workers.signal.connections_active);
  bump_all(workers.signal.messages);
  bump_all(workers.signal.errors);

  std::map<std::string, std::set<std::string>> allowed;
  const auto allow = [&](const std::string& label, auto count, auto tag) {
    for (std::size_t i = 0; i < count; ++i) {
      allowed[label].insert(std::string(label_value(static_cast<decltype(tag)>(i))));
    }
  };
  allow("transport", kTransports, Transport{});
  allow("family", kFamilies, Family{});
  allow("method", kStunMethods, StunMethod{});
  allow("direction", kDirections, Direction{});
  allow("protocol", kSignalProtocols, SignalProtocol{});
  allow("type", kSignalMessages, SignalMessage{});
  allow("code", kSignalErrors, SignalError{});
  allow("result", kStunResults, StunResult{});
  allow("result", kAllocationResults, AllocationResult{});
  allow("reason", kAuthFailures, AuthFailure{});
  allow("reason", kDropReasons, DropReason{});
  allowed["version"] = {"1.2.3"};
  allowed["revision"] = {"abcdef123456"};

  const Exposition exposition = workers.scrape();
  std::size_t labelled = 0;
  for (const auto& family : exposition.families) {
    const MetricInfo* info = find_metric(family.name);
    ASSERT_NE(info, nullptr) << family.name;
    for (const auto& sample : family.samples) {
      ASSERT_EQ(sample.labels.size(), info->labels.size()) << family.name;
      for (const auto& [label, value] : sample.labels) {
        SCOPED_TRACE(family.name + " " + label + "=" + value);
        EXPECT_TRUE(allowed[label].contains(value));
        ++labelled;
      }
    }
  }
  EXPECT_GT(labelled, 100u);
  // Every (protocol, type) pair moved, so all of them are exported now.
  EXPECT_EQ(exposition.find("iceway_signal_messages_total")->samples.size(), kSignalProtocols * kSignalMessages);
}

// One writer per struct, a scraper on another thread: relaxed atomics make this race-free
// (the ThreadSanitizer-free check here is that the final scrape sees every increment).
TEST(Collector, ScrapesWhileAWorkerCountsAndSeesTheFinalTotal) {
  Workers workers;
  constexpr std::uint64_t kPackets = 20000;
  std::thread worker([&] {
    for (std::uint64_t i = 0; i < kPackets; ++i) workers.turn[1].relayed(Direction::client_to_peer, 10);
  });
  double last = 0;
  for (int scrape = 0; scrape < 20; ++scrape) {
    const auto value = workers.scrape().value("iceway_turn_relay_packets_total", {{"direction", "client_to_peer"}});
    ASSERT_TRUE(value.has_value());
    EXPECT_GE(*value, last);  // a counter never goes backwards between scrapes
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
