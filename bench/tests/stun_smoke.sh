#!/usr/bin/env bash
# iceway-bench against the real iceway on loopback: a one-second closed-loop run must get
# every request answered with the right XOR-MAPPED-ADDRESS, and a run against a port with no
# server must stop by itself and count the requests as lost.
#   stun_smoke.sh ICEWAY_BENCH ICEWAY
set -euo pipefail
bench=$1
iceway=$2
# shellcheck source=bench/tests/smoke_lib.sh
source "$(dirname "$0")/smoke_lib.sh"

# iceway reserves one kernel-picked port for UDP and TCP together (net/port_pair.hpp); the
# retries only keep a start that fails for another reason on a busy machine from failing here.
port=""
for _ in 1 2 3 4 5; do
  "$iceway" --listen 127.0.0.1:0 --threads 1 --relay-ip 127.0.0.1 --signal-listen 127.0.0.1:0 \
    --admin-listen 127.0.0.1:0 --log-level warn --set turn.unauthenticated_bytes_per_second=0 \
    >"$work/banner" 2>"$work/log" &
  pid=$!
  for _ in $(seq 100); do
    port=$(grep -o 'udp 127\.0\.0\.1:[0-9]*' "$work/banner" 2>/dev/null | head -1 | cut -d: -f2 || true)
    [[ -n $port ]] && break 2
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  stop_started
done
[[ -n $port ]] || fail "iceway printed no UDP port: $(cat "$work/banner" "$work/log")"

# Correctness, not speed: CI machines are shared and noisy, so the timeouts are generous and
# the window is wide enough that a descheduled server cannot hold the open loop back.
"$bench" stun --server "127.0.0.1:$port" --sockets 4 --window 8 --duration 1 --timeout 5000 \
  --fingerprint --json >"$work/closed.json"
answered=$(field answered "$work/closed.json")
[[ $answered -gt 100 ]] || fail "closed loop: only $answered answered"
for name in lost wrong_address malformed late error_responses; do
  [[ $(field $name "$work/closed.json") == 0 ]] || fail "closed loop: $name is not 0"
done

"$bench" stun --server "127.0.0.1:$port" --sockets 2 --window 512 --duration 1 --rate 2000 \
  --timeout 5000 --json >"$work/open.json"
sent=$(field sent "$work/open.json")
# 2000/s for 1 s: pacing never exceeds the rate; the floor allows for a descheduled sender.
[[ $sent -ge 1000 && $sent -le 2000 ]] || fail "open loop: sent $sent, expected about 2000"
[[ $(field lost "$work/open.json") == 0 ]] || fail "open loop: lost is not 0"

stop_started

# Nobody listens now (the port was just freed): every request is lost, nothing hangs.
"$bench" stun --server "127.0.0.1:$port" --sockets 2 --window 2 --duration 0.5 --timeout 200 --json >"$work/none.json"
[[ $(field answered "$work/none.json") == 0 ]] || fail "no server: answers from nowhere"
[[ $(field lost "$work/none.json") == $(field sent "$work/none.json") ]] || fail "no server: lost != sent"
echo "ok: $answered answered in 1 s closed loop; open loop sent $sent; no-server run stopped by itself"
