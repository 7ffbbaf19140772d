#include "common/endpoint.hpp"

#include <gtest/gtest.h>

#include <unordered_set>
#include <vector>

namespace iceway {
namespace {

TEST(Endpoint, ParsesAndPrintsBothFamilies) {
  struct Case {
    const char* text;
    const char* printed;
  };
  const Case cases[] = {
      {"192.0.2.1:3478", "192.0.2.1:3478"},
      {"[::1]:5349", "[::1]:5349"},
      {"[2001:db8::1]:1", "[2001:db8::1]:1"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    auto endpoint = Endpoint::parse(c.text);
    ASSERT_TRUE(endpoint);
    EXPECT_EQ(endpoint->to_string(), c.printed);
  }
}

TEST(Endpoint, RejectsMalformedText) {
  for (const char* text : {"", "1.2.3.4", "1.2.3.4:", "1.2.3.4:65536", "[::1", "::1:80", "host:80", "[::1]x"}) {
    SCOPED_TRACE(text);
    EXPECT_FALSE(Endpoint::parse(text));
  }
}

TEST(Endpoint, BareAddressTakesTheDefaultPort) {
  auto endpoint = Endpoint::parse("::", 3478);
  ASSERT_TRUE(endpoint);
  EXPECT_TRUE(endpoint->address.is_v6());
  EXPECT_TRUE(endpoint->address.is_unspecified());
  EXPECT_EQ(endpoint->port, 3478);
}

TEST(IpAddress, LoopbackAndFamilies) {
  EXPECT_TRUE(IpAddress::parse("127.0.0.2")->is_loopback());
  EXPECT_TRUE(IpAddress::parse("::1")->is_loopback());
  EXPECT_FALSE(IpAddress::parse("::2")->is_loopback());
  EXPECT_EQ(IpAddress::v4(0x7f000001).to_string(), "127.0.0.1");
  // Same bytes, different family: distinct values (0.0.0.0 is not ::).
  EXPECT_NE(*IpAddress::parse("0.0.0.0"), *IpAddress::parse("::"));
}

TEST(FiveTuple, HashesAsAValue) {
  FiveTuple a{*Endpoint::parse("10.0.0.1:1000"), *Endpoint::parse("10.0.0.2:3478"), Transport::udp};
  FiveTuple b = a;
  b.transport = Transport::tcp;
  std::unordered_set<FiveTuple> set{a, b, a};
  EXPECT_EQ(set.size(), 2u);
  EXPECT_TRUE(set.contains(a));
}

// TableOrder keys sorted tables: two values are equivalent under it exactly when they are
// equal, and it is a strict order (irreflexive, asymmetric, transitive) over addresses that
// differ in family, in either half of the 16 bytes, or only in the port.
TEST(TableOrder, IsAStrictOrderWhoseEquivalenceIsEquality) {
  std::vector<Endpoint> values;
  for (const char* text : {"0.0.0.0:0", "10.0.0.1:1", "10.0.0.1:2", "10.0.0.2:1", "255.255.255.255:65535", "[::]:0",
                           "[::1]:1", "[::1]:2", "[1::]:1", "[1::1]:1", "[::ffff:10.0.0.1]:1", "[ffff::]:9"}) {
    auto parsed = Endpoint::parse(text);
    ASSERT_TRUE(parsed) << text;
    values.push_back(*parsed);
  }
  const TableOrder less;
  for (const Endpoint& a : values) {
    EXPECT_FALSE(less(a, a)) << a.to_string();
    EXPECT_FALSE(less(a.address, a.address)) << a.to_string();
    for (const Endpoint& b : values) {
      const bool equivalent = !less(a, b) && !less(b, a);
      EXPECT_EQ(equivalent, a == b) << a.to_string() << " " << b.to_string();
      EXPECT_FALSE(less(a, b) && less(b, a)) << a.to_string() << " " << b.to_string();
      const bool same_address = !less(a.address, b.address) && !less(b.address, a.address);
      EXPECT_EQ(same_address, a.address == b.address) << a.to_string() << " " << b.to_string();
      for (const Endpoint& c : values) {
        if (less(a, b) && less(b, c)) {
          EXPECT_TRUE(less(a, c)) << a.to_string() << " " << c.to_string();
        }
      }
    }
  }
}

}  // namespace
}  // namespace iceway
