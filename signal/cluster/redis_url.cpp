#include "signal/cluster/redis_url.hpp"

namespace iceway::signaling::cluster {

Result<RedisAddress, std::string> parse_redis_url(std::string_view text) {
  constexpr std::string_view kTcp = "redis://";
  constexpr std::string_view kUnix = "unix://";
  RedisAddress address;
  if (text.starts_with(kUnix)) {
    address.unix_path = std::string(text.substr(kUnix.size()));
    if (address.unix_path.empty() || address.unix_path.front() != '/')
      return failure(std::string("a unix socket needs an absolute path, e.g. \"unix:///run/redis/redis-server.sock\""));
    return address;
  }
  if (!text.starts_with(kTcp))
    return failure(std::string("must be \"redis://ADDRESS:PORT\" or \"unix:///PATH\" (rediss:// is not supported: "
                               "Debian 12's hiredis has no TLS)"));
  std::string_view rest = text.substr(kTcp.size());
  if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  if (rest.find('@') != std::string_view::npos)
    return failure(std::string("put the password in cluster.password_file or ICEWAY_REDIS_PASSWORD, not in the URL"));
  std::string host_port(rest);
  if (host_port == "localhost" || host_port.starts_with("localhost:")) host_port.replace(0, 9, "127.0.0.1");
  auto endpoint = Endpoint::parse(host_port, 6379);
  if (!endpoint || endpoint->port == 0 || endpoint->address.is_unspecified())
    return failure("\"" + std::string(text) +
                   "\" does not name a Redis server by address, e.g. \"redis://10.0.0.5:6379\" (a host name would be "
                   "resolved with a blocking lookup on the signaling thread, so give the address)");
  address.tcp = *endpoint;
  return address;
}

bool valid_node_id(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                    c == '_' || c == '-' || c == ':';
    if (!ok) return false;
  }
  return true;
}

}  // namespace iceway::signaling::cluster
