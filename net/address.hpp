#pragma once
// Conversions between iceway::Endpoint (the cores' value type) and the socket layer's
// sockaddr and Asio endpoints. Only net/ and the I/O libraries include this.
#include <sys/socket.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <optional>
#include <vector>

#include "common/endpoint.hpp"

namespace iceway::net {

// Writes the endpoint as a sockaddr_in or sockaddr_in6 at the start of `out` (the rest of the
// storage is left as it was) and returns that length.
socklen_t to_sockaddr(const Endpoint& endpoint, sockaddr_storage& out);
// IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) from dual-stack sockets come back as IPv4, so
// one client has one identity whichever socket it used.
Endpoint from_sockaddr(const sockaddr* address);
// Writes `source` as IP_PKTINFO or IPV6_PKTINFO control data into `control` (at least 64
// bytes, cmsghdr-aligned), so a datagram sent from a wildcard socket leaves from that
// address; returns the msg_controllen to use.
std::size_t write_packet_info(const IpAddress& source, std::byte* control);

boost::asio::ip::address to_asio(const IpAddress& address);
IpAddress from_asio(const boost::asio::ip::address& address);
boost::asio::ip::udp::endpoint to_udp(const Endpoint& endpoint);
boost::asio::ip::tcp::endpoint to_tcp(const Endpoint& endpoint);
Endpoint from_asio(const boost::asio::ip::udp::endpoint& endpoint);
Endpoint from_asio(const boost::asio::ip::tcp::endpoint& endpoint);

// The first non-loopback, non-link-local address of a family on this host (getifaddrs),
// used for defaults such as the relay address (SPEC §3).
std::optional<IpAddress> first_local_address(AddressFamily family);

// Every IPv4 and IPv6 address on every interface of this host, up or down, sorted and
// without repeats (getifaddrs). The peer policy denies them all as relay peers, so it is
// re-read while running: addresses come and go (DHCP, VPNs, containers).
std::vector<IpAddress> host_addresses();

}  // namespace iceway::net
