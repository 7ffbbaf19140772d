#include "app/ice_servers.hpp"

namespace iceway::app {

std::string url_host(const std::string& host) {
  return host.find(':') != std::string::npos && host.front() != '[' ? "[" + host + "]" : host;
}

Result<nlohmann::json, turn::CredentialError> ice_servers(const IceUrls& urls, const turn::Credentials& credentials,
                                                          std::string_view user_id, Seconds ttl, UnixSeconds now) {
  auto credential = credentials.make_credential(user_id, ttl, now);
  if (!credential) return failure(credential.error());
  const std::string host = url_host(urls.host);
  const std::string address = host + ":" + std::to_string(urls.port);
  nlohmann::json servers = nlohmann::json::array();
  servers.push_back({{"urls", {"stun:" + address}}});
  servers.push_back({{"urls", {"turn:" + address + "?transport=udp", "turn:" + address + "?transport=tcp"}},
                     {"username", credential.value().username},
                     {"credential", credential.value().password}});
  if (urls.tls_port) {
    servers.push_back({{"urls", {"turns:" + host + ":" + std::to_string(*urls.tls_port) + "?transport=tcp"}},
                       {"username", credential.value().username},
                       {"credential", credential.value().password}});
  }
  return success(std::move(servers));
}

}  // namespace iceway::app
