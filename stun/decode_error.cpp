#include "stun/decode_error.hpp"

#include <cstdio>

namespace iceway::stun {

std::string_view to_string(DecodeReason reason) {
  switch (reason) {
    case DecodeReason::too_short: return "too_short";
    case DecodeReason::not_stun: return "not_stun";
    case DecodeReason::no_magic_cookie: return "no_magic_cookie";
    case DecodeReason::length_not_multiple_of_4: return "length_not_multiple_of_4";
    case DecodeReason::length_mismatch: return "length_mismatch";
    case DecodeReason::attribute_overrun: return "attribute_overrun";
    case DecodeReason::fingerprint_not_last: return "fingerprint_not_last";
    case DecodeReason::bad_attribute_length: return "bad_attribute_length";
    case DecodeReason::bad_address_family: return "bad_address_family";
    case DecodeReason::bad_value: return "bad_value";
    case DecodeReason::value_too_long: return "value_too_long";
    case DecodeReason::bad_channel_number: return "bad_channel_number";
    case DecodeReason::channel_data_truncated: return "channel_data_truncated";
  }
  return "unknown";
}

namespace {

std::string describe(const DecodeError& error) {
  const unsigned long detail = error.detail;
  char text[96];
  switch (error.reason) {
    case DecodeReason::too_short:
      std::snprintf(text, sizeof text, "%lu bytes is too short", detail);
      break;
    case DecodeReason::not_stun:
      std::snprintf(text, sizeof text, "first byte 0x%02lx is not a STUN message type", detail);
      break;
    case DecodeReason::no_magic_cookie:
      std::snprintf(text, sizeof text, "magic cookie 0x%08lx is not 0x2112a442 (RFC 3489 or not STUN)", detail);
      break;
    case DecodeReason::length_not_multiple_of_4:
      std::snprintf(text, sizeof text, "message length %lu is not a multiple of 4", detail);
      break;
    case DecodeReason::length_mismatch:
      std::snprintf(text, sizeof text, "message length %lu does not match the bytes after the header", detail);
      break;
    case DecodeReason::attribute_overrun:
      std::snprintf(text, sizeof text, "length %lu runs past the end", detail);
      break;
    case DecodeReason::fingerprint_not_last:
      std::snprintf(text, sizeof text, "FINGERPRINT is not the last attribute");
      break;
    case DecodeReason::bad_attribute_length:
      std::snprintf(text, sizeof text, "length %lu is not allowed", detail);
      break;
    case DecodeReason::bad_address_family:
      std::snprintf(text, sizeof text, "unknown address family 0x%02lx", detail);
      break;
    case DecodeReason::bad_value:
      std::snprintf(text, sizeof text, "value %lu is out of range", detail);
      break;
    case DecodeReason::value_too_long:
      std::snprintf(text, sizeof text, "value of %lu bytes is too long", detail);
      break;
    case DecodeReason::bad_channel_number:
      std::snprintf(text, sizeof text, "channel number 0x%04lx is outside 0x4000-0x7fff", detail);
      break;
    case DecodeReason::channel_data_truncated:
      std::snprintf(text, sizeof text, "ChannelData length %lu runs past the end", detail);
      break;
  }
  return text;
}

}  // namespace

std::string DecodeError::to_string() const {
  std::string text;
  if (has_attribute) {
    char prefix[24];
    std::snprintf(prefix, sizeof prefix, "attribute 0x%04x: ", attribute);
    text = prefix;
  }
  text += describe(*this);
  text += " (offset " + std::to_string(offset) + ")";
  return text;
}

}  // namespace iceway::stun
