#include "turn/retransmit_cache.hpp"

namespace iceway::turn {

std::size_t RetransmitCache::KeyHash::operator()(const Key& key) const noexcept {
  std::size_t seed = hash_value(key.five_tuple);
  seed ^= stun::hash_value(key.transaction_id) + 0x9e3779b97f4a7c15ULL + (seed << 6) + (seed >> 2);
  return seed;
}

RetransmitCache::RetransmitCache(std::size_t capacity, Seconds window)
    : window_(window), slots_(capacity == 0 ? 1 : capacity) {
  index_.reserve(slots_.size());
}

std::optional<ByteSpan> RetransmitCache::find(const FiveTuple& five_tuple, const TransactionId& transaction_id,
                                              stun::Method method, TimePoint now) const {
  const auto it = index_.find(Key{five_tuple, transaction_id});
  if (it == index_.end()) return std::nullopt;
  const Slot& slot = slots_[it->second];
  if (slot.method != method || now - slot.stored > window_) return std::nullopt;
  return ByteSpan(slot.response);
}

void RetransmitCache::store(const FiveTuple& five_tuple, const TransactionId& transaction_id, stun::Method method,
                            ByteSpan response, TimePoint now) {
  if (response.size() > kMaxResponseSize) return;
  const Key key{five_tuple, transaction_id};
  std::size_t index = 0;
  if (const auto it = index_.find(key); it != index_.end()) {
    index = it->second;  // the same request answered again: replace in place
  } else {
    index = next_;
    next_ = (next_ + 1) % slots_.size();
    if (slots_[index].used) index_.erase(slots_[index].key);
    index_.emplace(key, index);
  }
  Slot& slot = slots_[index];
  slot.key = key;
  slot.method = method;
  slot.stored = now;
  slot.used = true;
  slot.response.assign(response.begin(), response.end());
}

}  // namespace iceway::turn
