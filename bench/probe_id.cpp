#include "bench/probe_id.hpp"

#include "common/bytes.hpp"

namespace iceway::bench {

stun::TransactionId ProbeId::to_transaction_id() const {
  stun::TransactionId id;
  store_u32(id.bytes.data(), run_tag);
  store_u32(id.bytes.data() + 4, socket);
  store_u32(id.bytes.data() + 8, sequence);
  return id;
}

ProbeId ProbeId::from_transaction_id(const stun::TransactionId& id) {
  return {load_u32(id.bytes.data()), load_u32(id.bytes.data() + 4), load_u32(id.bytes.data() + 8)};
}

}  // namespace iceway::bench
