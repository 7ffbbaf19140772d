#pragma once
// Warnings about addresses that make a correct-looking configuration useless or exposed:
// a relay or advertised address that clients elsewhere cannot reach (private, carrier-grade
// NAT, documentation) while server.external_ip does not map it to a public one, and an
// admin listener that is not on loopback. `iceway --check-config` prints them and the server
// logs them (at warning) and repeats them in its startup banner. Pure: a resolved Config in,
// sentences out.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "app/config.hpp"
#include "common/endpoint.hpp"

namespace iceway::app {

// Why clients on the Internet cannot reach `address` ("private (RFC 1918)", "a documentation
// address (RFC 5737)", ...), or nullopt for a public address. Loopback and unspecified are
// not classified here: the loader has its own warning for a loopback relay.
std::optional<std::string_view> unreachable_kind(const IpAddress& address);

std::vector<std::string> address_warnings(const Config& config);

}  // namespace iceway::app
