// verify_token on arbitrary text: cpp-jwt asserts and indexes tables with raw chars, so the
// pre-checks in token.cpp must keep every input away from those paths.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "signal/token.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view token(reinterpret_cast<const char*>(data), size);
  auto result = iceway::signaling::verify_token(token, "fuzz-secret", 1'700'000'000);
  // Whatever verifies names a subject, and never verifies under another secret.
  if (result && result.value().subject.empty()) __builtin_trap();
  if (result && iceway::signaling::verify_token(token, "other-secret", 1'700'000'000)) __builtin_trap();
  return 0;
}
