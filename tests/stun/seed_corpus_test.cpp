// The fuzz seeds of stun_message_fuzz are assembled by tests/fuzz/stun/make_seeds.py with
// Python's hmac and zlib, not with this codec. Each must parse, its FINGERPRINT must check,
// and the signed ones must verify under the key the script used: an independent cross-check
// of the length adjustments in MESSAGE-INTEGRITY and FINGERPRINT. The same folder also holds
// what `make fuzz-long` found (files named by libFuzzer with their SHA-1, 40 hex digits): any
// bytes at all, so they are not seeds of this check.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

#include "stun/integrity.hpp"
#include "stun/message.hpp"
#include "test_support.hpp"
#include "tests/fuzz/found_by_fuzzing.hpp"

namespace iceway::stun {
namespace {

std::vector<std::byte> read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<char> chars((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::byte> bytes(chars.size());
  for (std::size_t i = 0; i < chars.size(); ++i) bytes[i] = static_cast<std::byte>(chars[i]);
  return bytes;
}


TEST(SeedCorpus, EverySeedParsesAndItsChecksumsVerify) {
  const std::filesystem::path folder =
      std::filesystem::path(ICEWAY_TESTS_DIR) / "fuzz" / "corpus" / "stun_message_fuzz";
  ASSERT_TRUE(std::filesystem::is_directory(folder)) << folder;
  const auto key = long_term_key("1700000000:alice", "iceway", "secret");
  int seeds = 0;
  int signed_seeds = 0;
  for (const auto& entry : std::filesystem::directory_iterator(folder)) {
    const std::string name = entry.path().filename().string();
    if (iceway::testing::found_by_fuzzing(name)) continue;
    SCOPED_TRACE(name);
    const auto bytes = read_file(entry.path());
    auto parsed = MessageView::parse(bytes);
    ASSERT_TRUE(parsed) << parsed.error().to_string();
    ++seeds;
    if (parsed.value().fingerprint()) {
      EXPECT_TRUE(verify_fingerprint(parsed.value()));
    }
    if (name.rfind("rfc5769", 0) != 0 && name != "sha256_integrity" && parsed.value().message_integrity()) {
      EXPECT_TRUE(verify_message_integrity(parsed.value(), key));
      ++signed_seeds;
    }
  }
  EXPECT_GE(seeds, 18);
  EXPECT_GE(signed_seeds, 5);
}

}  // namespace
}  // namespace iceway::stun
