// iceway-bench: load tools for iceway (and, for comparison, any other STUN server).
//
//   iceway-bench stun --server 127.0.0.1:3478 --sockets 16 --window 16 --duration 10 [--rate R] [--json]
//   iceway-bench turn --server 127.0.0.1:3478 --secret S --allocations 10 [--idle 9000] --size 100 --window 8 [--bare] [--timeout 1000] [--json]
//   iceway-bench bare-relay --listen 127.0.0.1:3479 --peer 127.0.0.1:40000 [--duration 60]
//
// Text goes to stdout; with --json the one JSON line goes to stdout and the text to stderr,
// so a script can read stdout and a person still sees the summary.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>

#include "bench/bare_relay.hpp"
#include "bench/stun_load.hpp"
#include "bench/turn_load.hpp"

namespace {

int run_stun(const iceway::bench::StunLoadOptions& options, bool json) {
  const auto problems = options.problems();
  if (!problems.empty()) {
    for (const auto& problem : problems) std::cerr << "iceway-bench stun: " << problem << '\n';
    return 2;
  }
  auto report = iceway::bench::run_stun_load(options);
  if (!report) {
    std::cerr << "iceway-bench stun: " << report.error() << '\n';
    return 1;
  }
  if (json) {
    std::cerr << report.value().to_text();
    std::cout << report.value().to_json() << std::endl;
  } else {
    std::cout << report.value().to_text();
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  using iceway::bench::StunLoadOptions;
  CLI::App app{"iceway-bench: load generators for iceway's benchmarks (docs/BENCHMARKS.md)"};
  app.require_subcommand(1);

  StunLoadOptions stun;
  std::string server;
  long long timeout_ms = stun.timeout.count();
  bool json = false;
  auto* stun_command = app.add_subcommand("stun", "STUN Binding requests over UDP: answered/s, loss, latency");
  stun_command->add_option("--server", server, "Server address, e.g. 127.0.0.1:3478 or [::1]:3478")->required();
  stun_command->add_option("--sockets", stun.sockets, "UDP sockets (each its own client port)")->capture_default_str();
  stun_command->add_option("--duration", stun.duration_seconds, "Seconds of sending (at most 600)")
      ->capture_default_str();
  stun_command->add_option("--window", stun.window, "Requests in flight per socket (closed loop), or its cap")
      ->capture_default_str();
  stun_command->add_option("--rate", stun.rate, "Open loop: requests/s over all sockets (0 = closed loop)")
      ->capture_default_str();
  stun_command->add_option("--timeout", timeout_ms, "Milliseconds after which a request counts as lost")
      ->capture_default_str();
  stun_command->add_option("--max-requests", stun.max_requests, "Stop after this many requests (hard cap)")
      ->capture_default_str();
  stun_command->add_option("--threads", stun.threads, "Load threads (sockets are shared out among them)")
      ->capture_default_str();
  stun_command->add_flag("--fingerprint", stun.fingerprint, "Add FINGERPRINT to every request, as ICE agents do");
  stun_command->add_flag("--json", json, "Print one JSON line on stdout (the text goes to stderr)");

  iceway::bench::TurnLoadOptions turn;
  std::string turn_server;
  bool turn_json = false;
  auto* turn_command = app.add_subcommand("turn", "ChannelData through TURN allocations to an echo peer: relayed/s, loss, latency");
  turn_command->add_option("--server", turn_server, "TURN server address (UDP)")->required();
  turn_command->add_option("--secret", turn.secret, "The server's REST-API secret")->required();
  turn_command->add_option("--allocations", turn.allocations, "Allocations, each its own socket")->capture_default_str();
  turn_command->add_option("--size", turn.size, "Payload bytes per frame")->capture_default_str();
  turn_command->add_option("--idle", turn.idle, "More allocations, set up alike, that carry nothing (--bare: clients that send one frame)")->capture_default_str();
  turn_command->add_option("--window", turn.window, "Frames in flight per allocation")->capture_default_str();
  turn_command->add_option("--duration", turn.duration_seconds, "Seconds of sending (at most 600)")->capture_default_str();
  turn_command->add_flag("--json", turn_json, "Print one JSON line on stdout (the text goes to stderr)");
  turn_command->add_flag("--bare", turn.bare, "The server is iceway-bench bare-relay: no Allocate, no ChannelBind");
  turn_command->add_option("--peer-port", turn.peer_port, "Bind the echo peer to this port (0: any)")->capture_default_str();
  long long turn_timeout_ms = turn.timeout.count();
  turn_command->add_option("--timeout", turn_timeout_ms,
                           "Milliseconds to wait for a setup answer, and after which frames in flight count as lost")
      ->capture_default_str();

  iceway::bench::BareRelayOptions bare;
  std::string bare_listen;
  std::string bare_peer;
  auto* bare_command = app.add_subcommand(
      "bare-relay", "The floor of a user-space relay, for iceway-bench turn --bare (docs/BENCHMARKS.md)");
  bare_command->add_option("--listen", bare_listen, "Where clients send ChannelData, e.g. 127.0.0.1:3479")->required();
  bare_command->add_option("--peer", bare_peer, "Where every payload goes: iceway-bench turn's --peer-port")->required();
  bare_command->add_option("--duration", bare.duration_seconds, "Seconds before it stops by itself")->capture_default_str();
  bool bare_no_gso = false;
  bare_command->add_flag("--no-gso", bare_no_gso, "Send one datagram per message (no UDP GSO)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    return app.exit(error);
  }

  if (*stun_command) {
    auto endpoint = iceway::Endpoint::parse(server);
    if (!endpoint) {
      std::cerr << "iceway-bench stun: --server: not an address:port: " << server << '\n';
      return 2;
    }
    stun.server = *endpoint;
    stun.timeout = std::chrono::milliseconds(timeout_ms);
    return run_stun(stun, json);
  }
  if (*bare_command) {
    auto listen = iceway::Endpoint::parse(bare_listen);
    auto peer = iceway::Endpoint::parse(bare_peer);
    if (!listen || !peer) {
      std::cerr << "iceway-bench bare-relay: --listen and --peer take address:port\n";
      return 2;
    }
    bare.listen = *listen;
    bare.peer = *peer;
    bare.gso = !bare_no_gso;
    auto summary = iceway::bench::run_bare_relay(bare);
    if (!summary) {
      std::cerr << "iceway-bench bare-relay: " << summary.error() << '\n';
      return 1;
    }
    std::cerr << "iceway-bench bare-relay: " << summary.value() << " datagrams relayed\n";
    return 0;
  }
  if (*turn_command) {
    auto endpoint = iceway::Endpoint::parse(turn_server);
    if (!endpoint) {
      std::cerr << "iceway-bench turn: --server: not an address:port: " << turn_server << '\n';
      return 2;
    }
    turn.server = *endpoint;
    turn.timeout = std::chrono::milliseconds(turn_timeout_ms);
    const auto problems = turn.problems();
    for (const auto& problem : problems) std::cerr << "iceway-bench turn: " << problem << '\n';
    if (!problems.empty()) return 2;
    // The line a script waits for before it samples the server with every allocation in place.
    auto report = iceway::bench::run_turn_load(turn, [&turn](double seconds) {
      std::cerr << "iceway-bench turn: " << turn.allocations << " active and " << turn.idle
                << " idle allocations set up in " << seconds << " s; load starts" << std::endl;
    });
    if (!report) {
      std::cerr << "iceway-bench turn: " << report.error() << '\n';
      return 1;
    }
    std::cerr << report.value().text() << '\n';
    if (turn_json) std::cout << report.value().json() << '\n';
    return 0;
  }
  return 2;
}
