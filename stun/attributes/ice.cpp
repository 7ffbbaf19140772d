#include "stun/attributes/ice.hpp"

#include "stun/attributes/detail.hpp"

namespace iceway::stun {

bool Priority::encode(MutableByteSpan out, const TransactionId&) const {
  store_u32(out.data(), value);
  return true;
}

Result<Priority, DecodeError> Priority::decode(const Attribute& attribute, const TransactionId&) {
  if (attribute.value.size() != 4) return failure(detail::bad_length(attribute));
  return Priority{load_u32(attribute.value.data())};
}

Result<UseCandidate, DecodeError> UseCandidate::decode(const Attribute& attribute, const TransactionId&) {
  if (!attribute.value.empty()) return failure(detail::bad_length(attribute));
  return UseCandidate{};
}

template <AttributeType Type>
bool IceRole<Type>::encode(MutableByteSpan out, const TransactionId&) const {
  store_u32(out.data(), static_cast<std::uint32_t>(tie_breaker >> 32));
  store_u32(out.data() + 4, static_cast<std::uint32_t>(tie_breaker));
  return true;
}

template <AttributeType Type>
Result<IceRole<Type>, DecodeError> IceRole<Type>::decode(const Attribute& attribute, const TransactionId&) {
  if (attribute.value.size() != 8) return failure(detail::bad_length(attribute));
  return IceRole{(std::uint64_t{load_u32(attribute.value.data())} << 32) | load_u32(attribute.value.data() + 4)};
}

template struct IceRole<AttributeType::ice_controlled>;
template struct IceRole<AttributeType::ice_controlling>;

}  // namespace iceway::stun
