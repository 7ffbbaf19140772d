// TURN over DTLS: the stateless cookie, the front door that keeps no state for a ClientHello
// without it, and a whole session against OpenSSL's own DTLS client in memory.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "tests/turn/dtls_test_support.hpp"
#include "turn/dtls_cookie.hpp"
#include "turn/dtls_session.hpp"

namespace iceway::turn {
namespace {

using testing::MemoryDtlsClient;

const Endpoint kClient{*IpAddress::parse("192.0.2.7"), 40000};
const TimePoint kStart{std::chrono::hours(1000)};

DtlsCookies::Key key_of(std::uint8_t fill) {
  DtlsCookies::Key key{};
  key.fill(std::byte{fill});
  return key;
}

std::vector<std::byte> bytes_of(std::string_view text) {
  std::vector<std::byte> out(text.size());
  std::memcpy(out.data(), text.data(), text.size());
  return out;
}

struct Collected final : DtlsOutput {
  std::vector<std::vector<std::byte>> datagrams;
  std::vector<std::string> delivered;
  void send_datagram(ByteSpan bytes) override { datagrams.emplace_back(bytes.begin(), bytes.end()); }
  void deliver(ByteSpan plaintext) override {
    delivered.emplace_back(reinterpret_cast<const char*>(plaintext.data()), plaintext.size());
  }
  // Everything sent so far, as one datagram for the client (it reads records, not datagrams).
  std::vector<std::byte> take_all() {
    std::vector<std::byte> all;
    for (auto& d : datagrams) all.insert(all.end(), d.begin(), d.end());
    datagrams.clear();
    return all;
  }
};

TEST(DtlsCookie, VerifiesForItsOwnAddressInItsPeriodAndTheNext) {
  const DtlsCookies cookies(key_of(1));
  const auto cookie = cookies.make(kClient, kStart);
  EXPECT_TRUE(cookies.verify(cookie, kClient, kStart));
  EXPECT_TRUE(cookies.verify(cookie, kClient, kStart + DtlsCookies::kPeriod));
  EXPECT_FALSE(cookies.verify(cookie, kClient, kStart + 2 * DtlsCookies::kPeriod));
}

TEST(DtlsCookie, FailsForAnotherAddressPortOrKey) {
  const DtlsCookies cookies(key_of(1));
  const auto cookie = cookies.make(kClient, kStart);
  EXPECT_FALSE(cookies.verify(cookie, Endpoint{kClient.address, 40001}, kStart));
  EXPECT_FALSE(cookies.verify(cookie, Endpoint{*IpAddress::parse("192.0.2.8"), 40000}, kStart));
  EXPECT_FALSE(DtlsCookies(key_of(2)).verify(cookie, kClient, kStart));
}

TEST(DtlsCookie, FailsWhenTamperedWithOrOfAnotherSize) {
  const DtlsCookies cookies(key_of(1));
  auto cookie = cookies.make(kClient, kStart);
  for (std::size_t i = 0; i < cookie.size(); ++i) {
    auto changed = cookie;
    changed[i] ^= 0x01;
    EXPECT_FALSE(cookies.verify(changed, kClient, kStart)) << "byte " << i;
  }
  EXPECT_FALSE(cookies.verify(std::span<const std::uint8_t>(cookie.data(), cookie.size() - 1), kClient, kStart));
  EXPECT_FALSE(cookies.verify({}, kClient, kStart));
}

class DtlsSessionTest : public ::testing::Test {
 protected:
  testing::SslCtxPtr context_ = testing::make_dtls_server_context();
  DtlsCookies cookies_{key_of(7)};
  MemoryDtlsClient client_;
  Collected out_;

  // The client's first ClientHello, the HelloVerifyRequest, and the ClientHello with the cookie.
  std::unique_ptr<DtlsSession> connect(const Endpoint& from = kClient) {
    client_.handshake();
    auto first = client_.take_datagram();
    EXPECT_EQ(DtlsSession::listen(context_.get(), cookies_, first, from, kStart, out_), nullptr);
    client_.give(out_.take_all());
    client_.handshake();
    auto second = client_.take_datagram();
    return DtlsSession::listen(context_.get(), cookies_, second, from, kStart, out_);
  }

  // Runs the handshake to its end: false if it stalls.
  bool finish(DtlsSession& session) {
    for (int round = 0; round < 10; ++round) {
      client_.give(out_.take_all());
      const bool client_done = client_.handshake();
      auto datagram = client_.take_datagram();
      if (!datagram.empty()) session.on_datagram(datagram, kStart, out_);
      if (client_done && session.handshake_done()) return true;
    }
    return false;
  }
};

TEST_F(DtlsSessionTest, AClientHelloWithoutCookieGetsAHelloVerifyRequestAndNoSession) {
  client_.handshake();
  auto hello = client_.take_datagram();
  ASSERT_TRUE(looks_like_client_hello(hello));
  EXPECT_EQ(DtlsSession::listen(context_.get(), cookies_, hello, kClient, kStart, out_), nullptr);
  ASSERT_EQ(out_.datagrams.size(), 1u);
  const auto& answer = out_.datagrams[0];
  ASSERT_GT(answer.size(), 13u);
  EXPECT_EQ(std::to_integer<int>(answer[0]), 22);  // handshake record
  EXPECT_EQ(std::to_integer<int>(answer[13]), 3);  // hello_verify_request
}

TEST_F(DtlsSessionTest, TheCookieOpensASessionThatCarriesRecordsBothWays) {
  auto session = connect();
  ASSERT_NE(session, nullptr);
  ASSERT_TRUE(finish(*session));
  ASSERT_TRUE(client_.write(bytes_of("allocate, please")));
  EXPECT_EQ(session->on_datagram(client_.take_datagram(), kStart, out_), DtlsStatus::open);
  EXPECT_EQ(out_.delivered, std::vector<std::string>{"allocate, please"});
  ASSERT_TRUE(session->write(bytes_of("here it is"), out_));
  client_.give(out_.take_all());
  auto read = client_.read();
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(read.data()), read.size()), "here it is");
}

TEST_F(DtlsSessionTest, TwoRecordsInOneDatagramAreDeliveredApart) {
  auto session = connect();
  ASSERT_NE(session, nullptr);
  ASSERT_TRUE(finish(*session));
  ASSERT_TRUE(client_.write(bytes_of("one")));
  ASSERT_TRUE(client_.write(bytes_of("two")));
  session->on_datagram(client_.take_datagram(), kStart, out_);
  EXPECT_EQ(out_.delivered, (std::vector<std::string>{"one", "two"}));
}

TEST_F(DtlsSessionTest, ACookieMadeForAnotherAddressOpensNothing) {
  client_.handshake();
  DtlsSession::listen(context_.get(), cookies_, client_.take_datagram(), kClient, kStart, out_);
  client_.give(out_.take_all());
  client_.handshake();
  // The second ClientHello, from another port than the cookie was made for: answered with a
  // new HelloVerifyRequest, as a first one would be.
  auto session = DtlsSession::listen(context_.get(), cookies_, client_.take_datagram(), Endpoint{kClient.address, 40001},
                                     kStart, out_);
  EXPECT_EQ(session, nullptr);
  ASSERT_EQ(out_.datagrams.size(), 1u);
  EXPECT_EQ(std::to_integer<int>(out_.datagrams[0][13]), 3);
}

TEST_F(DtlsSessionTest, AnExpiredCookieOpensNothing) {
  client_.handshake();
  DtlsSession::listen(context_.get(), cookies_, client_.take_datagram(), kClient, kStart, out_);
  client_.give(out_.take_all());
  client_.handshake();
  auto session = DtlsSession::listen(context_.get(), cookies_, client_.take_datagram(), kClient,
                                     kStart + 2 * DtlsCookies::kPeriod, out_);
  EXPECT_EQ(session, nullptr);
}

TEST_F(DtlsSessionTest, AnythingButAClientHelloFromANewAddressIsIgnoredUnanswered) {
  // A STUN Binding request, an application-data record and a truncated ClientHello.
  std::vector<std::byte> stun(20);
  stun[1] = std::byte{1};
  stun[4] = std::byte{0x21}, stun[5] = std::byte{0x12}, stun[6] = std::byte{0xa4}, stun[7] = std::byte{0x42};
  std::vector<std::byte> application(40, std::byte{0});
  application[0] = std::byte{23}, application[1] = std::byte{0xfe}, application[2] = std::byte{0xfd};
  client_.handshake();
  auto hello = client_.take_datagram();
  std::vector<std::byte> truncated(hello.begin(), hello.begin() + 20);
  for (const auto& datagram : {stun, application, truncated}) {
    EXPECT_FALSE(looks_like_client_hello(datagram));
    EXPECT_EQ(DtlsSession::listen(context_.get(), cookies_, datagram, kClient, kStart, out_), nullptr);
  }
  EXPECT_TRUE(out_.datagrams.empty());
}

TEST_F(DtlsSessionTest, EveryDatagramOfTheServerFitsTheMtu) {
  auto session = connect();
  ASSERT_NE(session, nullptr);
  ASSERT_FALSE(out_.datagrams.empty());
  for (const auto& datagram : out_.datagrams) EXPECT_LE(datagram.size(), DtlsSession::kMtu);
  EXPECT_TRUE(session->retransmit_in().has_value()) << "the server's flight waits for its answer";
  ASSERT_TRUE(finish(*session));
  EXPECT_FALSE(session->retransmit_in().has_value());
}

TEST_F(DtlsSessionTest, WritesAreRefusedBeforeTheHandshakeAndPastTheLimit) {
  auto session = connect();
  ASSERT_NE(session, nullptr);
  Collected early;
  EXPECT_FALSE(session->write(bytes_of("too early"), early));
  EXPECT_TRUE(early.datagrams.empty());
  ASSERT_TRUE(finish(*session));
  EXPECT_FALSE(session->write(std::vector<std::byte>(DtlsSession::kMaxPlaintext + 1), out_));
  EXPECT_TRUE(session->write(std::vector<std::byte>(DtlsSession::kMaxPlaintext), out_));
}

TEST_F(DtlsSessionTest, TheClientsCloseNotifyClosesTheSession) {
  auto session = connect();
  ASSERT_NE(session, nullptr);
  ASSERT_TRUE(finish(*session));
  client_.shutdown();
  EXPECT_EQ(session->on_datagram(client_.take_datagram(), kStart, out_), DtlsStatus::closed);
  EXPECT_FALSE(session->write(bytes_of("after"), out_));
}

TEST_F(DtlsSessionTest, ShutdownSendsCloseNotify) {
  auto session = connect();
  ASSERT_NE(session, nullptr);
  ASSERT_TRUE(finish(*session));
  out_.datagrams.clear();
  session->shutdown(out_);
  client_.give(out_.take_all());
  client_.read();
  EXPECT_TRUE(client_.got_close_notify());
}

TEST_F(DtlsSessionTest, GarbageAfterTheHandshakeIsDroppedAndTheSessionGoesOn) {
  auto session = connect();
  ASSERT_NE(session, nullptr);
  ASSERT_TRUE(finish(*session));
  // DTLS drops records that fail to decrypt (RFC 6347 §4.1.2.7) instead of ending the session.
  std::vector<std::byte> forged(60, std::byte{0x55});
  forged[0] = std::byte{23}, forged[1] = std::byte{0xfe}, forged[2] = std::byte{0xfd}, forged[3] = std::byte{0},
  forged[4] = std::byte{1}, forged[11] = std::byte{0}, forged[12] = std::byte{47};
  EXPECT_EQ(session->on_datagram(forged, kStart, out_), DtlsStatus::open);
  ASSERT_TRUE(client_.write(bytes_of("still here")));
  session->on_datagram(client_.take_datagram(), kStart, out_);
  EXPECT_EQ(out_.delivered, std::vector<std::string>{"still here"});
}

// The seeds of dtls_session_fuzz (tests/fuzz/turn/dtls_session_fuzz.cpp says the format) are
// datagrams of OpenSSL's real DTLS client: ICEWAY_WRITE_FUZZ_SEEDS=1 writes them; otherwise
// this checks that the checked-in ones still start the way the fuzzer expects.
TEST_F(DtlsSessionTest, FuzzSeedsAreRealClientDatagrams) {
  const auto framed = [](std::uint8_t mode, const std::vector<std::vector<std::byte>>& datagrams) {
    std::vector<std::byte> out{std::byte{mode}};
    for (const auto& d : datagrams) {
      out.push_back(std::byte(d.size() >> 8));
      out.push_back(std::byte(d.size() & 0xff));
      out.insert(out.end(), d.begin(), d.end());
    }
    return out;
  };
  client_.handshake();
  auto first = client_.take_datagram();
  DtlsSession::listen(context_.get(), cookies_, first, kClient, kStart, out_);
  client_.give(out_.take_all());
  client_.handshake();
  auto second = client_.take_datagram();
  auto session = DtlsSession::listen(context_.get(), cookies_, second, kClient, kStart, out_);
  ASSERT_NE(session, nullptr);
  client_.give(out_.take_all());
  client_.handshake();
  auto finished = client_.take_datagram();
  std::vector<std::byte> binding(20);
  binding[1] = std::byte{1};
  binding[4] = std::byte{0x21}, binding[5] = std::byte{0x12}, binding[6] = std::byte{0xa4}, binding[7] = std::byte{0x42};
  const std::vector<std::byte> channel_data{std::byte{0x40}, std::byte{0}, std::byte{0}, std::byte{3}, std::byte{1},
                                            std::byte{2},    std::byte{3}};
  const std::vector<std::byte> alert{std::byte{21}, std::byte{0xfe}, std::byte{0xfd}, std::byte{0}, std::byte{0},
                                     std::byte{0},  std::byte{0},    std::byte{0},    std::byte{0}, std::byte{0},
                                     std::byte{9},  std::byte{0},    std::byte{2},    std::byte{2}, std::byte{40}};
  const std::map<std::string, std::vector<std::byte>> seeds{
      {"hello_without_cookie", framed(0, {first})},
      {"hello_then_cookie", framed(0, {first, second})},
      {"cookie_then_finished", framed(0, {second, finished})},
      {"established_binding", framed(1, {binding})},
      {"established_channel_data", framed(1, {channel_data, binding})},
      {"established_alert", framed(1, {alert, binding})},
  };
  const auto folder = std::filesystem::path(ICEWAY_TESTS_DIR) / "fuzz" / "corpus" / "dtls_session_fuzz";
  if (std::getenv("ICEWAY_WRITE_FUZZ_SEEDS") != nullptr) {
    std::filesystem::create_directories(folder);
    for (const auto& [name, bytes] : seeds) {
      std::ofstream(folder / name, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()),
                                                           static_cast<std::streamsize>(bytes.size()));
    }
  }
  for (const auto& [name, bytes] : seeds) {
    SCOPED_TRACE(name);
    std::ifstream in(folder / name, std::ios::binary);
    ASSERT_TRUE(in) << "missing; write the seeds with ICEWAY_WRITE_FUZZ_SEEDS=1";
    std::vector<char> chars((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    ASSERT_GE(chars.size(), 3u);
    EXPECT_EQ(chars[0], static_cast<char>(bytes[0])) << "the mode byte";
    if (bytes[0] == std::byte{0}) {
      // The first datagram is a ClientHello (its random differs from run to run).
      const auto length = (std::size_t{static_cast<unsigned char>(chars[1])} << 8) | static_cast<unsigned char>(chars[2]);
      ASSERT_GE(chars.size(), 3 + length);
      std::vector<std::byte> datagram(length);
      std::memcpy(datagram.data(), chars.data() + 3, length);
      EXPECT_TRUE(looks_like_client_hello(datagram));
    }
  }
}

}  // namespace
}  // namespace iceway::turn
