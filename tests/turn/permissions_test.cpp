#include "turn/permissions.hpp"

#include <gtest/gtest.h>

#include "tests/turn/printers.hpp"

namespace iceway::turn {
namespace {

const TimePoint kStart = TimePoint{} + std::chrono::hours(1);
const IpAddress kPeer = *IpAddress::parse("192.0.2.10");
const IpAddress kOther = *IpAddress::parse("192.0.2.11");

TEST(Permissions, AllowsItsIpUntilItExpiresWhateverThePort) {
  Permissions permissions;
  EXPECT_EQ(permissions.install(kPeer, kStart + Seconds(300), 10), Permissions::Install::created);
  EXPECT_TRUE(permissions.allows(kPeer, kStart));
  EXPECT_TRUE(permissions.allows(kPeer, kStart + Seconds(299)));
  EXPECT_FALSE(permissions.allows(kPeer, kStart + Seconds(300)));
  EXPECT_FALSE(permissions.allows(kOther, kStart));
}

TEST(Permissions, InstallingAgainRefreshes) {
  Permissions permissions;
  permissions.install(kPeer, kStart + Seconds(300), 10);
  EXPECT_EQ(permissions.install(kPeer, kStart + Seconds(400), 10), Permissions::Install::refreshed);
  EXPECT_TRUE(permissions.allows(kPeer, kStart + Seconds(399)));
  EXPECT_EQ(permissions.size(), 1u);
}

TEST(Permissions, RefusesPastTheLimitButStillRefreshes) {
  Permissions permissions;
  permissions.install(kPeer, kStart + Seconds(300), 1);
  EXPECT_EQ(permissions.install(kOther, kStart + Seconds(300), 1), Permissions::Install::full);
  EXPECT_FALSE(permissions.allows(kOther, kStart));
  EXPECT_EQ(permissions.install(kPeer, kStart + Seconds(300), 1), Permissions::Install::refreshed);
}

TEST(Permissions, ExpireRemovesWhatIsDueAndReportsTheNextDeadline) {
  Permissions permissions;
  permissions.install(kPeer, kStart + Seconds(100), 10);
  permissions.install(kOther, kStart + Seconds(200), 10);
  EXPECT_EQ(permissions.next_deadline(), kStart + Seconds(100));
  EXPECT_EQ(permissions.expire(kStart + Seconds(99)), 0u);
  EXPECT_EQ(permissions.expire(kStart + Seconds(100)), 1u);
  EXPECT_EQ(permissions.next_deadline(), kStart + Seconds(200));
  EXPECT_EQ(permissions.expire(kStart + Seconds(500)), 1u);
  EXPECT_FALSE(permissions.next_deadline());
}

}  // namespace
}  // namespace iceway::turn
