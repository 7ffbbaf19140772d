// PeerJS frames, socket URLs, offline queues and expiry through the Dispatcher.
#include "fuzz_driver.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const char* const kUrls[3] = {"/peerjs/peerjs?key=peerjs&id=alice&token=a",
                                       "/peerjs/peerjs?key=peerjs&id=bob&token=b",
                                       "/peerjs/peerjs?key=peerjs&id=carol&token=c"};
  iceway::signaling::fuzz::drive(iceway::signaling::Protocol::peerjs, kUrls, data, size);
  return 0;
}
