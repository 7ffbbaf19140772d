#pragma once
// The deadlines of one client's TCP or TLS connection (issue 11, finding 1), as data: the I/O
// layer reports what happened with the time it happened, arms one timer at next(), and closes
// the connection when expired() names a reason. Pure and clock-free, so every rule below is a
// unit test with `now` as a variable.
//
//   handshake  TLS only: the handshake must finish within `handshake` of accept.
//   frame      a frame must complete within `frame` of the read that brought its first byte.
//              Absolute: later reads of the same frame do not move it, so a client that
//              trickles one byte every few seconds is closed all the same.
//   auth       within `auth` of accept the connection must have been answered with success
//              (a Binding success, or any success to an authenticated TURN request) or with an
//              answer that carries MESSAGE-INTEGRITY (the client proved its credentials). A
//              401 challenge, an error to an unauthenticated request, or silence do not count,
//              so a connection that never gets anywhere is closed even if it keeps talking.
//   idle       no complete frame for `idle` (60 s without an allocation; an allocation raises
//              it to its lifetime).
//
// Threading: owned by one connection, on its worker's thread.
#include <chrono>
#include <optional>

#include "common/clock.hpp"
#include "turn/stream_close.hpp"

namespace iceway::turn {

struct StreamTimeouts {
  Milliseconds handshake{10'000};
  Milliseconds frame{10'000};
  Milliseconds auth{20'000};
  Milliseconds idle{60'000};
};

class StreamDeadlines {
 public:
  // At accept; `tls_handshake` when the connection starts with a TLS handshake.
  StreamDeadlines(const StreamTimeouts& timeouts, TimePoint now, bool tls_handshake);

  void handshake_done(TimePoint now);
  // After one read: `completed` whether it completed at least one frame, `partial` whether
  // bytes of an incomplete frame are still buffered.
  void on_read(TimePoint now, bool completed, bool partial);
  // The connection was answered with success or an authenticated answer: `auth` is met.
  void on_proved() { proved_ = true; }
  bool proved() const { return proved_; }
  void set_idle_timeout(Milliseconds idle) { timeouts_.idle = idle; }

  // The earliest deadline still pending.
  TimePoint next() const;
  // The reason to close at `now`, if a deadline has passed (the earliest one when several have).
  std::optional<StreamClose> expired(TimePoint now) const;

 private:
  StreamTimeouts timeouts_;
  TimePoint accepted_;
  TimePoint last_frame_;                   // accept, the handshake's end or the last complete frame
  std::optional<TimePoint> frame_deadline_;  // set while a frame is incomplete
  bool in_handshake_ = false;
  bool proved_ = false;
};

}  // namespace iceway::turn
