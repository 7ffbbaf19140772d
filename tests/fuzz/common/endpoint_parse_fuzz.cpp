// Endpoint::parse reads listen addresses from config files and flags.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/endpoint.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto endpoint = iceway::Endpoint::parse(text, 3478)) {
    // Whatever parses must print back to text that parses to the same value.
    auto again = iceway::Endpoint::parse(endpoint->to_string());
    if (!again || !(*again == *endpoint)) __builtin_trap();
  }
  return 0;
}
