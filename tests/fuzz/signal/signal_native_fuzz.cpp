// Native protocol frames (and reconnect URLs with ?id= and ?token=) through the Dispatcher.
#include "fuzz_driver.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const char* const kUrls[3] = {"/ws?id=alice", "/ws?id=bob", "/ws"};
  iceway::signaling::fuzz::drive(iceway::signaling::Protocol::native, kUrls, data, size);
  return 0;
}
