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

// std::to_array counts the entries, so adding a key is one line.
inline constexpr auto kConfigKeys = std::to_array<ConfigKey>({
    {"server", "realm", R"("iceway")"},
    {"server", "threads", "0"},
    {"server", "external_ip", R"("")"},
    {"server", "public_host", R"("")"},
    {"server", "drain_timeout", R"("30s")"},
    {"server", "ipv6_prefix", "64"},
    {"server", "alternate", "[]"},
    {"turn", "listen", R"(["0.0.0.0:3478", "[::]:3478"])"},
    {"turn", "tls_listen", R"(["0.0.0.0:5349"])"},
    {"turn", "relay_ipv4", R"("")"},
    {"turn", "relay_ipv6", R"("")"},
    {"turn", "relay_ports", R"("49152-65535")"},
    {"turn", "alternate_address", R"("")"},
    {"turn", "max_lifetime", R"("1h")"},
    {"turn", "max_allocations", "10000"},
    {"turn", "max_allocations_per_user", "10"},
    {"turn", "max_allocations_per_ip", "20"},
    {"turn", "bandwidth_per_allocation", R"("0")"},
    {"turn", "max_stream_clients", "10000"},
    {"turn", "max_stream_clients_per_ip", "64"},
    {"turn", "max_tls_handshakes", "256"},
    {"turn", "tls_handshake_timeout", R"("10s")"},
    {"turn", "stream_frame_timeout", R"("10s")"},
    {"turn", "stream_auth_timeout", R"("20s")"},
    {"turn", "unauthenticated_bytes_per_second", R"("8KiB")"},
    {"turn", "unauthenticated_burst_bytes", R"("16KiB")"},
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
    {"signal", "anonymous_credentials", "false"},
    {"signal", "token_secret", R"("")"},
    {"signal", "allowed_origins", "[]"},
    // [socketio] (issue 12), as deploy/iceway.toml and docs/configuration.md write them.
    {"socketio", "enabled", "true"},
    {"socketio", "path", R"("/socket.io/")"},
    {"socketio", "ping_interval", R"("25s")"},
    {"socketio", "ping_timeout", R"("20s")"},
    {"socketio", "max_payload", "1000000"},
    {"socketio", "binary", R"("relay")"},
    {"socketio", "app", R"("tutorial")"},
    {"socketio", "engineio_echo_path", R"("")"},
    {"admin", "listen", R"("127.0.0.1:9641")"},
    {"admin", "control_socket", R"("/run/iceway/control.sock")"},
    {"tls", "cert", R"("")"},
    {"tls", "key", R"("")"},
    {"log", "level", R"("info")"},
    {"log", "format", R"("text")"},
});

}  // namespace iceway::ops
