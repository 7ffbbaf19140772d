#pragma once
// `iceway-bench turn`: ChannelData through TURN allocations over UDP, as fast as a window
// allows, against an echo peer of its own, built and parsed with iceway's STUN codec.
//
// Each allocation is one connected UDP socket with one channel bound to the echo peer. The
// load thread keeps `window` frames in flight per allocation: it sends each socket's frames
// with one sendmmsg and drains echoes with recvmmsg, so the tool spends a fraction of a
// system call per frame and the server is what the numbers measure (the uclient of coturn's
// tools paces one datagram at a time, which no batching in a server can show). The peer
// echoes on its own thread, also with recvmmsg/sendmmsg. Every frame carries its send time;
// the round trip is client -> server -> peer -> server -> client.
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "bench/latency_histogram.hpp"
#include "common/endpoint.hpp"
#include "common/result.hpp"

namespace iceway::bench {

struct TurnLoadOptions {
  Endpoint server;
  std::string secret;         // REST-API secret (coturn's use-auth-secret)
  std::uint32_t allocations = 10;
  // Allocations set up like the others (Allocate, ChannelBind to the echo peer) that then carry
  // nothing: the idle majority of a busy server's allocations. They stay open until the run ends.
  // With `bare`, clients that send one frame (so the bare relay opens their relay socket) and
  // then nothing.
  std::uint32_t idle = 0;
  std::uint32_t size = 100;   // payload bytes per frame (at least 16: sequence and time)
  std::uint32_t window = 8;   // frames in flight per allocation
  double duration_seconds = 5;
  std::chrono::milliseconds timeout{1000};
  // --bare: the server is `iceway-bench bare-relay` (bench/bare_relay.hpp), which needs no
  // Allocate or ChannelBind: the same frames go straight to it. Its --peer is this tool's echo
  // peer, so that one is bound to peer_port (0 = any free port).
  bool bare = false;
  std::uint16_t peer_port = 0;

  std::vector<std::string> problems() const;
};

struct TurnLoadReport {
  TurnLoadOptions options;
  std::uint64_t sent = 0;
  std::uint64_t echoed = 0;     // came back through the relay
  std::uint64_t timed_out = 0;  // not back within the timeout (lost)
  std::uint64_t send_errors = 0;
  double send_seconds = 0;
  LatencyHistogram latency;

  std::string text() const;
  std::string json() const;
};

// Sets up the allocations (Allocate with REST credentials, ChannelBind to the echo peer), the
// active ones then the idle ones, calls `on_ready` (with the setup's duration in seconds), then runs
// the load; a failed setup is returned before any load is sent.
Result<TurnLoadReport, std::string> run_turn_load(const TurnLoadOptions& options,
                                                  const std::function<void(double)>& on_ready = {});

}  // namespace iceway::bench
