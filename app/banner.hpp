#pragma once
// The start-up banner as a value: what a person running iceway by hand needs to use it (the
// URLs to put in iceServers and in the app, the demo, where metrics are) and every address
// warning. Pure, so each line is unit-tested; the server prints it once it has bound.
#include <string>
#include <vector>

#include "app/config.hpp"
#include "common/endpoint.hpp"

namespace iceway::app {

struct BannerFacts {
  std::string version;              // "iceway 0.9.0 (git abc1234)"
  std::vector<Endpoint> stun_udp;   // as bound (port 0 resolved)
  std::vector<Endpoint> stun_tcp;
  std::vector<Endpoint> stun_tls;   // empty: no certificate, no TLS listener
  Endpoint signal;
  Endpoint admin;
  bool tls = false;                 // the public listener serves https/wss
  std::vector<Endpoint> stun_dtls;  // DTLS on the UDP side of the TLS ports (turn.dtls)
};

std::string banner_text(const Config& config, const BannerFacts& facts);

}  // namespace iceway::app
