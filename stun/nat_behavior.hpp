#pragma once
// RFC 5780 NAT behaviour discovery on the server side, pure: where a Binding answer leaves
// from, where it goes and what it says, for a server with two IP addresses and two ports.
//
// The server listens on the four combinations of {primary IP, alternate IP} x {primary port,
// alternate port}. A request that arrived on one of them is answered with
//   - RESPONSE-ORIGIN: the address the answer leaves from: the arrival address, with the other
//     IP if CHANGE-REQUEST asks "change IP" and the other port if it asks "change port";
//   - OTHER-ADDRESS: the combination that differs from the arrival address in both IP and port
//     (§7.4), which the client tests against next;
//   - to the request's source, or to its IP and RESPONSE-PORT (§7.5);
//   - PADDING when the request carried PADDING (§7.6).
// Refused with 400: CHANGE-REQUEST asking for a change, PADDING or RESPONSE-PORT over a
// stream (they are about datagrams), and PADDING together with RESPONSE-PORT (the answer to
// a padded request tests the path the request came by). A request that arrived on none of the
// four addresses (another listener, say IPv6) gets a plain answer, or 420 listing
// CHANGE-REQUEST when it asks for a change that address cannot make.
//
// Amplification (SPEC §9): RFC 5780 answers reach whoever the source address claims to be,
// like every Binding answer. They carry two more addresses than a plain one, which natdiscovery
// needs even in answers to its smallest requests, so they can be up to 2.3 times the request;
// PADDING never makes an answer larger than its request (coturn pads to the MTU, 1500 bytes,
// whatever the request's size). The caller charges every answer to the source's byte budget.
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "common/bytes.hpp"
#include "common/endpoint.hpp"
#include "common/result.hpp"
#include "stun/attributes/error_code.hpp"
#include "stun/message.hpp"
#include "stun/message_builder.hpp"

namespace iceway::stun {

struct NatAddresses {
  Endpoint primary;    // primary IP, primary port
  Endpoint alternate;  // alternate IP, alternate port
};

// The four addresses the server must receive on: primary, primary IP with the alternate port,
// alternate IP with the primary port, alternate.
std::array<Endpoint, 4> nat_listen_addresses(const NatAddresses& addresses);

struct NatPlan {
  Endpoint origin;       // send the answer from here (RESPONSE-ORIGIN)
  Endpoint destination;  // to here
  Endpoint other;        // OTHER-ADDRESS
  std::size_t padding = 0;  // PADDING value bytes in the answer (0 = no PADDING)
};

struct NatRefusal {
  ErrorCode code = ErrorCode::bad_request;  // 400, or 420 (UNKNOWN-ATTRIBUTES: CHANGE-REQUEST)
  const char* reason = "";                  // for the reason phrase and logs
};

// The decision for a Binding request of `request_size` bytes from `client`, which arrived on
// `arrival` over a datagram transport or not. None: answer as a server without RFC 5780 does
// (the request arrived on none of the four addresses and asked for no change).
Result<std::optional<NatPlan>, NatRefusal> plan_nat_binding(const MessageView& request, std::size_t request_size,
                                                             const Endpoint& client, const Endpoint& arrival,
                                                             bool datagram, const NatAddresses& addresses);

// The Binding success for a plan: XOR-MAPPED-ADDRESS (the client), RESPONSE-ORIGIN,
// OTHER-ADDRESS, PADDING if planned, FINGERPRINT.
Result<ByteSpan, BuildError> build_nat_binding_success(const MessageView& request, const Endpoint& client,
                                                       const NatPlan& plan, MutableByteSpan out);

}  // namespace iceway::stun
