// The seeds of turn_dispatch_fuzz that carry credentials must still authenticate against the
// fuzzer's server. Its nonces are bound to a 5-tuple and a wall-clock expiry; when their
// format or key changes, every seed is answered 438 and the fuzzer, which cannot forge
// MESSAGE-INTEGRITY, never again reaches a handler past authentication. That happened once
// and went unseen; this test sees it. What fuzz-long merged into the folder is not a seed.
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <functional>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "stun/attributes/address.hpp"
#include "stun/attributes/text.hpp"
#include "stun/attributes/turn.hpp"
#include "stun/integrity.hpp"
#include "stun/message.hpp"
#include "stun/message_builder.hpp"
#include "turn/mobility.hpp"
#include "turn/security_features.hpp"
#include "tests/fuzz/found_by_fuzzing.hpp"
#include "tests/fuzz/turn/turn_dispatch_world.hpp"

namespace iceway::turn::fuzz {
namespace {

std::vector<std::byte> read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<char> chars((std::istreambuf_iterator<char>(in)), {});
  std::vector<std::byte> bytes(chars.size());
  std::memcpy(bytes.data(), chars.data(), chars.size());
  return bytes;
}

// Seeds meant to be refused at authentication: RFC 8489 §9.2 bid-down attempts, and a
// MESSAGE-INTEGRITY-SHA256 cut shorter than this server accepts.
bool refused_on_purpose(const std::string& name) {
  return name.find("bid_down") != std::string::npos || name.find("truncated") != std::string::npos;
}

TEST(TurnDispatchFuzzSeeds, EverySeedWithCredentialsAuthenticates) {
  const std::filesystem::path corpus = std::filesystem::path(ICEWAY_TESTS_DIR) / "fuzz/corpus/turn_dispatch_fuzz";
  World plain(false);
  World nat(true);
  std::size_t checked = 0;
  for (const auto& entry : std::filesystem::directory_iterator(corpus)) {
    const std::string name = entry.path().filename().string();
    if (iceway::testing::found_by_fuzzing(name)) continue;
    const auto bytes = read_file(entry.path());
    auto message = stun::MessageView::parse(bytes);
    if (!message) continue;
    const auto nonce = message.value().get<stun::Nonce>();
    if (!nonce || !nonce.value()) continue;  // no credentials: nothing to authenticate
    if (refused_on_purpose(name)) continue;
    SCOPED_TRACE(name);
    World& w = wants_nat_server(bytes) ? nat : plain;
    std::array<std::byte, 2048> out{};
    const HandleResult result = w.server->on_client_message(bytes, tuple_of(bytes), time_of(bytes), kNowUnix, out);
    // (A Connect that passed its checks is answered later, by on_tcp_connected: RFC 6062.)
    EXPECT_TRUE(result.authenticated || result.tcp_connect) << "answered " << (result.error ? stun::to_wire(*result.error) : 0)
                                      << " without MESSAGE-INTEGRITY: regenerate its nonce for its 5-tuple";
    EXPECT_FALSE(result.stale_nonce);
    ++checked;
  }
  EXPECT_GE(checked, 10u) << "the seeds with credentials were not found in " << corpus;
}

using Seeds = std::vector<std::pair<std::string, std::vector<std::byte>>>;

// A request signed as fuzz:fuzz with the nonce the fuzzer's server issues to the 5-tuple its
// first transaction id byte picks (see selector_of).
std::vector<std::byte> signed_seed(World& world, stun::Method method, std::uint8_t selector,
                                   const std::function<void(stun::MessageBuilder&)>& add) {
  std::vector<std::byte> header(20);  // what tuple_of() reads: the first transaction id byte
  header[8] = std::byte{selector};
  const FiveTuple tuple = tuple_of(header);
  stun::TransactionId id;
  id.bytes.fill(std::byte{0x62});
  id.bytes[0] = std::byte{selector};
  for (std::uint8_t salt = 0;; ++salt) {  // the last byte's top bit would pick the RFC 5780 server
    id.bytes[11] = std::byte{salt};
    const std::string nonce =
        std::string(kNonceCookie) + world.server->shared().nonces->issue(tuple.client, tuple.transport, kNowUnix);
    std::array<std::byte, 512> buffer{};
    stun::MessageBuilder builder(buffer);
    builder.start({method, stun::Class::request}, id);
    add(builder);
    builder.add(stun::Username{"fuzz"}).add(stun::Realm{"iceway"}).add(stun::Nonce{nonce});
    builder.add_message_integrity(stun::long_term_key("fuzz", "iceway", "fuzz"));
    builder.add_fingerprint();
    const auto bytes = builder.finish().value();
    if ((std::to_integer<std::uint8_t>(bytes.back()) & 0x80) == 0) return std::vector<std::byte>(bytes.begin(), bytes.end());
  }
}

// ICEWAY_WRITE_FUZZ_SEEDS=1 writes `seeds`; otherwise this checks the committed ones are these.
void write_or_compare(const Seeds& seeds) {
  const auto folder = std::filesystem::path(ICEWAY_TESTS_DIR) / "fuzz/corpus/turn_dispatch_fuzz";
  for (const auto& [name, bytes] : seeds) {
    if (std::getenv("ICEWAY_WRITE_FUZZ_SEEDS") != nullptr) {
      std::ofstream(folder / name, std::ios::binary)
          .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    }
    EXPECT_EQ(read_file(folder / name), bytes) << name << ": write the seeds with ICEWAY_WRITE_FUZZ_SEEDS=1";
  }
}

// RFC 6062's requests for turn_dispatch_fuzz: a TCP relay's Allocate and Connect on one TCP
// 5-tuple, and a ConnectionBind on another.
TEST(TurnDispatchFuzzSeeds, Rfc6062SeedsAreTheRequestsOfATcpRelay) {
  World world(false);
  auto seed = [&](stun::Method method, std::uint8_t selector, const std::function<void(stun::MessageBuilder&)>& add) {
    return signed_seed(world, method, selector, add);
  };
  // Selector 4: client port 40000 over TCP; 5: port 40001 over TCP (see tuple_of).
  const Seeds seeds = {
      {"tcp_allocate", seed(stun::Method::allocate, 4,
                            [](stun::MessageBuilder& b) { b.add(stun::RequestedTransport{stun::RequestedTransport::kTcp}); })},
      {"tcp_connect", seed(stun::Method::connect, 4,
                           [](stun::MessageBuilder& b) { b.add(stun::XorPeerAddress{*Endpoint::parse("127.0.0.1:9")}); })},
      {"tcp_connection_bind", seed(stun::Method::connection_bind, 5,
                                   [](stun::MessageBuilder& b) { b.add(stun::ConnectionId{1}); })},
  };
  write_or_compare(seeds);
  // In this order on one server they make a TCP relay, start a connection from it and claim an
  // unknown one: each answered with MESSAGE-INTEGRITY (no 438 to a stale seed).
  std::array<std::byte, 2048> out{};
  for (const auto& [name, bytes] : seeds) {
    SCOPED_TRACE(name);
    const HandleResult result = world.server->on_client_message(bytes, tuple_of(bytes), time_of(bytes), kNowUnix, out);
    EXPECT_TRUE(result.authenticated || result.tcp_connect) << (result.error ? stun::to_wire(*result.error) : 0);
    if (name == "tcp_allocate") {
      EXPECT_TRUE(result.created);
    } else if (name == "tcp_connect") {
      EXPECT_TRUE(result.tcp_connect);
    } else {
      EXPECT_EQ(result.error, stun::ErrorCode::bad_request);
    }
  }
}

// RFC 8016's requests for turn_dispatch_fuzz: an Allocate asking for mobility over UDP, then a
// Refresh from another UDP 5-tuple carrying the ticket it got (the fuzzer's server counts its
// tickets, so the first one is known), which moves the allocation there.
TEST(TurnDispatchFuzzSeeds, Rfc8016SeedsMoveAnAllocation) {
  World world(false);
  CountingTokens tokens;
  const stun::MobilityTicket first_ticket = issue_mobility_ticket(0, tokens);
  // Selector 0: client port 40000 over UDP; 1: port 40001 over UDP (see tuple_of).
  const Seeds seeds = {
      {"mobility_allocate", signed_seed(world, stun::Method::allocate, 0,
                                        [](stun::MessageBuilder& b) {
                                          b.add(stun::RequestedTransport{}).add(stun::MobilityTicket{});
                                        })},
      {"mobility_refresh", signed_seed(world, stun::Method::refresh, 1,
                                       [&](stun::MessageBuilder& b) { b.add(stun::Lifetime{600}).add(first_ticket); })},
  };
  write_or_compare(seeds);
  std::array<std::byte, 2048> out{};
  const HandleResult allocated =
      world.server->on_client_message(seeds[0].second, tuple_of(seeds[0].second), time_of(seeds[0].second), kNowUnix, out);
  ASSERT_TRUE(allocated.created) << (allocated.error ? stun::to_wire(*allocated.error) : 0);
  const HandleResult moved =
      world.server->on_client_message(seeds[1].second, tuple_of(seeds[1].second), time_of(seeds[1].second), kNowUnix, out);
  EXPECT_TRUE(moved.moved) << (moved.error ? stun::to_wire(*moved.error) : 0);
}

}  // namespace
}  // namespace iceway::turn::fuzz
