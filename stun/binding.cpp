#include "stun/binding.hpp"

#include "stun/attributes/address.hpp"
#include "stun/attributes/text.hpp"

namespace iceway::stun {

IpAddress unmap_ipv4(const IpAddress& address) {
  if (!address.is_v6()) return address;
  const auto& bytes = address.bytes();
  for (std::size_t i = 0; i < 10; ++i) {
    if (bytes[i] != 0) return address;
  }
  if (bytes[10] != 0xFF || bytes[11] != 0xFF) return address;
  return IpAddress::v4(std::array<std::uint8_t, 4>{bytes[12], bytes[13], bytes[14], bytes[15]});
}

Result<ByteSpan, BuildError> build_binding_success(const MessageView& request, const Endpoint& source,
                                                   std::string_view software, MutableByteSpan out,
                                                   bool mapped_address) {
  const Endpoint mapped{unmap_ipv4(source.address), source.port};
  MessageBuilder builder(out);
  builder.start({Method::binding, Class::success}, request.transaction_id());
  builder.add(XorMappedAddress{mapped});
  if (mapped_address) builder.add(MappedAddress{mapped});
  if (!software.empty()) builder.add(Software{software});
  builder.add_fingerprint();
  return builder.finish();
}

}  // namespace iceway::stun
