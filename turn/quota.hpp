#pragma once
// Allocation quotas (SPEC §9): in total, per user and per client IP, process-wide.
//
// Workers meet here: every worker's Allocate asks the same Quota, so it holds a mutex. That
// costs nothing on the relay path, because only Allocate and an allocation's end touch it.
// A successful acquire() returns a QuotaLease that the Allocation owns; destroying the lease
// (the allocation ends for any reason) gives the slot back, so no path can leak a count.
//
// The per-IP count keys IPv6 clients by their prefix of `ipv6_prefix` bits (server.ipv6_prefix,
// /64 by default), because one subscriber holds a whole /64. A lease remembers the key it was
// counted under, so a reload that changes the prefix still releases the right entry.
// A limit of 0 means unlimited. Limits change on SIGHUP through set_limits(); allocations
// already above a lowered limit stay until they end.
#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "common/endpoint.hpp"
#include "common/source_prefix.hpp"
#include "common/result.hpp"

namespace iceway::turn {

struct QuotaLimits {
  std::size_t total = 10000;
  std::size_t per_user = 10;
  std::size_t per_ip = 20;
  unsigned ipv6_prefix = kDefaultIpv6SourcePrefix;
};

enum class QuotaError : std::uint8_t { total, per_user, per_ip };
std::string_view label(QuotaError error);  // "total", "per_user", "per_ip"

class Quota;

// One allocation's share of the quota. Move-only; releases on destruction.
class QuotaLease {
 public:
  QuotaLease() = default;
  QuotaLease(QuotaLease&& other) noexcept { *this = std::move(other); }
  QuotaLease& operator=(QuotaLease&& other) noexcept;
  QuotaLease(const QuotaLease&) = delete;
  QuotaLease& operator=(const QuotaLease&) = delete;
  ~QuotaLease() { release(); }

  bool held() const { return quota_ != nullptr; }
  void release();

 private:
  friend class Quota;
  QuotaLease(Quota* quota, std::string user, IpAddress ip) : quota_(quota), user_(std::move(user)), ip_(ip) {}

  Quota* quota_ = nullptr;
  std::string user_;
  IpAddress ip_;
};

class Quota {
 public:
  explicit Quota(QuotaLimits limits) : limits_(limits) {}
  Quota(const Quota&) = delete;
  Quota& operator=(const Quota&) = delete;

  void set_limits(QuotaLimits limits);

  // Takes one slot for `user` from `client`, or says which limit bit.
  Result<QuotaLease, QuotaError> acquire(std::string_view user, const IpAddress& client);

  std::size_t active() const;
  std::size_t active_for_user(std::string_view user) const;
  std::size_t active_for_ip(const IpAddress& client) const;
  // Refusals by reason since start (iceway_turn_allocations_total{result="quota_*"}).
  std::uint64_t denied(QuotaError reason) const { return denied_[static_cast<std::size_t>(reason)].load(std::memory_order_relaxed); }

 private:
  friend class QuotaLease;
  void release(const std::string& user, const IpAddress& client);
  IpAddress ip_key(const IpAddress& client) const;  // with mutex_ held

  mutable std::mutex mutex_;  // guards limits_, total_, per_user_, per_ip_
  QuotaLimits limits_;
  std::size_t total_ = 0;
  std::unordered_map<std::string, std::size_t> per_user_;
  std::unordered_map<IpAddress, std::size_t> per_ip_;
  std::array<std::atomic<std::uint64_t>, 3> denied_{};
};

}  // namespace iceway::turn
