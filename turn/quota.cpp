#include "turn/quota.hpp"

#include <cassert>

namespace iceway::turn {

std::string_view label(QuotaError error) {
  switch (error) {
    case QuotaError::total: return "total";
    case QuotaError::per_user: return "per_user";
    case QuotaError::per_ip: return "per_ip";
  }
  return "unknown";
}

QuotaLease& QuotaLease::operator=(QuotaLease&& other) noexcept {
  if (this != &other) {
    release();
    quota_ = std::exchange(other.quota_, nullptr);
    user_ = std::move(other.user_);
    ip_ = other.ip_;
  }
  return *this;
}

void QuotaLease::release() {
  if (quota_) std::exchange(quota_, nullptr)->release(user_, ip_);
}

IpAddress Quota::ip_key(const IpAddress& client) const {
  return source_prefix(client, limits_.ipv6_prefix);
}

void Quota::set_limits(QuotaLimits limits) {
  std::lock_guard lock(mutex_);
  limits_ = limits;
}

Result<QuotaLease, QuotaError> Quota::acquire(std::string_view user, const IpAddress& client) {
  std::lock_guard lock(mutex_);
  const IpAddress ip = ip_key(client);
  auto refuse = [&](QuotaError reason) {
    denied_[static_cast<std::size_t>(reason)].fetch_add(1, std::memory_order_relaxed);
    return failure(reason);
  };
  if (limits_.total != 0 && total_ >= limits_.total) return refuse(QuotaError::total);
  std::string user_key(user);
  const auto user_it = per_user_.find(user_key);
  if (limits_.per_user != 0 && user_it != per_user_.end() && user_it->second >= limits_.per_user) {
    return refuse(QuotaError::per_user);
  }
  const auto ip_it = per_ip_.find(ip);
  if (limits_.per_ip != 0 && ip_it != per_ip_.end() && ip_it->second >= limits_.per_ip) {
    return refuse(QuotaError::per_ip);
  }
  ++total_;
  ++per_user_[user_key];
  ++per_ip_[ip];
  return QuotaLease(this, std::move(user_key), ip);
}

void Quota::release(const std::string& user, const IpAddress& ip) {
  std::lock_guard lock(mutex_);
  // Every lease was counted by acquire() under this mutex, so the entries exist.
  assert(total_ > 0);
  --total_;
  if (auto it = per_user_.find(user); it != per_user_.end() && --it->second == 0) per_user_.erase(it);
  if (auto it = per_ip_.find(ip); it != per_ip_.end() && --it->second == 0) per_ip_.erase(it);
}

std::size_t Quota::active() const {
  std::lock_guard lock(mutex_);
  return total_;
}

std::size_t Quota::active_for_user(std::string_view user) const {
  std::lock_guard lock(mutex_);
  const auto it = per_user_.find(std::string(user));
  return it == per_user_.end() ? 0 : it->second;
}

std::size_t Quota::active_for_ip(const IpAddress& client) const {
  std::lock_guard lock(mutex_);
  const auto it = per_ip_.find(ip_key(client));
  return it == per_ip_.end() ? 0 : it->second;
}

}  // namespace iceway::turn
