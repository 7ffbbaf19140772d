#pragma once
// Caps on TURN clients' TCP and TLS connections (issue 11, finding 1): in total, per source
// (IPv4 address, or IPv6 prefix of server.ipv6_prefix bits) and on TLS handshakes in progress.
// Without them one client can open connections until the process runs out of descriptors
// and memory.
//
// Workers meet here: every worker's acceptor asks the same StreamLimits, so it holds a mutex.
// Only accepting a connection and its end touch it, never a frame. A granted acquire returns
// a move-only slot that the connection owns; destroying (or releasing) the slot gives it back,
// so no path can leak a count. A limit of 0 means unlimited. Limits change on SIGHUP through
// set_limits(); connections already above a lowered limit stay until they end.
#include <cstddef>
#include <mutex>
#include <unordered_map>
#include <utility>

#include "common/endpoint.hpp"
#include "common/result.hpp"
#include "common/source_prefix.hpp"
#include "turn/stream_close.hpp"

namespace iceway::turn {

struct StreamLimitSettings {
  std::size_t total = 10000;
  std::size_t per_source = 64;
  std::size_t tls_handshakes = 256;
  unsigned ipv6_prefix = kDefaultIpv6SourcePrefix;
  friend bool operator==(const StreamLimitSettings&, const StreamLimitSettings&) = default;
};

class StreamLimits;

// One granted connection (kind connection) or TLS handshake in progress (kind handshake).
class StreamSlot {
 public:
  StreamSlot() = default;
  StreamSlot(StreamSlot&& other) noexcept { *this = std::move(other); }
  StreamSlot& operator=(StreamSlot&& other) noexcept;
  StreamSlot(const StreamSlot&) = delete;
  StreamSlot& operator=(const StreamSlot&) = delete;
  ~StreamSlot() { release(); }

  bool held() const { return limits_ != nullptr; }
  void release();

 private:
  friend class StreamLimits;
  enum class Kind : bool { connection, handshake };
  StreamSlot(StreamLimits* limits, Kind kind, IpAddress source) : limits_(limits), kind_(kind), source_(source) {}

  StreamLimits* limits_ = nullptr;
  Kind kind_ = Kind::connection;
  IpAddress source_;  // the prefix key acquire() counted, so a reload changing the prefix cannot unbalance it
};

class StreamLimits {
 public:
  explicit StreamLimits(StreamLimitSettings settings) : settings_(settings) {}
  StreamLimits(const StreamLimits&) = delete;
  StreamLimits& operator=(const StreamLimits&) = delete;

  void set_limits(StreamLimitSettings settings);

  // A slot for a new connection from `client`, or which cap refused it (total_limit, per_ip_limit).
  Result<StreamSlot, StreamClose> acquire_connection(const IpAddress& client);
  // A slot for one TLS handshake in progress, or tls_handshake_limit.
  Result<StreamSlot, StreamClose> acquire_handshake();

  std::size_t connections() const;
  std::size_t connections_from(const IpAddress& client) const;
  std::size_t handshakes() const;

 private:
  friend class StreamSlot;
  void release(StreamSlot::Kind kind, const IpAddress& source);

  mutable std::mutex mutex_;  // guards everything below
  StreamLimitSettings settings_;
  std::size_t connections_ = 0;
  std::size_t handshakes_ = 0;
  std::unordered_map<IpAddress, std::size_t> per_source_;
};

}  // namespace iceway::turn
