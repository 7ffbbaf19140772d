#pragma once
// Random bytes for peer ids, behind a small interface so tests are deterministic
// (STYLE.md "Handlers decide; the I/O layer acts": a decision that needs the OS gets an interface).
#include <cstddef>
#include <span>
#include <string>

namespace iceway::signaling {

class RandomSource {
 public:
  virtual ~RandomSource() = default;
  virtual void fill(std::span<std::byte> out) = 0;
};

// OpenSSL's CSPRNG. Thread-safe (OpenSSL 3 RAND is), though the core calls it from one thread.
class OpenSslRandom final : public RandomSource {
 public:
  void fill(std::span<std::byte> out) override;
};

// An RFC 9562 version-4 UUID in lower-case text ("3f2b...-4...-8..."), the id format of the
// PeerJS reference server's GET /{key}/id, and one that the peerjs client's id check accepts.
std::string random_uuid(RandomSource& random);

}  // namespace iceway::signaling
