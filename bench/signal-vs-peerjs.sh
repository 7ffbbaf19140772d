#!/usr/bin/env bash
# PeerJS signaling: iceway's /peerjs against the reference server (the `peer` npm package under
# Node), side by side in one run, with the same client load (bench/signal/load.mjs).
#
# Starts both servers on 127.0.0.1 (iceway with --threads 1), then:
#   idle   --idle N connections that only HEARTBEAT, to each server in turn (fresh servers, before
#          any message load): server RSS growth per connection, from /proc/PID/status
#   pairs  --pairs P pairs exchanging OFFER/ANSWER/CANDIDATE frames in a closed loop (--window
#          frames in flight per direction) for --seconds, alternating which server goes first,
#          --rounds times: delivered messages/s, p50/p99 latency, and the server's CPU time over
#          the message phase (utime + stime of all its threads, /proc/PID/stat), also per
#          message as kernel and user time, and the ratio's ceiling (the reference's cost per
#          message over iceway's kernel part: iceway/reference with iceway's own code at zero)
# and prints every round, the medians and the ratios iceway/reference. "Messages per server
# CPU-second" is the number that survives a busy machine and a client-bound run best (see
# docs/BENCHMARKS.md). Everything stops by itself: each load run is capped in time and in frames,
# and on exit the servers are ended by PID.
#
#   bench/signal-vs-peerjs.sh [--rounds 3] [--seconds 10] [--pairs 50] [--window 4] [--workers 2]
#                             [--idle 10000 | --idle 0 (skip)] [--settle 3] [--sources 1]
#                             [--build build] [--markdown] [--keep DIR]
# Needs node and the pinned npm packages: bash tests/integration/setup.sh
set -euo pipefail

rounds=3
seconds=10
pairs=50
window=4
workers=2
idle=10000
settle=3
sources=1
markdown=0
keep=""
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$root/build"

usage() { sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-0}"; }
while [[ $# -gt 0 ]]; do
  case $1 in
    --rounds) rounds=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --pairs) pairs=$2; shift 2 ;;
    --window) window=$2; shift 2 ;;
    --workers) workers=$2; shift 2 ;;
    --idle) idle=$2; shift 2 ;;
    --settle) settle=$2; shift 2 ;;
    --sources) sources=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    --markdown) markdown=1; shift ;;
    --keep) keep=$2; shift 2 ;;
    -h|--help) usage 0 ;;
    *) echo "signal-vs-peerjs: unknown argument $1" >&2; usage 2 ;;
  esac
done
# Bounded by construction: at most 20 rounds of at most 60 s, at most 50,000 idle connections.
[[ $rounds =~ ^[0-9]+$ && $rounds -ge 1 && $rounds -le 20 ]] || { echo "--rounds: 1..20" >&2; exit 2; }
[[ $seconds =~ ^[0-9]+$ && $seconds -ge 1 && $seconds -le 60 ]] || { echo "--seconds: 1..60" >&2; exit 2; }
[[ $idle =~ ^[0-9]+$ && $idle -le 50000 ]] || { echo "--idle: 0..50000" >&2; exit 2; }
[[ $pairs =~ ^[0-9]+$ && $pairs -ge 1 && $pairs -le 5000 ]] || { echo "--pairs: 1..5000" >&2; exit 2; }

iceway="$build/app/iceway"
load="$root/bench/signal/load.mjs"
[[ -x $iceway ]] || { echo "signal-vs-peerjs: $iceway missing; build first: cmake -S . -B build -G Ninja && cmake --build build -j2 --target iceway" >&2; exit 1; }
command -v node >/dev/null || { echo "signal-vs-peerjs: node missing" >&2; exit 1; }
command -v python3 >/dev/null || { echo "signal-vs-peerjs: python3 is needed to summarise" >&2; exit 1; }
for package in ws peer; do
  [[ -d $root/tests/integration/node_modules/$package ]] || { echo "signal-vs-peerjs: npm package $package missing; run: bash tests/integration/setup.sh" >&2; exit 1; }
done

# Every idle connection is a descriptor in the server and one in the load process, plus slack.
need_fds=$(( idle + 4 * pairs + 1024 ))
if (( $(ulimit -n) < need_fds )); then
  ulimit -n "$need_fds" 2>/dev/null || { echo "signal-vs-peerjs: need ulimit -n $need_fds (hard limit $(ulimit -Hn)); use a smaller --idle" >&2; exit 1; }
fi

work=$(mktemp -d /tmp/signal-vs-peerjs.XXXXXX)
source "$root/bench/lib.sh"
trap bench_cleanup EXIT
trap 'exit 130' INT TERM

# iceway: one TURN worker thread; the WebSocket sessions and the signaling registry run on the
# control thread. The limits a single test host would hit are raised; nothing else differs from
# the defaults.
limit=$(( idle + 4 * pairs + 1000 ))
start_iceway signal-vs-peerjs "$iceway" --listen 127.0.0.1:0 --threads 1 --relay-ip 127.0.0.1 \
  --signal-listen 127.0.0.1:0 --admin-listen 127.0.0.1:0 --log-level warn \
  --set signal.max_connections_per_ip="$limit" --set signal.peerjs.concurrent_limit="$limit" \
  --set signal.messages_per_second=1000000 --set signal.message_burst=1000000
iceway_signal=$(grep -o 'ws://127\.0\.0\.1:[0-9]*/ws' "$work/iceway.out" | head -1 | sed 's#^ws://##; s#/ws$##')
[[ -n $iceway_signal ]] || { echo "signal-vs-peerjs: no signaling address in iceway's banner" >&2; cat "$work"/iceway.* >&2; exit 1; }

node "$root/bench/signal/peer-server.mjs" --concurrent-limit "$limit" >"$work/peer.out" 2>"$work/peer.err" &
peer_pid=$!
started_pids+=("$peer_pid")
peer_signal=""
for _ in $(seq 100); do
  peer_signal=$(grep -o 'listening 127\.0\.0\.1:[0-9]*' "$work/peer.out" 2>/dev/null | cut -d' ' -f2 || true)
  [[ -n $peer_signal ]] && break
  kill -0 "$peer_pid" 2>/dev/null || break
  sleep 0.1
done
[[ -n $peer_signal ]] || { echo "signal-vs-peerjs: the reference server did not start" >&2; cat "$work"/peer.* >&2; exit 1; }

declare -A url=([iceway]="ws://$iceway_signal/peerjs" [peerjs]="ws://$peer_signal/peerjs")
declare -A pid=([iceway]=$iceway_pid [peerjs]=$peer_pid)
peer_version=$(node -p "require('$root/tests/integration/node_modules/peer/package.json').version")

echo "PeerJS signaling over WebSocket, 127.0.0.1: iceway (--threads 1) vs peer $peer_version on Node $(node --version)"
echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(uname -sr); load average $(cut -d' ' -f1-3 /proc/loadavg); $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "load: $pairs pairs x window $window per direction, closed loop, $seconds s per run, $rounds rounds, alternating order; $workers load threads; idle: $idle connections"

run_load() {  # server tag args... -> appends one JSON line to results.jsonl
  local server=$1 tag=$2
  shift 2
  local out="$work/$tag.$server.json"
  if ! node "$load" --url "${url[$server]}" --server-pid "${pid[$server]}" --workers "$workers" --sources "$sources" \
      --json "$@" >"$out" 2>"$work/$tag.$server.err"; then
    echo "signal-vs-peerjs: load against $server failed: $(tail -3 "$work/$tag.$server.err")" >&2
    exit 1
  fi
  kill -0 "${pid[$server]}" 2>/dev/null || { echo "signal-vs-peerjs: $server died" >&2; exit 1; }
  echo "{\"server\": \"$server\", \"tag\": \"$tag\", \"load\": $(<"$out")}" >>"$work/results.jsonl"
  python3 - "$work/results.jsonl" <<'PY'
import json, sys
r = json.loads(open(sys.argv[1]).read().splitlines()[-1])
l, s = r["load"], r["load"].get("server", {})
if l["mode"] == "idle":
    print(f'  idle         {r["server"]:<7} {l["connections"]:>6} connections in {l["connect_seconds"]:5.1f} s  '
          f'RSS {s["rss_kib_before"] / 1024:6.1f} -> {s["rss_kib_idle"] / 1024:6.1f} MiB  '
          f'{s["rss_bytes_per_connection"]:7.0f} bytes/connection  refused {l["connect_refused"]}', flush=True)
else:
    per_cpu = s.get("messages_per_cpu_second") or float("nan")
    print(f'  {r["tag"]:<12} {r["server"]:<7} {l["delivered_per_second"]:>8.0f} msg/s  lost {l["lost"]}  '
          f'order errors {l["out_of_order"] + l["wrong_fields"]}  p50 {l["latency_us"]["p50"] or 0:>8.0f} us  '
          f'p99 {l["latency_us"]["p99"] or 0:>8.0f} us  server CPU {s["cpu_seconds"]:5.2f} s ({per_cpu:>6.0f} msg/CPU-s)  '
          f'load CPU {l["load_cpu_seconds"]:5.2f} s', flush=True)
PY
}

if (( idle > 0 )); then
  # Fresh servers: nothing but this phase has touched their memory yet.
  for server in iceway peerjs; do run_load "$server" idle --idle "$idle" --settle "$settle" --connect-timeout 300; done
fi

# A short warm-up for each, not counted (JIT, first allocations, page faults).
for server in iceway peerjs; do
  node "$load" --url "${url[$server]}" --pairs "$pairs" --window "$window" --duration 1 --workers "$workers" \
    --json >/dev/null 2>&1 || { echo "signal-vs-peerjs: warm-up against $server failed" >&2; exit 1; }
done

for round in $(seq "$rounds"); do
  if (( round % 2 == 1 )); then order=(iceway peerjs); else order=(peerjs iceway); fi
  for server in "${order[@]}"; do
    run_load "$server" "round$round" --pairs "$pairs" --window "$window" --duration "$seconds" --drain 10
  done
done

python3 - "$work/results.jsonl" "$markdown" <<'PY'
import json, statistics, sys

rows = [json.loads(line) for line in open(sys.argv[1])]
markdown = sys.argv[2] == "1"
servers = ("iceway", "peerjs")

def table(title, names, medians, ratio_of, fmt):
    print()
    if markdown:
        print(f"**{title}**\n")
        print("| | iceway | peer (reference) | iceway/reference |")
        print("|---|---:|---:|---:|")
    else:
        print(title)
        print(f"  {'':<30}{'iceway':>12}{'reference':>12}{'iceway/ref':>12}")
    for n in names:
        i, p = medians["iceway"][n], medians["peerjs"][n]
        ratio = f"{i / p:.2f}" if n in ratio_of and p else ""
        if markdown:
            print(f"| {n} | {fmt(n, i)} | {fmt(n, p)} | {ratio} |")
        else:
            print(f"  {n:<30}{fmt(n, i):>12}{fmt(n, p):>12}{ratio:>12}")

def fmt(n, v):
    if v is None:
        return "-"
    if "per msg" in n:
        return f"{v:.1f}"
    return f"{v:.2f}" if n.endswith(" s") or "MiB" in n else f"{v:.0f}"

summary = {}
pairs = [r for r in rows if r["load"]["mode"] == "pairs"]
if pairs:
    def metrics(r):
        l, s = r["load"], r["load"]["server"]
        return {
            "delivered msg/s": l["delivered_per_second"],
            "lost": l["lost"],
            "order or field errors": l["out_of_order"] + l["wrong_fields"],
            "p50 latency us": l["latency_us"]["p50"],
            "p99 latency us": l["latency_us"]["p99"],
            "server CPU s": s["cpu_seconds"],
            # Well under 100 % of a core means the client or the machine, not the server, set msg/s.
            "server busy % of one core": 100 * s["cpu_seconds"] / (l["send_seconds"] + l["drain_seconds"]),
            "msg per server CPU-s": s["messages_per_cpu_second"],
            # The kernel's part (system calls) is a floor: a ratio above reference/kernel-part
            # cannot come from user-space work alone.
            "server kernel us per msg": 1e6 * s["system_cpu_seconds"] / max(1, l["delivered"]),
            "server user us per msg": 1e6 * (s["cpu_seconds"] - s["system_cpu_seconds"]) / max(1, l["delivered"]),
            "load generator CPU s": l["load_cpu_seconds"],
            "server RSS MiB": s["rss_kib_after"] / 1024,
        }
    names = list(metrics(pairs[0]).keys())
    medians = {}
    for server in servers:
        runs = [metrics(r) for r in pairs if r["server"] == server]
        medians[server] = {n: statistics.median(m[n] for m in runs) for n in names}
    summary["pairs"] = medians
    # What iceway/reference would be with iceway's user space at zero: the reference's whole cost
    # per message over iceway's kernel cost alone.
    reference_us = 1e6 / medians["peerjs"]["msg per server CPU-s"]
    kernel_us = medians["iceway"]["server kernel us per msg"]
    summary["ceiling"] = reference_us / kernel_us if kernel_us else None
    table(f"Messages: {pairs[0]['load']['pairs']} pairs x window {pairs[0]['load']['window']}, medians of "
          f"{len(pairs) // 2} rounds", names, medians,
          {"delivered msg/s", "p50 latency us", "p99 latency us", "server CPU s", "msg per server CPU-s",
           "server kernel us per msg", "server user us per msg"}, fmt)
    if summary["ceiling"]:
        line = "ceiling of the ratio (reference us per msg / iceway kernel us per msg)"
        print(f"| {line} | | | {summary['ceiling']:.2f} |" if markdown else f"  {line}: {summary['ceiling']:.2f}")

idle = [r for r in rows if r["load"]["mode"] == "idle"]
if idle:
    def idle_metrics(r):
        l, s = r["load"], r["load"]["server"]
        return {
            "idle connections": l["connections"],
            "connect time s": l["connect_seconds"],
            "server CPU to connect s": s["connect_cpu_seconds"],
            "server RSS before MiB": s["rss_kib_before"] / 1024,
            "server RSS idle MiB": s["rss_kib_idle"] / 1024,
            "RSS bytes per idle connection": s["rss_bytes_per_connection"],
        }
    names = list(idle_metrics(idle[0]).keys())
    medians = {server: idle_metrics([r for r in idle if r["server"] == server][0]) for server in servers}
    summary["idle"] = medians
    table("Idle connections (HEARTBEAT every 5 s), one measurement per server", names, medians,
          {"server CPU to connect s", "RSS bytes per idle connection"}, fmt)
print()
print("summary-json " + json.dumps(summary))
PY
