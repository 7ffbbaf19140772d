#pragma once
// Retransmission idempotence (RFC 8656 §7.2, RFC 8489 §6.3.1): over UDP a client repeats a
// request whose answer was lost, and the repeat must get the same answer and change nothing
// twice. This cache keeps the response bytes of recent requests keyed by (client 5-tuple,
// transaction id) for 40 s, the longest a client retransmits (RFC 8489 §6.2.1: Rc = 7 with
// RTO 500 ms gives 39.5 s).
//
// Bounded: a ring of `capacity` slots, the oldest overwritten first, so a flood cannot grow
// it. Each slot's byte buffer keeps its capacity when reused, so after warm-up storing costs
// no allocation. Only answers to authenticated requests are stored (see dispatch): 401
// challenges are cheap to repeat and must not let a spoofed flood evict real entries.
// An entry is also matched on the method, so a different request reusing the transaction id
// is not answered from the cache. One per worker; not thread-safe.
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <unordered_map>
#include <vector>

#include "common/bytes.hpp"
#include "common/clock.hpp"
#include "common/endpoint.hpp"
#include "turn/allocation.hpp"

namespace iceway::turn {

class RetransmitCache {
 public:
  static constexpr Seconds kWindow{40};
  static constexpr std::size_t kMaxResponseSize = 1024;  // ours are ~100-250 bytes

  explicit RetransmitCache(std::size_t capacity = 4096, Seconds window = kWindow);

  // The stored answer, valid until the next store(); nothing if absent or older than window.
  std::optional<ByteSpan> find(const FiveTuple& five_tuple, const TransactionId& transaction_id,
                               stun::Method method, TimePoint now) const;

  // Remembers `response` (ignored when larger than kMaxResponseSize).
  void store(const FiveTuple& five_tuple, const TransactionId& transaction_id, stun::Method method,
             ByteSpan response, TimePoint now);

  std::size_t size() const { return index_.size(); }

 private:
  struct Key {
    FiveTuple five_tuple;
    TransactionId transaction_id;
    friend bool operator==(const Key&, const Key&) = default;
  };
  struct KeyHash {
    std::size_t operator()(const Key& key) const noexcept;
  };
  struct Slot {
    Key key;
    stun::Method method = stun::Method::binding;
    TimePoint stored{};
    bool used = false;
    std::vector<std::byte> response;
  };

  Seconds window_;
  std::vector<Slot> slots_;
  std::size_t next_ = 0;
  std::unordered_map<Key, std::size_t, KeyHash> index_;
};

}  // namespace iceway::turn
