#!/usr/bin/env bash
# iceway-bench turn --bare against iceway-bench bare-relay on loopback, as bench/turn-scale.sh
# --limit runs them: active clients get every frame echoed, idle clients each send one frame
# (so the relay holds their relay sockets) and then nothing, and the relay's own count of
# datagrams reconciles with the tool's. Without a relay, setting up an idle client fails with a
# clear error and a non-zero exit instead of hanging, and options out of range are refused.
#   bare_relay_smoke.sh ICEWAY_BENCH
set -euo pipefail
bench=$1
# shellcheck source=bench/tests/smoke_lib.sh
source "$(dirname "$0")/smoke_lib.sh"

active=2
idle=20
# A port picked free may be taken again before the relay or the echo peer binds it: another
# pair of ports is another try (a failure to bind says so on stderr and exits at once).
ran=0
for _ in 1 2 3 4 5; do
  listen=$(free_udp_port)
  peer=$(free_udp_port)
  [[ $listen != "$peer" ]] || continue
  "$bench" bare-relay --listen "127.0.0.1:$listen" --peer "127.0.0.1:$peer" --duration 60 \
    >"$work/relay.out" 2>"$work/relay.err" &
  pid=$!
  sleep 0.2
  if ! kill -0 "$pid" 2>/dev/null; then stop_started; continue; fi
  if timeout 60 "$bench" turn --server "127.0.0.1:$listen" --secret unused --bare --peer-port "$peer" \
      --allocations "$active" --idle "$idle" --window 4 --duration 1 --timeout 5000 --json \
      >"$work/turn.json" 2>"$work/turn.err"; then
    ran=1
    break
  fi
  grep -q "echo peer socket" "$work/turn.err" || fail "iceway-bench turn --bare failed: $(cat "$work/turn.err")"
  stop_started
done
(( ran )) || fail "no free pair of UDP ports in 5 tries"

grep -q "$active active and $idle idle allocations set up" "$work/turn.err" || fail "no setup line: $(cat "$work/turn.err")"
sent=$(field sent "$work/turn.json")
echoed=$(field echoed "$work/turn.json")
[[ $(field idle "$work/turn.json") == "$idle" ]] || fail "the report does not say $idle idle"
[[ $echoed -gt 100 ]] || fail "only $echoed frames echoed in 1 s"
[[ $(field lost "$work/turn.json") == 0 && $echoed == "$sent" ]] || fail "sent $sent, echoed $echoed"

# The relay counts both ways of every frame: the active clients' and each idle client's one.
kill -TERM "$pid"
wait "$pid" || fail "bare-relay exited non-zero: $(cat "$work/relay.err")"
pid=""
relayed=$(grep -o '[0-9]* datagrams relayed' "$work/relay.err" | cut -d' ' -f1)
[[ $relayed == $(( 2 * (echoed + idle) )) ]] || fail "relay counted $relayed datagrams, expected 2 x ($echoed + $idle)"

# Nobody listens now: the first idle client's frame is never echoed; the tool says so and stops.
status=0
timeout 30 "$bench" turn --server "127.0.0.1:$listen" --secret unused --bare --allocations 1 --idle 1 \
  --duration 1 --timeout 300 --json >"$work/none.json" 2>"$work/none.err" || status=$?
[[ $status == 1 ]] || fail "no relay: exit $status, expected 1"
grep -q "idle allocation 0: no echo through the bare relay" "$work/none.err" || fail "no relay: $(cat "$work/none.err")"
[[ ! -s $work/none.json ]] || fail "no relay: a report was printed"
# Options out of range are refused before anything is sent, each with its range.
for bad in "--timeout 0" "--timeout 60001" "--idle 20001" "--allocations 0" "--window 0"; do
  status=0
  # shellcheck disable=SC2086 # each case is an option and its value
  "$bench" turn --server "127.0.0.1:$listen" --secret unused --bare $bad --duration 1 2>"$work/bad.err" || status=$?
  [[ $status == 2 ]] || fail "$bad: exit $status, expected 2"
  grep -q -- "${bad%% *}: " "$work/bad.err" || fail "$bad: no problem named: $(cat "$work/bad.err")"
done

echo "ok: $echoed frames echoed through the bare relay beside $idle idle clients; relay counted $relayed; no-relay run failed clearly"
