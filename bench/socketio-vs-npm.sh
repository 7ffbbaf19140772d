#!/usr/bin/env bash
# Socket.IO signaling: iceway's /socket.io/ (its built-in tutorial server) against the `socket.io`
# npm server doing the same relay (bench/socketio/server.mjs), side by side in one run, with the
# same load from the unmodified socket.io-client (bench/socketio/load.mjs).
#
# Both servers on 127.0.0.1 (iceway with --threads 1), then, for each transport (websocket,
# polling): --rounds runs per server, alternating which goes first, of --pairs pairs in rooms
# exchanging events in a closed loop (--window per direction) for --seconds: delivered events/s,
# p50/p99 latency and events per server CPU-second (utime + stime over the message phase). Then
# --idle WebSocket connections to each (fresh servers): RSS growth per connection. Prints every
# run, the medians and the ratios iceway/reference. Everything stops by itself; on exit the
# servers are ended by PID.
#
#   bench/socketio-vs-npm.sh [--rounds 3] [--seconds 10] [--pairs 20] [--window 1] [--idle 2000]
#                            [--build build] [--markdown] [--keep DIR]
# Needs node and the pinned npm packages: bash tests/integration/setup.sh
set -euo pipefail

rounds=3
seconds=10
pairs=20
window=1
idle=2000
markdown=0
keep=""
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$root/build"

usage() { sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-0}"; }
while [[ $# -gt 0 ]]; do
  case $1 in
    --rounds) rounds=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --pairs) pairs=$2; shift 2 ;;
    --window) window=$2; shift 2 ;;
    --idle) idle=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    --markdown) markdown=1; shift ;;
    --keep) keep=$2; shift 2 ;;
    -h|--help) usage 0 ;;
    *) echo "socketio-vs-npm: unknown argument $1" >&2; usage 2 ;;
  esac
done
[[ $rounds =~ ^[0-9]+$ && $rounds -ge 1 && $rounds -le 20 ]] || { echo "--rounds: 1..20" >&2; exit 2; }
[[ $seconds =~ ^[0-9]+$ && $seconds -ge 1 && $seconds -le 60 ]] || { echo "--seconds: 1..60" >&2; exit 2; }
[[ $idle =~ ^[0-9]+$ && $idle -le 20000 ]] || { echo "--idle: 0..20000" >&2; exit 2; }

iceway="$build/app/iceway"
load="$root/bench/socketio/load.mjs"
[[ -x $iceway ]] || { echo "socketio-vs-npm: $iceway missing; build first: cmake --build build --target iceway" >&2; exit 1; }
for package in socket.io socket.io-client; do
  [[ -d $root/tests/integration/node_modules/$package ]] || { echo "socketio-vs-npm: run bash tests/integration/setup.sh" >&2; exit 1; }
done
need_fds=$(( 2 * idle + 4 * pairs + 1024 ))
if (( $(ulimit -n) < need_fds )); then
  ulimit -n "$need_fds" 2>/dev/null || { echo "socketio-vs-npm: need ulimit -n $need_fds; use a smaller --idle" >&2; exit 1; }
fi

work=$(mktemp -d /tmp/socketio-vs-npm.XXXXXX)
source "$root/bench/lib.sh"
trap bench_cleanup EXIT
trap 'exit 130' INT TERM

declare -A url pid
start_servers() {
  start_iceway socketio-vs-npm "$iceway" --listen 127.0.0.1:0 --threads 1 --relay-ip 127.0.0.1 \
    --signal-listen 127.0.0.1:0 --admin-listen 127.0.0.1:0 --log-level warn --set 'admin.control_socket=""' \
    --set signal.max_connections_per_ip=100000 --set signal.messages_per_second=1000000 --set signal.message_burst=1000000
  url[iceway]="http://$(grep -o 'ws://127\.0\.0\.1:[0-9]*' "$work/iceway.out" | head -1 | sed 's#ws://##')"
  pid[iceway]=$iceway_pid
  node "$root/bench/socketio/server.mjs" >"$work/reference.out" 2>"$work/reference.err" &
  pid[reference]=$!
  started_pids+=("${pid[reference]}")
  url[reference]=""
  for _ in $(seq 100); do
    url[reference]=$(grep -o 'listening 127\.0\.0\.1:[0-9]*' "$work/reference.out" 2>/dev/null | sed 's#listening #http://#' || true)
    [[ -n ${url[reference]} ]] && return 0
    sleep 0.1
  done
  echo "socketio-vs-npm: the reference server did not start" >&2
  cat "$work"/reference.* >&2
  exit 1
}
stop_servers() {
  local p
  for p in "${pid[iceway]}" "${pid[reference]}"; do kill -TERM "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
}

version=$(node -p "require('$root/tests/integration/node_modules/socket.io/package.json').version")
echo "Socket.IO over 127.0.0.1: iceway (--threads 1, built-in tutorial server) vs socket.io $version on Node $(node --version)"
echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(uname -sr); load average $(cut -d' ' -f1-3 /proc/loadavg); $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "load: $pairs pairs x window $window per direction, closed loop, $seconds s per run, $rounds rounds per transport; idle: $idle WebSocket connections"

run() {  # server transport args... -> one JSON line in results.jsonl
  local server=$1 transport=$2
  shift 2
  local out
  out=$(node "$load" --url "${url[$server]}" --transport "$transport" --server-pid "${pid[$server]}" "$@" 2>"$work/load.err") ||
    { echo "socketio-vs-npm: load against $server failed: $(tail -3 "$work/load.err")" >&2; exit 1; }
  kill -0 "${pid[$server]}" 2>/dev/null || { echo "socketio-vs-npm: $server died" >&2; exit 1; }
  echo "{\"server\": \"$server\", \"load\": $out}" >>"$work/results.jsonl"
  echo "  $server $transport: $out"
}

if (( idle > 0 )); then
  start_servers
  for server in iceway reference; do run "$server" websocket --idle "$idle" --settle 3; done
  stop_servers
fi
start_servers
for transport in websocket polling; do
  for round in $(seq "$rounds"); do
    if (( round % 2 == 1 )); then order=(iceway reference); else order=(reference iceway); fi
    for server in "${order[@]}"; do
      run "$server" "$transport" --pairs "$pairs" --window "$window" --duration "$seconds" --drain 10
    done
  done
done

python3 - "$work/results.jsonl" "$markdown" <<'PY'
import json, statistics, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
markdown = sys.argv[2] == "1"
def median(server, transport, key, idle=False):
    values = [r["load"][key] for r in rows if r["server"] == server and r["load"]["transport"] == transport
              and ("connections" in r["load"]) == idle and r["load"].get(key) is not None]
    return statistics.median(values) if values else None
lines = []
for transport in ("websocket", "polling"):
    for key, name in (("delivered_per_second", "events/s"), ("messages_per_cpu_second", "events per server CPU-s"),
                      ("server_user_us_per_message", "server user-space us per event"),
                      ("server_kernel_us_per_message", "server kernel us per event"),
                      ("p50_us", "p50 latency us"), ("p99_us", "p99 latency us"), ("lost", "lost")):
        lines.append((f"{transport}: {name}", median("iceway", transport, key), median("reference", transport, key)))
    # With iceway's user space at zero an event would still cost its kernel time: the most
    # events per CPU-second it could relay against the reference's.
    ref_rate = median("reference", transport, "messages_per_cpu_second")
    kernel = median("iceway", transport, "server_kernel_us_per_message")
    if ref_rate and kernel:
        lines.append((f"{transport}: ceiling of the ratio (reference us per event / iceway kernel us)", None, None,
                      (1e6 / ref_rate) / kernel))
lines.append(("idle WebSocket: bytes per connection", median("iceway", "websocket", "rss_bytes_per_connection", True),
              median("reference", "websocket", "rss_bytes_per_connection", True)))
print()
if markdown:
    print("| median | iceway | socket.io (reference) | iceway/reference |")
    print("|---|---:|---:|---:|")
for name, i, r, *given in lines:
    ratio = f"{given[0]:.2f}" if given else f"{i / r:.2f}" if i is not None and r else ""
    fmt = lambda v: "-" if v is None else f"{v:.1f}" if 0 < abs(v) < 100 else f"{v:.0f}"
    if markdown:
        print(f"| {name} | {fmt(i)} | {fmt(r)} | {ratio} |")
    else:
        print(f"  {name:<42}{fmt(i):>12}{fmt(r):>12}{ratio:>10}")
PY
