// The TURN core's text parsers: CIDRs from the config, nonces and REST-API usernames from
// the network. The input is split at its first newline into two texts.
#include <cstddef>
#include <cstdint>
#include <charconv>
#include <string>
#include <string_view>

#include "turn/cidr.hpp"
#include "turn/nonce.hpp"
#include "turn/rest_credentials.hpp"

namespace {

using namespace iceway;
using namespace iceway::turn;

const NonceIssuer& nonces() {
  static const NonceIssuer issuer(std::array<std::byte, NonceIssuer::kKeySize>{}, Seconds(600));
  return issuer;
}

const Credentials& credentials() {
  static const Credentials instance({"one", "two"}, {StaticUser{"static", "pw"}}, "iceway");
  return instance;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  // A CIDR that parses prints back to text that parses to the same value.
  if (auto cidr = Cidr::parse(text)) {
    auto again = Cidr::parse(cidr.value().to_string());
    if (!again || !(again.value() == cidr.value())) __builtin_trap();
  }
  // Any text as a nonce: never crashes, and one that verifies carries exactly the MAC we
  // would issue for the expiry it names (hex spellings of that expiry may differ).
  const Endpoint client = *Endpoint::parse("198.51.100.7:40000");
  const UnixSeconds now = 1'700'000'000;
  if (nonces().check(text, client, Transport::udp, now) == NonceCheck::ok) {
    const auto dot = text.find('.');
    std::uint64_t expiry = 0;
    std::from_chars(text.data(), text.data() + dot, expiry, 16);
    const UnixSeconds issued_at = static_cast<UnixSeconds>(expiry) - nonces().lifetime().count();
    const std::string ours = nonces().issue(client, Transport::udp, issued_at);
    if (text.substr(dot) != std::string_view(ours).substr(ours.find('.'))) __builtin_trap();
  }
  // Any text as a username: keys for REST users come one per secret.
  if (auto keys = credentials().keys_for(text, 1'700'000'000)) {
    if (keys.value().keys.empty()) __builtin_trap();
  }
  return 0;
}
