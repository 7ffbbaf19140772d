#include "turn/cidr.hpp"

#include <gtest/gtest.h>

namespace iceway::turn {
namespace {

IpAddress ip(const char* text) { return *IpAddress::parse(text); }

TEST(Cidr, ParsesBothFamilies) {
  struct Case {
    const char* text;
    const char* printed;
    unsigned prefix;
  };
  const Case cases[] = {
      {"10.0.0.0/8", "10.0.0.0/8", 8},       {"0.0.0.0/0", "0.0.0.0/0", 0},
      {"192.0.2.7/32", "192.0.2.7/32", 32},  {"fc00::/7", "fc00::/7", 7},
      {"::/0", "::/0", 0},                   {"2001:db8::1/128", "2001:db8::1/128", 128},
      {"100.64.0.0/10", "100.64.0.0/10", 10},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    auto cidr = Cidr::parse(c.text);
    ASSERT_TRUE(cidr) << cidr.error();
    EXPECT_EQ(cidr.value().to_string(), c.printed);
    EXPECT_EQ(cidr.value().prefix_length(), c.prefix);
  }
}

TEST(Cidr, RejectsMalformedTextSayingWhatIsWrong) {
  struct Case {
    const char* text;
    const char* says;
  };
  const Case cases[] = {
      {"10.0.0.0", "has no /PREFIX"},
      {"10.0.0/8", "is not an IPv4 or IPv6 address"},
      {"host/8", "is not an IPv4 or IPv6 address"},
      {"/8", "is not an IPv4 or IPv6 address"},
      {"10.0.0.0/", "is not a number"},
      {"10.0.0.0/x", "is not a number"},
      {"10.0.0.0/8/8", "is not a number"},
      {"10.0.0.0/-1", "is not a number"},
      {"10.0.0.0/33", "larger than 32 for IPv4"},
      {"fc00::/129", "larger than 128 for IPv6"},
      {"10.0.0.1/8", "did you mean 10.0.0.0/8?"},
      {"fc00::1/7", "did you mean fc00::/7?"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    auto cidr = Cidr::parse(c.text);
    ASSERT_FALSE(cidr);
    EXPECT_NE(cidr.error().find(c.says), std::string::npos) << cidr.error();
    EXPECT_NE(cidr.error().find(c.text), std::string::npos) << "the message names the input";
  }
}

TEST(Cidr, ContainsChecksExactlyThePrefixBits) {
  struct Case {
    const char* cidr;
    const char* address;
    bool inside;
  };
  const Case cases[] = {
      {"172.16.0.0/12", "172.16.0.0", true},    {"172.16.0.0/12", "172.31.255.255", true},
      {"172.16.0.0/12", "172.32.0.0", false},   {"172.16.0.0/12", "172.15.255.255", false},
      {"100.64.0.0/10", "100.127.255.255", true}, {"100.64.0.0/10", "100.128.0.0", false},
      {"0.0.0.0/0", "255.255.255.255", true},   {"192.0.2.7/32", "192.0.2.7", true},
      {"192.0.2.7/32", "192.0.2.8", false},     {"fc00::/7", "fdff:ffff::1", true},
      {"fc00::/7", "fe00::", false},            {"fe80::/10", "febf:ffff::", true},
      {"fe80::/10", "fec0::", false},           {"::/0", "2001:db8::1", true},
      // Families never match each other: reduction is the policy's job.
      {"0.0.0.0/0", "::ffff:10.0.0.1", false},  {"::/0", "10.0.0.1", false},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(std::string(c.cidr) + " " + c.address);
    EXPECT_EQ(Cidr::parse(c.cidr).value().contains(ip(c.address)), c.inside);
  }
}

TEST(Cidr, MakeClearsHostBits) {
  EXPECT_EQ(Cidr::make(ip("10.1.2.3"), 8).to_string(), "10.0.0.0/8");
  EXPECT_EQ(Cidr::make(ip("2001:db8:ffff::1"), 33).to_string(), "2001:db8:8000::/33");
}

}  // namespace
}  // namespace iceway::turn
