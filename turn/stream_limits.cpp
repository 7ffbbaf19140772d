#include "turn/stream_limits.hpp"

#include <cassert>

namespace iceway::turn {

StreamSlot& StreamSlot::operator=(StreamSlot&& other) noexcept {
  if (this != &other) {
    release();
    limits_ = std::exchange(other.limits_, nullptr);
    kind_ = other.kind_;
    source_ = other.source_;
  }
  return *this;
}

void StreamSlot::release() {
  if (limits_) std::exchange(limits_, nullptr)->release(kind_, source_);
}

void StreamLimits::set_limits(StreamLimitSettings settings) {
  std::lock_guard lock(mutex_);
  settings_ = settings;
}

Result<StreamSlot, StreamClose> StreamLimits::acquire_connection(const IpAddress& client) {
  std::lock_guard lock(mutex_);
  const IpAddress source = source_prefix(client, settings_.ipv6_prefix);
  if (settings_.total != 0 && connections_ >= settings_.total) return failure(StreamClose::total_limit);
  std::size_t& from_source = per_source_[source];
  if (settings_.per_source != 0 && from_source >= settings_.per_source) {
    // operator[] made the entry; a refused source with nothing open must not keep one.
    if (from_source == 0) per_source_.erase(source);
    return failure(StreamClose::per_ip_limit);
  }
  ++from_source;
  ++connections_;
  return StreamSlot(this, StreamSlot::Kind::connection, source);
}

Result<StreamSlot, StreamClose> StreamLimits::acquire_handshake() {
  std::lock_guard lock(mutex_);
  if (settings_.tls_handshakes != 0 && handshakes_ >= settings_.tls_handshakes)
    return failure(StreamClose::tls_handshake_limit);
  ++handshakes_;
  return StreamSlot(this, StreamSlot::Kind::handshake, IpAddress());
}

void StreamLimits::release(StreamSlot::Kind kind, const IpAddress& source) {
  std::lock_guard lock(mutex_);
  // Every slot was counted by an acquire under this mutex, so the counts are positive.
  if (kind == StreamSlot::Kind::handshake) {
    assert(handshakes_ > 0);
    --handshakes_;
    return;
  }
  assert(connections_ > 0);
  --connections_;
  if (auto it = per_source_.find(source); it != per_source_.end() && --it->second == 0) per_source_.erase(it);
}

std::size_t StreamLimits::connections() const {
  std::lock_guard lock(mutex_);
  return connections_;
}

std::size_t StreamLimits::connections_from(const IpAddress& client) const {
  std::lock_guard lock(mutex_);
  const auto it = per_source_.find(source_prefix(client, settings_.ipv6_prefix));
  return it == per_source_.end() ? 0 : it->second;
}

std::size_t StreamLimits::handshakes() const {
  std::lock_guard lock(mutex_);
  return handshakes_;
}

}  // namespace iceway::turn
