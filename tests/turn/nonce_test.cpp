#include "turn/nonce.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>

namespace iceway::turn {
namespace {

class FixedRandom final : public RandomSource {
 public:
  explicit FixedRandom(std::byte value) : value_(value) {}
  void fill(MutableByteSpan out) override { std::fill(out.begin(), out.end(), value_); }

 private:
  std::byte value_;
};

const Endpoint kClient = *Endpoint::parse("203.0.113.7:40000");
constexpr UnixSeconds kStart = 1'700'000'000;

NonceIssuer issuer(std::byte key = std::byte{7}) {
  FixedRandom random(key);
  return NonceIssuer(random, Seconds(600));
}

TEST(Nonce, VerifiesForItsClientUntilItExpires) {
  const auto nonces = issuer();
  const std::string nonce = nonces.issue(kClient, Transport::udp, kStart);
  EXPECT_EQ(nonces.check(nonce, kClient, Transport::udp, kStart), NonceCheck::ok);
  EXPECT_EQ(nonces.check(nonce, kClient, Transport::udp, kStart + 600), NonceCheck::ok);
  EXPECT_EQ(nonces.check(nonce, kClient, Transport::udp, kStart + 601), NonceCheck::stale);
  EXPECT_EQ(label(NonceCheck::stale), "stale_nonce");
}

TEST(Nonce, IsBoundToTheClientTransportAddress) {
  const auto nonces = issuer();
  const std::string nonce = nonces.issue(kClient, Transport::udp, kStart);
  struct Case {
    const char* name;
    Endpoint client;
    Transport transport;
  };
  const Case cases[] = {
      {"other ip", *Endpoint::parse("203.0.113.8:40000"), Transport::udp},
      {"other port", *Endpoint::parse("203.0.113.7:40001"), Transport::udp},
      {"other transport", kClient, Transport::tcp},
      {"same bytes as ipv6", Endpoint{IpAddress::v6({203, 0, 113, 7}), 40000}, Transport::udp},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(nonces.check(nonce, c.client, c.transport, kStart), NonceCheck::invalid);
    // Even once expired, a nonce from another address is invalid, not stale.
    EXPECT_EQ(nonces.check(nonce, c.client, c.transport, kStart + 9999), NonceCheck::invalid);
  }
}

TEST(Nonce, AnotherKeyDoesNotVerify) {
  const std::string nonce = issuer(std::byte{1}).issue(kClient, Transport::udp, kStart);
  EXPECT_EQ(issuer(std::byte{2}).check(nonce, kClient, Transport::udp, kStart), NonceCheck::invalid);
}

TEST(Nonce, IsPrintableQdtextAndShort) {
  const auto nonces = issuer();
  for (UnixSeconds now : {UnixSeconds{0}, kStart, UnixSeconds{200LL * 365 * 24 * 3600}}) {
    const std::string nonce = nonces.issue(kClient, Transport::tls, now);
    SCOPED_TRACE(nonce);
    EXPECT_LE(nonce.size(), NonceIssuer::kMaxLength);
    EXPECT_TRUE(std::all_of(nonce.begin(), nonce.end(), [](char ch) {
      return std::isalnum(static_cast<unsigned char>(ch)) || ch == '.' || ch == '-' || ch == '_';
    }));
    EXPECT_EQ(nonces.check(nonce, kClient, Transport::tls, now), NonceCheck::ok);
  }
}

TEST(Nonce, TamperedNoncesAreInvalid) {
  const auto nonces = issuer();
  const std::string nonce = nonces.issue(kClient, Transport::udp, kStart);
  std::vector<std::string> tampered = {"", ".", "abc", nonce + "A", nonce.substr(0, nonce.size() - 1),
                                       "." + nonce.substr(nonce.find('.') + 1), "zz" + nonce.substr(nonce.find('.'))};
  // Extending the expiry must break the MAC.
  std::string later = nonce;
  later[nonce.find('.') - 1] = later[nonce.find('.') - 1] == 'f' ? 'e' : 'f';
  tampered.push_back(later);
  // Every single-character change of the MAC part.
  for (std::size_t i = nonce.find('.') + 1; i < nonce.size(); ++i) {
    std::string changed = nonce;
    changed[i] = changed[i] == 'A' ? 'B' : 'A';
    tampered.push_back(changed);
  }
  for (const auto& text : tampered) {
    SCOPED_TRACE(text);
    EXPECT_EQ(nonces.check(text, kClient, Transport::udp, kStart), NonceCheck::invalid);
  }
}

TEST(Nonce, TheKeyComesFromTheRandomSource) {
  // Same source bytes, same nonce: nothing else (no hidden clock or global) goes in.
  EXPECT_EQ(issuer(std::byte{9}).issue(kClient, Transport::udp, kStart),
            issuer(std::byte{9}).issue(kClient, Transport::udp, kStart));
  EXPECT_NE(issuer(std::byte{9}).issue(kClient, Transport::udp, kStart),
            issuer(std::byte{10}).issue(kClient, Transport::udp, kStart));
}

TEST(Nonce, NodesWithTheSameSecretAcceptEachOthersNonces) {
  // Two nodes behind one name: a client's next request may reach the other one.
  const NonceIssuer node_a(NonceIssuer::key_from_secret("s3cret"), Seconds(600));
  const NonceIssuer node_b(NonceIssuer::key_from_secret("s3cret"), Seconds(600));
  const NonceIssuer other(NonceIssuer::key_from_secret("another"), Seconds(600));
  const std::string nonce = node_a.issue(kClient, Transport::udp, kStart);
  EXPECT_EQ(node_b.check(nonce, kClient, Transport::udp, kStart + 10), NonceCheck::ok);
  EXPECT_EQ(node_b.check(nonce, kClient, Transport::udp, kStart + 601), NonceCheck::stale);
  EXPECT_EQ(other.check(nonce, kClient, Transport::udp, kStart + 10), NonceCheck::invalid);
  // The key is not the secret itself (nonces are public; the secret signs credentials).
  NonceIssuer::Key raw{};
  const std::string_view secret = "s3cret";
  for (std::size_t i = 0; i < secret.size(); ++i) raw[i] = static_cast<std::byte>(secret[i]);
  EXPECT_NE(NonceIssuer::key_from_secret(secret), raw);
}

}  // namespace
}  // namespace iceway::turn
