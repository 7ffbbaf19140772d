#include "stun/attributes/security.hpp"

#include <cstring>

#include "stun/attributes/detail.hpp"

namespace iceway::stun {

namespace {

constexpr std::size_t padded(std::size_t length) { return (length + 3) & ~std::size_t{3}; }

// Walks (algorithm, parameters length, parameters padded to 4) entries; false if one runs
// past the end. Calls `visit(algorithm)` for each.
template <class Visit>
bool walk_algorithms(ByteSpan list, Visit&& visit) {
  std::size_t offset = 0;
  while (offset < list.size()) {
    if (list.size() - offset < 4) return false;
    const std::uint16_t algorithm = load_u16(list.data() + offset);
    const std::size_t parameters = load_u16(list.data() + offset + 2);
    if (list.size() - offset - 4 < padded(parameters)) return false;
    visit(algorithm);
    offset += 4 + padded(parameters);
  }
  return true;
}

}  // namespace

Result<MessageIntegrity, DecodeError> MessageIntegrity::decode(const Attribute& attribute, const TransactionId&) {
  if (attribute.value.size() != 20) return failure(detail::bad_length(attribute));
  return MessageIntegrity{attribute.value};
}

Result<MessageIntegritySha256, DecodeError> MessageIntegritySha256::decode(const Attribute& attribute,
                                                                           const TransactionId&) {
  const std::size_t size = attribute.value.size();
  if (size < 16 || size > 32 || size % 4 != 0) return failure(detail::bad_length(attribute));
  return MessageIntegritySha256{attribute.value};
}

Result<Fingerprint, DecodeError> Fingerprint::decode(const Attribute& attribute, const TransactionId&) {
  if (attribute.value.size() != 4) return failure(detail::bad_length(attribute));
  return Fingerprint{load_u32(attribute.value.data())};
}

bool PasswordAlgorithm::encode(MutableByteSpan out, const TransactionId&) const {
  if (parameters.size() > 0xFFFF - 4) return false;
  store_u16(out.data(), static_cast<std::uint16_t>(algorithm));
  store_u16(out.data() + 2, static_cast<std::uint16_t>(parameters.size()));
  if (!parameters.empty()) std::memcpy(out.data() + 4, parameters.data(), parameters.size());
  std::memset(out.data() + 4 + parameters.size(), 0, padded(parameters.size()) - parameters.size());
  return true;
}

Result<PasswordAlgorithm, DecodeError> PasswordAlgorithm::decode(const Attribute& attribute, const TransactionId&) {
  const ByteSpan value = attribute.value;
  if (value.size() < 4) return failure(detail::bad_length(attribute));
  const std::size_t parameters = load_u16(value.data() + 2);
  if (value.size() != 4 + padded(parameters)) return failure(detail::bad_length(attribute));
  return PasswordAlgorithm{static_cast<PasswordAlgorithmId>(load_u16(value.data())), value.subspan(4, parameters)};
}

bool PasswordAlgorithms::contains(PasswordAlgorithmId algorithm) const {
  bool found = false;
  walk_algorithms(list, [&](std::uint16_t each) { found = found || each == static_cast<std::uint16_t>(algorithm); });
  return found;
}

bool PasswordAlgorithms::encode(MutableByteSpan out, const TransactionId&) const {
  if (!walk_algorithms(list, [](std::uint16_t) {})) return false;
  if (!list.empty()) std::memcpy(out.data(), list.data(), list.size());
  return true;
}

Result<PasswordAlgorithms, DecodeError> PasswordAlgorithms::decode(const Attribute& attribute, const TransactionId&) {
  if (!walk_algorithms(attribute.value, [](std::uint16_t) {})) return failure(detail::bad_length(attribute));
  return PasswordAlgorithms{attribute.value};
}

bool UserHash::encode(MutableByteSpan out, const TransactionId&) const {
  std::memcpy(out.data(), hash.data(), hash.size());
  return true;
}

Result<UserHash, DecodeError> UserHash::decode(const Attribute& attribute, const TransactionId&) {
  if (attribute.value.size() != 32) return failure(detail::bad_length(attribute));
  UserHash result;
  std::memcpy(result.hash.data(), attribute.value.data(), result.hash.size());
  return result;
}

}  // namespace iceway::stun
