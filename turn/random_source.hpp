#pragma once
// Random bytes behind a small interface, so cores that need them (the nonce key) take them
// as an argument and tests pass a fake with fixed bytes.
#include "common/bytes.hpp"

namespace iceway::turn {

class RandomSource {
 public:
  virtual ~RandomSource() = default;
  virtual void fill(MutableByteSpan out) = 0;
};

// OpenSSL's CSPRNG (RAND_bytes), seeded by the OS. Aborts if it cannot produce bytes:
// a server with predictable keys must not start.
class SystemRandom final : public RandomSource {
 public:
  void fill(MutableByteSpan out) override;
};

}  // namespace iceway::turn
