#pragma once
// SPEC §3's configuration keys and their defaults, written out by hand as the contract that
// deploy/iceway.toml, the config install.sh writes and docs/configuration.md are checked
// against. A key added to the SPEC goes here first; the checks then say where it is missing.
#include <array>
#include <string_view>

namespace iceway::ops {

struct ConfigKey {
  std::string_view section;
  std::string_view key;
  std::string_view default_toml;  // the value exactly as SPEC §3 writes it
};

inline constexpr std::array<ConfigKey, 34> kConfigKeys{{
    {"server", "realm", R"("iceway")"},
    {"server", "threads", "0"},
    {"server", "external_ip", R"("")"},
    {"server", "public_host", R"("")"},
    {"server", "drain_timeout", R"("30s")"},
    {"server", "ipv6_prefix", "64"},
    {"turn", "listen", R"(["0.0.0.0:3478", "[::]:3478"])"},
    {"turn", "tls_listen", R"(["0.0.0.0:5349"])"},
    {"turn", "relay_ipv4", R"("")"},
    {"turn", "relay_ipv6", R"("")"},
    {"turn", "relay_ports", R"("49152-65535")"},
    {"turn", "max_lifetime", R"("1h")"},
    {"turn", "max_allocations", "10000"},
    {"turn", "max_allocations_per_user", "10"},
    {"turn", "max_allocations_per_ip", "20"},
    {"turn", "bandwidth_per_allocation", R"("0")"},
    {"auth", "secrets", "[]"},
    {"auth", "secret_file", R"("")"},
    {"auth", "credential_ttl", R"("24h")"},
    {"auth", "api_keys", "[]"},
    {"auth", "users", "[]"},
    {"peers", "allow_loopback", "false"},
    {"peers", "allow", "[]"},
    {"peers", "deny", "[]"},
    {"peers", "refused_per_minute", "20"},
    {"signal", "listen", R"("0.0.0.0:8080")"},
    {"signal", "require_token", "false"},
    {"signal", "token_secret", R"("")"},
    {"signal", "allowed_origins", "[]"},
    {"admin", "listen", R"("127.0.0.1:9641")"},
    {"tls", "cert", R"("")"},
    {"tls", "key", R"("")"},
    {"log", "level", R"("info")"},
    {"log", "format", R"("text")"},
}};

}  // namespace iceway::ops
