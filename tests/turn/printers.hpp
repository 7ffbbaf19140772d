#pragma once
// GoogleTest printers for the common value types, so a failed comparison shows
// "10.0.0.1" instead of 17 raw bytes. Found by ADL in namespace iceway.
#include <ostream>

#include "common/endpoint.hpp"

namespace iceway {
inline void PrintTo(const IpAddress& address, std::ostream* out) { *out << address.to_string(); }
inline void PrintTo(const Endpoint& endpoint, std::ostream* out) { *out << endpoint.to_string(); }
inline void PrintTo(const FiveTuple& tuple, std::ostream* out) {
  *out << to_string(tuple.transport) << " " << tuple.client.to_string() << " -> " << tuple.server.to_string();
}
}  // namespace iceway
