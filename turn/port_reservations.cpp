#include "turn/port_reservations.hpp"

#include <cstring>
#include <utility>
#include <vector>

namespace iceway::turn {
namespace {

std::uint64_t key_of(const ReservationToken& token) {
  std::uint64_t key;
  std::memcpy(&key, token.token.data(), sizeof key);
  return key;
}

}  // namespace

PortReservations::PortReservations(std::unique_ptr<RandomSource> random, Seconds hold)
    : random_(std::move(random)), hold_(hold) {}

PortReservations::~PortReservations() { clear(); }

ReservationToken PortReservations::keep(Reservation reservation, TimePoint now) {
  std::lock_guard lock(mutex_);
  for (;;) {
    ReservationToken token;
    random_->fill(token.token);
    const std::uint64_t key = key_of(token);
    if (key == 0 || held_.contains(key)) continue;  // zero reads as "none"; a repeat is 2^-64-rare
    held_.emplace(key, Held{std::move(reservation), now + hold_});
    order_.emplace_back(now + hold_, key);
    return token;
  }
}

std::optional<Reservation> PortReservations::take(const ReservationToken& token, TimePoint now) {
  std::lock_guard lock(mutex_);
  auto it = held_.find(key_of(token));
  if (it == held_.end() || it->second.until <= now) return std::nullopt;
  Reservation reservation = std::move(it->second.reservation);
  held_.erase(it);
  return reservation;
}

std::size_t PortReservations::expire(TimePoint now) {
  std::vector<Held> ended;  // their sockets close and leases return after the lock is released
  {
    std::lock_guard lock(mutex_);
    while (!order_.empty() && order_.front().first <= now) {
      const auto [until, key] = order_.front();
      order_.pop_front();
      auto it = held_.find(key);
      if (it == held_.end() || it->second.until != until) continue;  // taken already
      ended.push_back(std::move(it->second));
      held_.erase(it);
    }
  }
  return ended.size();
}

void PortReservations::clear() {
  std::unordered_map<std::uint64_t, Held> ended;  // released after the lock, like expire()'s
  {
    std::lock_guard lock(mutex_);
    ended.swap(held_);
    order_.clear();
  }
}

std::size_t PortReservations::size() const {
  std::lock_guard lock(mutex_);
  return held_.size();
}

}  // namespace iceway::turn
