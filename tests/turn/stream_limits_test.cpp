#include "turn/stream_limits.hpp"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace iceway::turn {
namespace {

const IpAddress kIp = *IpAddress::parse("198.51.100.1");
const IpAddress kOtherIp = *IpAddress::parse("198.51.100.2");

TEST(StreamLimits, RefusesASourceAtItsCapWhileOthersStillConnect) {
  StreamLimits limits({.total = 100, .per_source = 2, .tls_handshakes = 10});
  auto a = limits.acquire_connection(kIp);
  auto b = limits.acquire_connection(kIp);
  ASSERT_TRUE(a && b);
  auto c = limits.acquire_connection(kIp);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error(), StreamClose::per_ip_limit);
  EXPECT_TRUE(limits.acquire_connection(kOtherIp));
  EXPECT_EQ(limits.connections_from(kIp), 2u);
}

TEST(StreamLimits, RefusesEveryoneAtTheTotalCap) {
  StreamLimits limits({.total = 2, .per_source = 100, .tls_handshakes = 10});
  auto a = limits.acquire_connection(kIp);
  auto b = limits.acquire_connection(kOtherIp);
  ASSERT_TRUE(a && b);
  auto c = limits.acquire_connection(*IpAddress::parse("203.0.113.9"));
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error(), StreamClose::total_limit);
}

TEST(StreamLimits, AClosedConnectionGivesItsSlotBack) {
  StreamLimits limits({.total = 1, .per_source = 1, .tls_handshakes = 10});
  {
    auto slot = limits.acquire_connection(kIp);
    ASSERT_TRUE(slot);
    EXPECT_FALSE(limits.acquire_connection(kIp));
  }
  EXPECT_EQ(limits.connections(), 0u);
  EXPECT_EQ(limits.connections_from(kIp), 0u);
  auto slot = limits.acquire_connection(kIp);
  ASSERT_TRUE(slot);
  // An explicit release (the connection's close) counts once, the destructor after it not again.
  StreamSlot held = std::move(slot).value();
  held.release();
  EXPECT_FALSE(held.held());
  EXPECT_EQ(limits.connections(), 0u);
}

TEST(StreamLimits, CountsIpv6SourcesByTheirPrefix) {
  struct Case {
    const char* name;
    unsigned prefix;
    const char* second;
    bool refused;
  };
  const Case cases[] = {
      {"same /64 shares one budget", 64, "2001:db8:1:2::beef", true},
      {"another /64 has its own", 64, "2001:db8:1:3::1", false},
      {"per address when the prefix is 128", 128, "2001:db8:1:2::beef", false},
      {"a /48 joins neighbouring /64s", 48, "2001:db8:1:ffff::1", true},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    StreamLimits limits({.total = 100, .per_source = 1, .tls_handshakes = 10, .ipv6_prefix = c.prefix});
    auto first = limits.acquire_connection(*IpAddress::parse("2001:db8:1:2::1"));
    ASSERT_TRUE(first);
    auto second = limits.acquire_connection(*IpAddress::parse(c.second));
    EXPECT_EQ(!second, c.refused);
  }
}

TEST(StreamLimits, BoundsTlsHandshakesInProgress) {
  StreamLimits limits({.total = 100, .per_source = 100, .tls_handshakes = 2});
  auto a = limits.acquire_handshake();
  auto b = limits.acquire_handshake();
  ASSERT_TRUE(a && b);
  auto c = limits.acquire_handshake();
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error(), StreamClose::tls_handshake_limit);
  StreamSlot done = std::move(a).value();
  done.release();  // one handshake finished
  EXPECT_TRUE(limits.acquire_handshake());
  EXPECT_EQ(limits.connections(), 0u);  // handshakes are not connections
}

TEST(StreamLimits, ZeroMeansUnlimited) {
  StreamLimits limits({.total = 0, .per_source = 0, .tls_handshakes = 0});
  std::vector<StreamSlot> slots;
  for (int i = 0; i < 1000; ++i) {
    auto connection = limits.acquire_connection(kIp);
    auto handshake = limits.acquire_handshake();
    ASSERT_TRUE(connection && handshake);
    slots.push_back(std::move(connection).value());
    slots.push_back(std::move(handshake).value());
  }
  EXPECT_EQ(limits.connections_from(kIp), 1000u);
}

TEST(StreamLimits, ALoweredLimitRefusesNewOnesAndKeepsTheOpenOnes) {
  StreamLimits limits({.total = 100, .per_source = 3, .tls_handshakes = 10});
  std::vector<StreamSlot> open;
  for (int i = 0; i < 3; ++i) open.push_back(std::move(limits.acquire_connection(kIp)).value());
  limits.set_limits({.total = 100, .per_source = 1, .tls_handshakes = 10});
  EXPECT_FALSE(limits.acquire_connection(kIp));
  open.clear();
  EXPECT_EQ(limits.connections(), 0u);
  EXPECT_TRUE(limits.acquire_connection(kIp));
}

TEST(StreamLimits, SlotsFromSeveralThreadsBalance) {
  // Workers accept on their own threads: the counts must come back to zero.
  StreamLimits limits({.total = 0, .per_source = 0, .tls_handshakes = 0});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 2000; ++i) {
        auto slot = limits.acquire_connection(kIp);
        auto handshake = limits.acquire_handshake();
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(limits.connections(), 0u);
  EXPECT_EQ(limits.handshakes(), 0u);
  EXPECT_EQ(limits.connections_from(kIp), 0u);
}

}  // namespace
}  // namespace iceway::turn
