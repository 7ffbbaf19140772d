// Named-relay frames and ?name= URLs through the Dispatcher.
#include "fuzz_driver.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const char* const kUrls[3] = {"/relay?name=alice", "/relay?name=bob", "/relay?name=carol"};
  iceway::signaling::fuzz::drive(iceway::signaling::Protocol::relay, kUrls, data, size);
  return 0;
}
