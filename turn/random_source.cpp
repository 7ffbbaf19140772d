#include "turn/random_source.hpp"

#include <openssl/rand.h>

#include <cstdlib>

namespace iceway::turn {

void SystemRandom::fill(MutableByteSpan out) {
  if (out.empty()) return;
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(out.size())) != 1) std::abort();
}

}  // namespace iceway::turn
