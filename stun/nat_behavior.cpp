#include "stun/nat_behavior.hpp"

#include <algorithm>

#include "stun/attributes/address.hpp"
#include "stun/attributes/nat_behavior.hpp"
#include "stun/binding.hpp"

namespace iceway::stun {
namespace {

// The answer without PADDING: header, XOR-MAPPED-ADDRESS, RESPONSE-ORIGIN, OTHER-ADDRESS
// (each 4 + 8 or 4 + 20 bytes), FINGERPRINT.
std::size_t unpadded_size(const Endpoint& client, const NatPlan& plan) {
  auto address = [](const IpAddress& ip) -> std::size_t { return ip.is_v4() ? 12 : 24; };
  return kHeaderSize + address(unmap_ipv4(client.address)) + address(plan.origin.address) +
         address(plan.other.address) + 8;
}

}  // namespace

std::array<Endpoint, 4> nat_listen_addresses(const NatAddresses& addresses) {
  const auto& [primary, alternate] = addresses;
  return {primary, Endpoint{primary.address, alternate.port}, Endpoint{alternate.address, primary.port}, alternate};
}

Result<std::optional<NatPlan>, NatRefusal> plan_nat_binding(const MessageView& request, std::size_t request_size,
                                                             const Endpoint& client, const Endpoint& arrival,
                                                             bool datagram, const NatAddresses& addresses) {
  const auto change = request.get<ChangeRequest>();
  const auto response_port = request.get<ResponsePort>();
  const auto padding = request.get<Padding>();
  // classify_request parsed every attribute already; a value of the wrong size is malformed.
  if (!change || !response_port || !padding) return failure(NatRefusal{ErrorCode::bad_request, "malformed RFC 5780 attribute"});
  const bool changes = change.value() && (change.value()->change_ip || change.value()->change_port);

  const IpAddress& arrival_ip = arrival.address;
  const bool on_primary_ip = arrival_ip == addresses.primary.address;
  const bool on_alternate_ip = arrival_ip == addresses.alternate.address;
  const bool on_primary_port = arrival.port == addresses.primary.port;
  const bool on_alternate_port = arrival.port == addresses.alternate.port;
  if (!(on_primary_ip || on_alternate_ip) || !(on_primary_port || on_alternate_port)) {
    if (changes) return failure(NatRefusal{ErrorCode::unknown_attribute, "this address has no alternate"});
    if (response_port.value() || padding.value())
      return failure(NatRefusal{ErrorCode::bad_request, "RESPONSE-PORT and PADDING need an RFC 5780 address"});
    return std::optional<NatPlan>{};
  }
  if (!datagram && (changes || response_port.value() || padding.value()))
    return failure(NatRefusal{ErrorCode::bad_request, "CHANGE-REQUEST, RESPONSE-PORT and PADDING are for UDP"});
  if (response_port.value() && padding.value())
    return failure(NatRefusal{ErrorCode::bad_request, "PADDING and RESPONSE-PORT together"});

  const IpAddress& other_ip = on_primary_ip ? addresses.alternate.address : addresses.primary.address;
  const std::uint16_t other_port = on_primary_port ? addresses.alternate.port : addresses.primary.port;
  NatPlan plan;
  plan.other = Endpoint{other_ip, other_port};
  plan.origin = arrival;
  if (change.value() && change.value()->change_ip) plan.origin.address = other_ip;
  if (change.value() && change.value()->change_port) plan.origin.port = other_port;
  plan.destination = client;
  if (response_port.value()) plan.destination.port = response_port.value()->port;
  if (padding.value()) {
    // As large as the request, never larger: the padded answer tests the same path size.
    const std::size_t base = unpadded_size(client, plan) + 4;  // + PADDING's header
    plan.padding = request_size > base ? (request_size - base) & ~std::size_t{3} : 0;
  }
  return std::optional<NatPlan>{plan};
}

Result<ByteSpan, BuildError> build_nat_binding_success(const MessageView& request, const Endpoint& client,
                                                       const NatPlan& plan, MutableByteSpan out) {
  MessageBuilder builder(out);
  builder.start({Method::binding, Class::success}, request.transaction_id());
  builder.add(XorMappedAddress{Endpoint{unmap_ipv4(client.address), client.port}});
  builder.add(ResponseOrigin{plan.origin}).add(OtherAddress{plan.other});
  // The caller's buffer bounds the padding too (a 64 KiB padded request gets what fits).
  const std::size_t room = out.size() > unpadded_size(client, plan) + 4 ? out.size() - unpadded_size(client, plan) - 4 : 0;
  const std::size_t padding = std::min(plan.padding, room & ~std::size_t{3});
  if (padding > 0) builder.add(Padding{padding});
  builder.add_fingerprint();
  return builder.finish();
}

}  // namespace iceway::stun
