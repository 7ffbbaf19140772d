#pragma once
// The STUN Binding handler (RFC 8489 §6.3.1, §14.2): a pure function from a parsed request
// and the address it came from to the success response bytes. No I/O, no clock, no state.
#include <cstddef>
#include <string_view>

#include "common/bytes.hpp"
#include "common/endpoint.hpp"
#include "common/result.hpp"
#include "stun/message.hpp"
#include "stun/message_builder.hpp"

namespace iceway::stun {

// The success response's size for a source of this family and a SOFTWARE of this many bytes:
// 20 header + the addresses (2, or 1 without MAPPED-ADDRESS) + SOFTWARE + 8 FINGERPRINT. Tests
// hold responses to it; with our short SOFTWARE a Binding answer stays under 100 bytes, so it
// amplifies little (SPEC §9).
constexpr std::size_t binding_success_size(bool ipv6, std::size_t software_size, bool mapped_address = true) {
  const std::size_t address = 4 + (ipv6 ? 20 : 8);
  const std::size_t software = software_size == 0 ? 0 : 4 + ((software_size + 3) & ~std::size_t{3});
  return kHeaderSize + (mapped_address ? 2 : 1) * address + software + 8;
}

// Writes the Binding success response to `request` into `out`: XOR-MAPPED-ADDRESS with
// `source`, the one attribute RFC 8489 §6.3.1.1 requires; MAPPED-ADDRESS too when
// `mapped_address`, for RFC 3489-era clients that read only that (RFC 5389 §15.1 keeps it for
// backwards compatibility); SOFTWARE when not empty; FINGERPRINT. An IPv4-mapped IPv6 source
// (from a dual-stack socket) is reported as the IPv4 address it is. The request's
// MESSAGE-INTEGRITY, if any, is not checked: Binding is unauthenticated here.
Result<ByteSpan, BuildError> build_binding_success(const MessageView& request, const Endpoint& source,
                                                   std::string_view software, MutableByteSpan out,
                                                   bool mapped_address = true);

// ::ffff:a.b.c.d becomes a.b.c.d; every other address stays as it is.
IpAddress unmap_ipv4(const IpAddress& address);

}  // namespace iceway::stun
