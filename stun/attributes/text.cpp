#include "stun/attributes/text.hpp"

#include "stun/attributes/detail.hpp"

namespace iceway::stun {

std::size_t utf8_length(std::string_view text) {
  std::size_t count = 0;
  for (char c : text) count += (static_cast<unsigned char>(c) & 0xC0u) != 0x80u;
  return count;
}

bool text_fits(std::string_view value, std::size_t max_bytes, std::size_t max_characters) {
  return value.size() <= max_bytes && utf8_length(value) <= max_characters;
}

Result<std::string_view, DecodeError> decode_text(const Attribute& attribute, std::size_t max_bytes) {
  if (attribute.value.size() > max_bytes) {
    return failure(detail::error_in(attribute, DecodeReason::value_too_long,
                                    static_cast<std::uint32_t>(attribute.value.size())));
  }
  return as_string_view(attribute.value);
}

}  // namespace iceway::stun
