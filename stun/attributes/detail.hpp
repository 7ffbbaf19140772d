#pragma once
// Helpers shared by the attribute codecs in this folder; not part of the public API.
#include <cstddef>
#include <cstdint>

#include "stun/decode_error.hpp"
#include "stun/message.hpp"

namespace iceway::stun::detail {

inline DecodeError error_in(const Attribute& attribute, DecodeReason reason, std::uint32_t detail) {
  return attribute_error(reason, to_wire(attribute.type), attribute.offset, detail);
}
inline DecodeError bad_length(const Attribute& attribute) {
  return error_in(attribute, DecodeReason::bad_attribute_length, static_cast<std::uint32_t>(attribute.value.size()));
}
inline std::uint8_t byte_at(ByteSpan bytes, std::size_t index) { return std::to_integer<std::uint8_t>(bytes[index]); }

}  // namespace iceway::stun::detail
