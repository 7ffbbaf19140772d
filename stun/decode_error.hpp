#pragma once
// What went wrong, and where, when bytes from the network do not decode: one error type for
// the STUN header, the attribute walk, typed attribute values and ChannelData framing.
//
// The error is a small value (no string inside), so rejecting garbage on the packet path
// never allocates; to_string() renders the human text ("attribute 0x0014: length 9 runs past
// the end") only when someone logs it.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace iceway::stun {

enum class DecodeReason : std::uint8_t {
  // Header (RFC 8489 §6.3: a message failing these is silently discarded).
  too_short,             // fewer than the 20 header bytes
  not_stun,              // the two top bits of the first byte are not zero
  no_magic_cookie,       // RFC 3489 ("classic") STUN, or not STUN at all; see MessageView::parse
  length_not_multiple_of_4,
  length_mismatch,       // the header's length is not the number of bytes after the header
  // Attribute walk (the header was readable; a request gets 400).
  attribute_overrun,     // an attribute's value runs past the end of the message
  fingerprint_not_last,  // RFC 8489 §14.7
  // Typed attribute values.
  bad_attribute_length,  // detail = the length found
  bad_address_family,    // detail = the family byte found
  bad_value,             // a field outside its allowed range; detail says which value
  value_too_long,        // text longer than the RFC allows; detail = its length
  // ChannelData (RFC 8656 §12.4).
  bad_channel_number,    // detail = the channel number
  channel_data_truncated,  // detail = the length the header claims
};

struct DecodeError {
  DecodeReason reason = DecodeReason::too_short;
  std::size_t offset = 0;       // byte offset in the buffer that was decoded
  std::uint16_t attribute = 0;  // the attribute type, when the error is about one
  bool has_attribute = false;
  std::uint32_t detail = 0;     // the offending number (a length, a family, a channel)

  // "attribute 0x0014: length 9 runs past the end (offset 52)". Allocates; for logs and tests.
  std::string to_string() const;
  friend bool operator==(const DecodeError&, const DecodeError&) = default;
};

// Stable snake_case name of a reason, for metric labels and test output.
std::string_view to_string(DecodeReason reason);

// An error about the message as a whole (header checks).
inline DecodeError message_error(DecodeReason reason, std::size_t offset, std::uint32_t detail = 0) {
  return DecodeError{reason, offset, 0, false, detail};
}
// An error about one attribute, found at `offset` (of its 4-byte attribute header).
inline DecodeError attribute_error(DecodeReason reason, std::uint16_t type, std::size_t offset,
                                   std::uint32_t detail = 0) {
  return DecodeError{reason, offset, type, true, detail};
}

}  // namespace iceway::stun
