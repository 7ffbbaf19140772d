#include "turn/quota.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace iceway::turn {
namespace {

const IpAddress kIp = *IpAddress::parse("198.51.100.1");
const IpAddress kOtherIp = *IpAddress::parse("198.51.100.2");

TEST(Quota, RefusesPerUserOnceTheUserHoldsTheLimit) {
  Quota quota({100, 2, 100});
  auto a = quota.acquire("alice", kIp);
  auto b = quota.acquire("alice", kOtherIp);
  ASSERT_TRUE(a && b);
  auto c = quota.acquire("alice", kIp);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error(), QuotaError::per_user);
  EXPECT_TRUE(quota.acquire("bob", kIp));
  EXPECT_EQ(quota.denied(QuotaError::per_user), 1u);
}

TEST(Quota, RefusesPerIpAndTotal) {
  struct Case {
    const char* name;
    QuotaLimits limits;
    QuotaError error;
  };
  const Case cases[] = {
      {"per ip", {100, 100, 2}, QuotaError::per_ip},
      {"total", {2, 100, 100}, QuotaError::total},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    Quota quota(c.limits);
    auto a = quota.acquire("u1", kIp);
    auto b = quota.acquire("u2", kIp);
    ASSERT_TRUE(a && b);
    auto refused = quota.acquire("u3", kIp);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error(), c.error);
    EXPECT_EQ(quota.denied(c.error), 1u);
    EXPECT_EQ(quota.active(), 2u);
  }
}

TEST(Quota, Ipv6ClientsCountByTheirSlash64) {
  Quota quota({100, 100, 1});
  auto a = quota.acquire("u1", *IpAddress::parse("2001:db8:0:1::1"));
  ASSERT_TRUE(a);
  EXPECT_EQ(quota.acquire("u2", *IpAddress::parse("2001:db8:0:1::2")).error(), QuotaError::per_ip);
  EXPECT_TRUE(quota.acquire("u3", *IpAddress::parse("2001:db8:0:2::1")));
}

TEST(Quota, Ipv6ClientsCountByTheConfiguredPrefix) {
  struct Case {
    const char* name;
    unsigned prefix;
    const char* second;
    bool refused;
  };
  const Case cases[] = {
      {"/56: another /64 of the same /56", 56, "2001:db8:0:ff::1", true},
      {"/56: the next /56", 56, "2001:db8:0:100::1", false},
      {"/128: another address of the same /64", 128, "2001:db8:0:1::2", false},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    Quota quota({100, 100, 1, c.prefix});
    auto first = quota.acquire("u1", *IpAddress::parse("2001:db8:0:1::1"));
    ASSERT_TRUE(first);
    auto second = quota.acquire("u2", *IpAddress::parse(c.second));
    EXPECT_EQ(!second, c.refused);
  }
}

TEST(Quota, ALeaseReleasesUnderThePrefixItWasCountedBy) {
  Quota quota({100, 100, 1, 64});
  const IpAddress client = *IpAddress::parse("2001:db8:0:1::1");
  {
    auto lease = quota.acquire("u1", client);
    ASSERT_TRUE(lease);
    quota.set_limits({100, 100, 1, 56});  // a reload changes the prefix while it is held
  }
  EXPECT_EQ(quota.active(), 0u);
  EXPECT_TRUE(quota.acquire("u2", client));  // the /64's slot was given back, not leaked
}

TEST(Quota, DestroyingTheLeaseGivesTheSlotBack) {
  Quota quota({1, 1, 1});
  {
    auto lease = quota.acquire("alice", kIp);
    ASSERT_TRUE(lease);
    EXPECT_EQ(quota.active(), 1u);
    EXPECT_EQ(quota.active_for_user("alice"), 1u);
    EXPECT_EQ(quota.active_for_ip(kIp), 1u);
  }
  EXPECT_EQ(quota.active(), 0u);
  EXPECT_EQ(quota.active_for_user("alice"), 0u);
  EXPECT_EQ(quota.active_for_ip(kIp), 0u);
  EXPECT_TRUE(quota.acquire("alice", kIp));
}

TEST(Quota, MovedLeasesReleaseExactlyOnce) {
  Quota quota({10, 10, 10});
  QuotaLease kept;
  {
    QuotaLease first = std::move(quota.acquire("alice", kIp)).value();
    kept = std::move(first);
    EXPECT_FALSE(first.held());  // NOLINT(bugprone-use-after-move): checking the moved-from state
    EXPECT_TRUE(kept.held());
  }
  EXPECT_EQ(quota.active(), 1u);
  kept.release();
  kept.release();
  EXPECT_EQ(quota.active(), 0u);
}

TEST(Quota, ZeroMeansUnlimitedAndLoweredLimitsApplyToNewRequests) {
  Quota quota({0, 0, 0});
  std::vector<QuotaLease> leases;
  for (int i = 0; i < 50; ++i) leases.push_back(std::move(quota.acquire("alice", kIp)).value());
  quota.set_limits({10, 10, 10});
  EXPECT_EQ(quota.acquire("bob", kOtherIp).error(), QuotaError::total);
  EXPECT_EQ(quota.active(), 50u);  // nothing already allocated is dropped
}

}  // namespace
}  // namespace iceway::turn
