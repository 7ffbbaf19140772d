#pragma once
// Addresses as plain values: IpAddress, Endpoint (address and port), Transport and FiveTuple.
// Hashable, comparable, with no dependency on Asio so the pure cores can key tables by them.
// net/ converts to and from Asio endpoints at the socket boundary.
#include <array>
#include <cstdint>
#include <cstring>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace iceway {

enum class AddressFamily : std::uint8_t { ipv4 = 1, ipv6 = 2 };  // STUN's family codes

class IpAddress {
 public:
  IpAddress() = default;  // 0.0.0.0

  static IpAddress v4(std::uint32_t host_order);
  static IpAddress v4(const std::array<std::uint8_t, 4>& bytes);
  static IpAddress v6(const std::array<std::uint8_t, 16>& bytes);
  // Accepts dotted IPv4 and any IPv6 text form (brackets not allowed here).
  static std::optional<IpAddress> parse(std::string_view text);

  AddressFamily family() const { return family_; }
  bool is_v4() const { return family_ == AddressFamily::ipv4; }
  bool is_v6() const { return family_ == AddressFamily::ipv6; }
  // Network-order bytes: the first 4 for IPv4, all 16 for IPv6.
  const std::array<std::uint8_t, 16>& bytes() const { return bytes_; }
  std::size_t size() const { return is_v4() ? 4 : 16; }
  std::uint32_t v4_host_order() const;
  bool is_unspecified() const;
  bool is_loopback() const;

  std::string to_string() const;

  // Two 8-byte compares, inlined: the relay path compares addresses for every packet (table
  // keys, permissions), and the defaulted form called memcmp for the 16 bytes.
  friend bool operator==(const IpAddress& a, const IpAddress& b) {
    std::uint64_t a_words[2];
    std::uint64_t b_words[2];
    std::memcpy(a_words, a.bytes_.data(), sizeof a_words);
    std::memcpy(b_words, b.bytes_.data(), sizeof b_words);
    return a.family_ == b.family_ && a_words[0] == b_words[0] && a_words[1] == b_words[1];
  }
  friend auto operator<=>(const IpAddress&, const IpAddress&) = default;

 private:
  AddressFamily family_ = AddressFamily::ipv4;
  std::array<std::uint8_t, 16> bytes_{};  // unused tail is zero, so == and hash stay simple
};

struct Endpoint {
  IpAddress address;
  std::uint16_t port = 0;

  // "1.2.3.4:3478" or "[::1]:3478".
  std::string to_string() const;
  // Parses "1.2.3.4:3478", "[::1]:3478"; with default_port, also a bare address.
  static std::optional<Endpoint> parse(std::string_view text, std::optional<std::uint16_t> default_port = {});

  friend bool operator==(const Endpoint&, const Endpoint&) = default;
  friend auto operator<=>(const Endpoint&, const Endpoint&) = default;
};

// dtls: DTLS 1.2 over UDP on the TLS port (turn/dtls_session.hpp); a datagram transport, like udp.
enum class Transport : std::uint8_t { udp, tcp, tls, dtls };
std::string_view to_string(Transport transport);

// RFC 8656 §2: the client's address, the server's address and the transport identify a
// client's allocation.
struct FiveTuple {
  Endpoint client;
  Endpoint server;
  Transport transport = Transport::udp;

  friend bool operator==(const FiveTuple&, const FiveTuple&) = default;
};

// A strict weak order for small sorted tables keyed by address (an allocation's permissions
// and channels, looked up per relayed packet): family and two 8-byte compares, inlined,
// where <=> compares the 16 bytes with memcmp. Not the numeric order of the addresses: use
// <=> where the order is shown to anyone.
struct TableOrder {
  bool operator()(const IpAddress& a, const IpAddress& b) const {
    if (a.family() != b.family()) return a.family() < b.family();
    std::uint64_t a_words[2];
    std::uint64_t b_words[2];
    std::memcpy(a_words, a.bytes().data(), sizeof a_words);
    std::memcpy(b_words, b.bytes().data(), sizeof b_words);
    return a_words[0] != b_words[0] ? a_words[0] < b_words[0] : a_words[1] < b_words[1];
  }
  bool operator()(const Endpoint& a, const Endpoint& b) const {
    if (a.port != b.port) return a.port < b.port;
    return (*this)(a.address, b.address);
  }
};

std::size_t hash_value(const IpAddress& address);
std::size_t hash_value(const Endpoint& endpoint);
std::size_t hash_value(const FiveTuple& tuple);

}  // namespace iceway

template <>
struct std::hash<iceway::IpAddress> {
  std::size_t operator()(const iceway::IpAddress& a) const noexcept { return iceway::hash_value(a); }
};
template <>
struct std::hash<iceway::Endpoint> {
  std::size_t operator()(const iceway::Endpoint& e) const noexcept { return iceway::hash_value(e); }
};
template <>
struct std::hash<iceway::FiveTuple> {
  std::size_t operator()(const iceway::FiveTuple& t) const noexcept { return iceway::hash_value(t); }
};
