#include "net/address.hpp"

#include <ifaddrs.h>
#include <netinet/in.h>

#include <algorithm>
#include <cstring>

namespace iceway::net {

std::size_t write_packet_info(const IpAddress& source, std::byte* control) {
  msghdr header{};
  header.msg_control = control;
  header.msg_controllen = source.is_v4() ? CMSG_SPACE(sizeof(in_pktinfo)) : CMSG_SPACE(sizeof(in6_pktinfo));
  cmsghdr* c = CMSG_FIRSTHDR(&header);
  if (source.is_v4()) {
    c->cmsg_level = IPPROTO_IP;
    c->cmsg_type = IP_PKTINFO;
    c->cmsg_len = CMSG_LEN(sizeof(in_pktinfo));
    in_pktinfo info{};
    std::memcpy(&info.ipi_spec_dst, source.bytes().data(), 4);
    std::memcpy(CMSG_DATA(c), &info, sizeof info);
  } else {
    c->cmsg_level = IPPROTO_IPV6;
    c->cmsg_type = IPV6_PKTINFO;
    c->cmsg_len = CMSG_LEN(sizeof(in6_pktinfo));
    in6_pktinfo info{};
    std::memcpy(&info.ipi6_addr, source.bytes().data(), 16);
    std::memcpy(CMSG_DATA(c), &info, sizeof info);
  }
  return header.msg_controllen;
}

socklen_t to_sockaddr(const Endpoint& endpoint, sockaddr_storage& out) {
  // Only the structure of the endpoint's family is written (zeroed first, for sin_zero and the
  // IPv6 flow and scope): the relay path converts an address per sent message, and clearing
  // all 128 bytes of the storage was most of that.
  if (endpoint.address.is_v4()) {
    sockaddr_in v4{};
    v4.sin_family = AF_INET;
    v4.sin_port = htons(endpoint.port);
    std::memcpy(&v4.sin_addr, endpoint.address.bytes().data(), 4);
    std::memcpy(&out, &v4, sizeof v4);
    return sizeof(sockaddr_in);
  }
  sockaddr_in6 v6{};
  v6.sin6_family = AF_INET6;
  v6.sin6_port = htons(endpoint.port);
  std::memcpy(&v6.sin6_addr, endpoint.address.bytes().data(), 16);
  std::memcpy(&out, &v6, sizeof v6);
  return sizeof(sockaddr_in6);
}

Endpoint from_sockaddr(const sockaddr* address) {
  if (address->sa_family == AF_INET) {
    auto* v4 = reinterpret_cast<const sockaddr_in*>(address);
    std::array<std::uint8_t, 4> bytes;
    std::memcpy(bytes.data(), &v4->sin_addr, 4);
    return {IpAddress::v4(bytes), ntohs(v4->sin_port)};
  }
  auto* v6 = reinterpret_cast<const sockaddr_in6*>(address);
  std::array<std::uint8_t, 16> bytes;
  std::memcpy(bytes.data(), &v6->sin6_addr, 16);
  static constexpr std::uint8_t kMappedPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::memcmp(bytes.data(), kMappedPrefix, 12) == 0)
    return {IpAddress::v4(std::array<std::uint8_t, 4>{bytes[12], bytes[13], bytes[14], bytes[15]}), ntohs(v6->sin6_port)};
  return {IpAddress::v6(bytes), ntohs(v6->sin6_port)};
}

boost::asio::ip::address to_asio(const IpAddress& address) {
  if (address.is_v4()) {
    boost::asio::ip::address_v4::bytes_type bytes;
    std::memcpy(bytes.data(), address.bytes().data(), 4);
    return boost::asio::ip::address_v4(bytes);
  }
  boost::asio::ip::address_v6::bytes_type bytes;
  std::memcpy(bytes.data(), address.bytes().data(), 16);
  return boost::asio::ip::address_v6(bytes);
}

IpAddress from_asio(const boost::asio::ip::address& address) {
  if (address.is_v4()) return IpAddress::v4(address.to_v4().to_bytes());
  auto v6 = address.to_v6();
  if (v6.is_v4_mapped()) return IpAddress::v4(boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, v6).to_bytes());
  return IpAddress::v6(v6.to_bytes());
}

boost::asio::ip::udp::endpoint to_udp(const Endpoint& endpoint) { return {to_asio(endpoint.address), endpoint.port}; }
boost::asio::ip::tcp::endpoint to_tcp(const Endpoint& endpoint) { return {to_asio(endpoint.address), endpoint.port}; }
Endpoint from_asio(const boost::asio::ip::udp::endpoint& endpoint) { return {from_asio(endpoint.address()), endpoint.port()}; }
Endpoint from_asio(const boost::asio::ip::tcp::endpoint& endpoint) { return {from_asio(endpoint.address()), endpoint.port()}; }

std::optional<IpAddress> first_local_address(AddressFamily family) {
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) return std::nullopt;
  std::optional<IpAddress> found;
  for (ifaddrs* entry = list; entry && !found; entry = entry->ifa_next) {
    if (!entry->ifa_addr) continue;
    int wanted = family == AddressFamily::ipv4 ? AF_INET : AF_INET6;
    if (entry->ifa_addr->sa_family != wanted) continue;
    IpAddress address = from_sockaddr(entry->ifa_addr).address;
    if (address.is_loopback() || address.is_unspecified()) continue;
    // fe80::/10 needs a scope id to be usable and cannot be a relay address.
    if (address.is_v6() && address.bytes()[0] == 0xfe && (address.bytes()[1] & 0xc0) == 0x80) continue;
    found = address;
  }
  ::freeifaddrs(list);
  return found;
}

std::vector<IpAddress> host_addresses() {
  std::vector<IpAddress> addresses;
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) return addresses;
  for (ifaddrs* entry = list; entry; entry = entry->ifa_next) {
    if (!entry->ifa_addr) continue;
    if (entry->ifa_addr->sa_family != AF_INET && entry->ifa_addr->sa_family != AF_INET6) continue;
    addresses.push_back(from_sockaddr(entry->ifa_addr).address);
  }
  ::freeifaddrs(list);
  std::sort(addresses.begin(), addresses.end());
  addresses.erase(std::unique(addresses.begin(), addresses.end()), addresses.end());
  return addresses;
}

}  // namespace iceway::net
