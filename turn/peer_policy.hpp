#pragma once
// Which peers a client may relay to (SPEC §9). Checked when a permission is installed
// (CreatePermission, ChannelBind) and for each Send indication's XOR-PEER-ADDRESS; never
// per relayed packet, because a packet can only reach a peer that holds a permission.
//
// The order of the checks is the contract (first match decides):
//   1. 0.0.0.0 and :: are refused ("unspecified").
//   2. An IPv6 address that embeds an IPv4 address is reduced to that IPv4 address
//      (IPv4-mapped ::ffff:0:0/96, IPv4-translated ::ffff:0:0:0/96, IPv4-compatible ::/96
//      except :: and ::1, NAT64 64:ff9b::/96, 6to4 2002::/16). Every later step looks at the
//      reduced ("effective") address, so ::ffff:10.0.0.1, ::10.0.0.1, 64:ff9b::a00:1 and
//      2002:a00:1:: are all 10.0.0.1. Each of coturn's last three peer-filter CVEs was such a
//      re-encoding bypass. Teredo (2001::/32) and local-use NAT64 (64:ff9b:1::/48) embed an
//      address too, but they are denied whole by the default list.
//   3. [peers] deny: matches the original or the effective address ("config_deny").
//   4. The relayed address of one of this server's live allocations (address and port) is
//      allowed ("own_relay"), so two relay-only clients reach each other through one server.
//   5. Any other address of this server (relay IPs, external IPs, specific listen addresses,
//      and every address on any of the host's interfaces) is refused ("server_address"), so
//      a relay cannot reach the server's own services, whichever of the host's addresses
//      they listen on, unless it is loopback and allow_loopback_peers is on (single-host test
//      setups). The host's addresses change while running; the I/O layer re-reads them and
//      builds a new policy (PeerPolicyConfig::host_addresses) when they do.
//   6. [peers] allow: matches the effective address ("config_allow"). Matching only the
//      effective address means allowing 2002::/16 does not re-open 6to4 forms of 10/8.
//   7. Loopback (127.0.0.0/8, ::1): allowed only with allow_loopback_peers ("loopback").
//   8. The SPEC §9 default deny list ("default_range").
//   9. Anything else is allowed ("public").
//
// A PeerPolicy is an immutable value built at start and on SIGHUP; any thread may call
// check() concurrently.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/endpoint.hpp"
#include "common/result.hpp"
#include "turn/cidr.hpp"

namespace iceway::turn {

struct Settings;

// The advertised relayed addresses (XOR-RELAYED-ADDRESS) of this server's live allocations.
// AllocationTable implements it for one worker; the I/O layer may combine workers.
class LiveRelays {
 public:
  virtual ~LiveRelays() = default;
  virtual bool contains(const Endpoint& advertised) const = 0;
};

// A LiveRelays with nothing in it, for checks where no allocation can be meant.
class NoLiveRelays final : public LiveRelays {
 public:
  bool contains(const Endpoint&) const override { return false; }
};

enum class PeerReason : std::uint8_t {
  // allowed
  public_address,
  own_relay,
  config_allow,
  loopback_allowed,
  // denied
  unspecified,
  config_deny,
  server_address,
  loopback,
  default_range,
};

// Metric label (iceway_turn_peer_denied_total{reason}) and log word; a small fixed set.
std::string_view label(PeerReason reason);

struct PeerDecision {
  bool allowed = false;
  PeerReason reason = PeerReason::default_range;
  IpAddress effective;  // the address after step 2 (what was checked)
};

// Returns the IPv4 address an IPv6 address embeds (step 2 above), or the address unchanged.
IpAddress reduce_embedded_ipv4(const IpAddress& address);

struct PeerPolicyConfig {
  bool allow_loopback_peers = false;
  std::vector<std::string> allow;             // CIDR text, validated by create()
  std::vector<std::string> deny;
  std::vector<IpAddress> server_addresses;    // unspecified entries are ignored
  std::vector<IpAddress> host_addresses;      // every interface's, as last read; same treatment

  // [peers] plus every specific address from [turn] and [server] external_ip.
  static PeerPolicyConfig from(const Settings& settings);
};

class PeerPolicy {
 public:
  // Fails with one message per bad CIDR ("peers.allow[1]: \"10.0.0.1/8\": ...").
  static Result<PeerPolicy, std::vector<std::string>> create(const PeerPolicyConfig& config);

  // The default list of SPEC §9 (exactly those ranges plus 64:ff9b:1::/48), in order.
  static const std::vector<Cidr>& default_deny_list();

  PeerDecision check(const Endpoint& peer, const LiveRelays& live_relays) const;

  // Whether `address` (after step 2) is one of this server's addresses: the only case where
  // a permission (which ignores ports) is not enough to relay a Send indication, because
  // only the exact relayed address of a live allocation may be reached there (step 4-5).
  bool is_server_address(const IpAddress& address) const;

 private:
  PeerPolicy() = default;
  bool is_effective_server_address(const IpAddress& effective) const;

  bool allow_loopback_peers_ = false;
  std::vector<Cidr> allow_;
  std::vector<Cidr> deny_;
  std::vector<IpAddress> server_addresses_;  // effective addresses, sorted, unique
};

}  // namespace iceway::turn
