#include "turn/mobility.hpp"

#include <array>

namespace iceway::turn {

namespace {

constexpr char kHex[] = "0123456789abcdef";

std::optional<std::uint8_t> hex_digit(std::byte c) {
  const auto ch = static_cast<char>(c);
  if (ch >= '0' && ch <= '9') return static_cast<std::uint8_t>(ch - '0');
  if (ch >= 'a' && ch <= 'f') return static_cast<std::uint8_t>(ch - 'a' + 10);
  return std::nullopt;
}

}  // namespace

stun::MobilityTicket issue_mobility_ticket(std::uint8_t worker, RandomSource& random) {
  std::array<std::byte, (kMobilityTicketSize - 2) / 2> secret{};
  random.fill(secret);
  stun::MobilityTicket ticket;
  ticket.length = kMobilityTicketSize;
  ticket.bytes[0] = static_cast<std::byte>(kHex[worker >> 4]);
  ticket.bytes[1] = static_cast<std::byte>(kHex[worker & 0x0f]);
  for (std::size_t i = 0; i < secret.size(); ++i) {
    const auto value = static_cast<std::uint8_t>(secret[i]);
    ticket.bytes[2 + 2 * i] = static_cast<std::byte>(kHex[value >> 4]);
    ticket.bytes[3 + 2 * i] = static_cast<std::byte>(kHex[value & 0x0f]);
  }
  return ticket;
}

std::optional<std::uint8_t> mobility_ticket_worker(const stun::MobilityTicket& ticket) {
  if (ticket.length != kMobilityTicketSize) return std::nullopt;
  std::uint8_t worker = 0;
  for (std::size_t i = 0; i < kMobilityTicketSize; ++i) {
    const auto digit = hex_digit(ticket.bytes[i]);
    if (!digit) return std::nullopt;
    if (i < 2) worker = static_cast<std::uint8_t>(worker << 4 | *digit);
  }
  return worker;
}

}  // namespace iceway::turn
