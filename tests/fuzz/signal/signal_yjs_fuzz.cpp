// y-webrtc subscribe/unsubscribe/publish frames through the Dispatcher.
#include "fuzz_driver.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const char* const kUrls[3] = {"/yjs", "/yjs", "/yjs"};
  iceway::signaling::fuzz::drive(iceway::signaling::Protocol::yjs, kUrls, data, size);
  return 0;
}
