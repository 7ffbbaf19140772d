#pragma once
// CRC-32 for the FINGERPRINT attribute (RFC 8489 §14.7): the ISO-HDLC CRC-32 that zlib and
// Ethernet use, XORed with 0x5354554e ("STUN") so that a STUN message carried inside another
// CRC-checked protocol does not look valid by accident. zlib is not one of our dependencies
// and the table-driven CRC is a dozen lines, so it lives here.
#include <cstdint>

#include "common/bytes.hpp"

namespace iceway::stun {

inline constexpr std::uint32_t kFingerprintXor = 0x5354554e;

// Continues a CRC-32 over more bytes: crc32(a + b) == crc32_update(crc32(a), b); start at 0.
std::uint32_t crc32_update(std::uint32_t crc, ByteSpan bytes);
inline std::uint32_t crc32(ByteSpan bytes) { return crc32_update(0, bytes); }

// The FINGERPRINT value of a message whose 20-byte header (length already counting the
// FINGERPRINT attribute) is `header` and whose attributes before FINGERPRINT are `body`.
inline std::uint32_t fingerprint_value(ByteSpan header, ByteSpan body) {
  return crc32_update(crc32(header), body) ^ kFingerprintXor;
}

}  // namespace iceway::stun
