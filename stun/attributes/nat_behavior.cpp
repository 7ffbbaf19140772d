#include "stun/attributes/nat_behavior.hpp"

#include <algorithm>

#include "stun/attributes/detail.hpp"

namespace iceway::stun {

bool ChangeRequest::encode(MutableByteSpan out, const TransactionId&) const {
  store_u32(out.data(), (change_ip ? kChangeIp : 0) | (change_port ? kChangePort : 0));
  return true;
}

Result<ChangeRequest, DecodeError> ChangeRequest::decode(const Attribute& attribute, const TransactionId&) {
  if (attribute.value.size() != 4) return failure(detail::bad_length(attribute));
  const std::uint32_t flags = load_u32(attribute.value.data());
  return ChangeRequest{(flags & kChangeIp) != 0, (flags & kChangePort) != 0};
}

bool ResponsePort::encode(MutableByteSpan out, const TransactionId&) const {
  store_u16(out.data(), port);
  store_u16(out.data() + 2, 0);
  return true;
}

Result<ResponsePort, DecodeError> ResponsePort::decode(const Attribute& attribute, const TransactionId&) {
  if (attribute.value.size() != 4) return failure(detail::bad_length(attribute));
  return ResponsePort{load_u16(attribute.value.data())};
}

bool Padding::encode(MutableByteSpan out, const TransactionId&) const {
  std::fill(out.begin(), out.end(), std::byte{0});
  return true;
}

Result<Padding, DecodeError> Padding::decode(const Attribute& attribute, const TransactionId&) {
  return Padding{attribute.value.size()};
}

}  // namespace iceway::stun
