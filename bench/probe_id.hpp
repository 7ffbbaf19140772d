#pragma once
// What iceway-bench puts in a Binding request's 96-bit transaction id (RFC 8489 §5 leaves
// its content to the client): a random tag for this run, the sending socket's index and the
// request's sequence number on that socket. The answer echoes the id, so matching an answer
// to its request is three loads and a table index, with no per-request map; and an answer
// from an earlier run, or meant for another socket, is recognised as a stranger.
#include <cstdint>

#include "stun/message.hpp"

namespace iceway::bench {

struct ProbeId {
  std::uint32_t run_tag = 0;
  std::uint32_t socket = 0;
  std::uint32_t sequence = 0;

  stun::TransactionId to_transaction_id() const;
  static ProbeId from_transaction_id(const stun::TransactionId& id);

  friend bool operator==(const ProbeId&, const ProbeId&) = default;
};

}  // namespace iceway::bench
