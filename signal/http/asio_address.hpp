#pragma once
// Conversions between iceway's Asio-free address values and Asio's, at the socket boundary.
#include <boost/asio/ip/tcp.hpp>

#include "common/endpoint.hpp"

namespace iceway::signaling {

inline IpAddress to_ip_address(const boost::asio::ip::address& address) {
  if (address.is_v4()) return IpAddress::v4(address.to_v4().to_bytes());
  const auto v6 = address.to_v6();
  // A dual-stack socket reports IPv4 clients as ::ffff:a.b.c.d; count them as the IPv4 address
  // so the per-address cap sees one client, not two.
  if (v6.is_v4_mapped()) return IpAddress::v4(boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, v6).to_bytes());
  return IpAddress::v6(v6.to_bytes());
}

inline Endpoint to_endpoint(const boost::asio::ip::tcp::endpoint& endpoint) {
  return {to_ip_address(endpoint.address()), endpoint.port()};
}

inline boost::asio::ip::tcp::endpoint to_asio(const Endpoint& endpoint) {
  const auto& bytes = endpoint.address.bytes();
  if (endpoint.address.is_v4()) {
    return {boost::asio::ip::address_v4({bytes[0], bytes[1], bytes[2], bytes[3]}), endpoint.port};
  }
  boost::asio::ip::address_v6::bytes_type v6{};
  std::copy(bytes.begin(), bytes.end(), v6.begin());
  return {boost::asio::ip::address_v6(v6), endpoint.port};
}

}  // namespace iceway::signaling
