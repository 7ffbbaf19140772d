#include "common/source_prefix.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace iceway {
namespace {

IpAddress ip(const char* text) { return *IpAddress::parse(text); }

TEST(SourcePrefix, Ipv4AddressesAreKeyedAsTheyAre) {
  EXPECT_EQ(source_prefix(ip("198.51.100.7"), 64), ip("198.51.100.7"));
  EXPECT_EQ(source_prefix(ip("198.51.100.7"), 1), ip("198.51.100.7"));
}

TEST(SourcePrefix, Ipv6AddressesAreCutToThePrefix) {
  struct Case {
    const char* name;
    const char* address;
    unsigned bits;
    const char* expected;
  };
  const std::vector<Case> cases = {
      {"slash 64 drops the interface id", "2001:db8:1:2:aaaa:bbbb:cccc:dddd", 64, "2001:db8:1:2::"},
      {"slash 56 drops half a byte boundary", "2001:db8:1:2ff:1::1", 56, "2001:db8:1:200::"},
      {"slash 60 keeps the high nibble", "2001:db8:1:2ff:1::1", 60, "2001:db8:1:2f0::"},
      {"slash 48", "2001:db8:1:2:3:4:5:6", 48, "2001:db8:1::"},
      {"slash 1", "ffff::1", 1, "8000::"},
      {"slash 128 keeps the address", "2001:db8::1", 128, "2001:db8::1"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(source_prefix(ip(c.address), c.bits), ip(c.expected));
  }
}

TEST(SourcePrefix, TwoAddressesOfOneSlash64ShareAKeyAndNeighboursDoNot) {
  EXPECT_EQ(source_prefix(ip("2001:db8:0:1::1"), 64), source_prefix(ip("2001:db8:0:1:ffff::9"), 64));
  EXPECT_NE(source_prefix(ip("2001:db8:0:1::1"), 64), source_prefix(ip("2001:db8:0:2::1"), 64));
}

}  // namespace
}  // namespace iceway
