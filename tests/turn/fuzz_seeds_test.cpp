// The seeds of turn_dispatch_fuzz that carry credentials must still authenticate against the
// fuzzer's server. Its nonces are bound to a 5-tuple and a wall-clock expiry; when their
// format or key changes, every seed is answered 438 and the fuzzer, which cannot forge
// MESSAGE-INTEGRITY, never again reaches a handler past authentication. That happened once
// and went unseen; this test sees it. What fuzz-long merged into the folder is not a seed.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "stun/attributes/text.hpp"
#include "stun/message.hpp"
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
    EXPECT_TRUE(result.authenticated) << "answered " << (result.error ? stun::to_wire(*result.error) : 0)
                                      << " without MESSAGE-INTEGRITY: regenerate its nonce for its 5-tuple";
    EXPECT_FALSE(result.stale_nonce);
    ++checked;
  }
  EXPECT_GE(checked, 10u) << "the seeds with credentials were not found in " << corpus;
}

}  // namespace
}  // namespace iceway::turn::fuzz
