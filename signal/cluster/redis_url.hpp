#pragma once
// cluster.redis's two forms, checked by --check-config and used by the Redis link.
#include <string>
#include <string_view>

#include "common/endpoint.hpp"
#include "common/result.hpp"

namespace iceway::signaling::cluster {

struct RedisAddress {
  Endpoint tcp;           // redis://ADDRESS[:PORT], port 6379 by default
  std::string unix_path;  // unix:///PATH; non-empty = this form
};

// "redis://10.0.0.5:6379", "redis://[fd00::5]", "unix:///run/redis/redis.sock". The host must be
// a literal address (or "localhost"): hiredis resolves names with a blocking getaddrinfo, which
// would stall the signaling thread at every reconnect. The error says what to write instead.
Result<RedisAddress, std::string> parse_redis_url(std::string_view text);

// A node id as it appears in channel names: 1-64 of A-Z a-z 0-9 . _ - :
bool valid_node_id(std::string_view id);

}  // namespace iceway::signaling::cluster
