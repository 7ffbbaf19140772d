#!/usr/bin/env bash
# Signaling across two iceway nodes through Redis ([cluster], issue 13) against the same load
# within one node, in one run: PeerJS pairs (bench/signal/load.mjs) whose two ends are on node A
# ("same node") or one on A and one on B ("cross node"), a real redis-server between the nodes.
#
# For each kind, --rounds runs alternating which goes first: delivered messages/s, p50/p99
# latency, and the CPU time over the message phase of node A, node B and redis-server
# (utime + stime, /proc/PID/stat), as CPU microseconds per delivered message. Prints every
# round, the medians, and the ratio cross/same of both nodes' CPU per message together.
# Everything stops by itself: each run is capped in time and frames, and on exit the nodes
# and Redis are ended by PID.
#
#   bench/cluster-signal.sh [--rounds 3] [--seconds 10] [--pairs 50] [--window 1] [--workers 2]
#                           [--build build] [--markdown] [--keep DIR]
# Needs node, redis-server and the pinned npm packages: bash tests/integration/setup.sh
set -euo pipefail

rounds=3
seconds=10
pairs=50
window=1
workers=2
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
    --workers) workers=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    --markdown) markdown=1; shift ;;
    --keep) keep=$2; shift 2 ;;
    -h|--help) usage 0 ;;
    *) echo "cluster-signal: unknown argument $1" >&2; usage 2 ;;
  esac
done
[[ $rounds =~ ^[0-9]+$ && $rounds -ge 1 && $rounds -le 20 ]] || { echo "--rounds: 1..20" >&2; exit 2; }
[[ $seconds =~ ^[0-9]+$ && $seconds -ge 1 && $seconds -le 60 ]] || { echo "--seconds: 1..60" >&2; exit 2; }
[[ $pairs =~ ^[0-9]+$ && $pairs -ge 1 && $pairs -le 5000 ]] || { echo "--pairs: 1..5000" >&2; exit 2; }

iceway="$build/app/iceway"
load="$root/bench/signal/load.mjs"
[[ -x $iceway ]] || { echo "cluster-signal: $iceway missing; build first: cmake --build build --target iceway" >&2; exit 1; }
for tool in node python3 redis-server; do
  command -v "$tool" >/dev/null || { echo "cluster-signal: $tool missing" >&2; exit 1; }
done
[[ -d $root/tests/integration/node_modules/ws ]] || { echo "cluster-signal: run bash tests/integration/setup.sh" >&2; exit 1; }

work=$(mktemp -d /tmp/cluster-signal.XXXXXX)
source "$root/bench/lib.sh"
trap bench_cleanup EXIT
trap 'exit 130' INT TERM

# Redis as the cluster tests run it: loopback, a free port, nothing written to disk.
redis_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
redis-server --bind 127.0.0.1 --port "$redis_port" --save '' --appendonly no --daemonize no \
  >"$work/redis.out" 2>&1 &
redis_pid=$!
started_pids+=("$redis_pid")
for _ in $(seq 100); do
  grep -q 'Ready to accept connections' "$work/redis.out" 2>/dev/null && break
  kill -0 "$redis_pid" 2>/dev/null || { cat "$work/redis.out" >&2; exit 1; }
  sleep 0.1
done

start_node() {  # NAME -> sets node_pid and node_url
  local name=$1
  "$iceway" --listen 127.0.0.1:0 --threads 1 --relay-ip 127.0.0.1 --signal-listen 127.0.0.1:0 \
    --admin-listen 127.0.0.1:0 --log-level warn \
    --set signal.max_connections_per_ip=100000 --set signal.peerjs.concurrent_limit=100000 \
    --set signal.messages_per_second=1000000 --set signal.message_burst=1000000 \
    --set cluster.redis="redis://127.0.0.1:$redis_port" --set cluster.node_id="$name" \
    >"$work/$name.out" 2>"$work/$name.err" &
  node_pid=$!
  started_pids+=("$node_pid")
  node_url=""
  for _ in $(seq 100); do
    node_url=$(grep -o 'ws://127\.0\.0\.1:[0-9]*/ws' "$work/$name.out" 2>/dev/null | head -1 | sed 's#/ws$#/peerjs#' || true)
    [[ -n $node_url ]] && return 0
    kill -0 "$node_pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "cluster-signal: node $name did not start" >&2
  cat "$work/$name".* >&2
  exit 1
}
start_node bench-a
a_pid=$node_pid a_url=$node_url
start_node bench-b
b_pid=$node_pid b_url=$node_url
# Both nodes in each other's presence before any load (a heartbeat or two).
sleep 3

echo "PeerJS signaling across two iceway nodes (--threads 1) through redis-server $(redis-server --version | grep -o 'v=[0-9.]*' | cut -d= -f2), 127.0.0.1"
echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(uname -sr); load average $(cut -d' ' -f1-3 /proc/loadavg); $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "load: $pairs pairs x window $window per direction, closed loop, $seconds s per run, $rounds rounds, alternating order; $workers load threads"

run_load() {  # kind -> appends one JSON line to results.jsonl
  local kind=$1 peer=$a_url
  [[ $kind == cross ]] && peer=$b_url
  local out="$work/$kind.$RANDOM.json"
  if ! node "$load" --url "$a_url" --peer-url "$peer" --server-pid "$a_pid" --also-pids "$b_pid,$redis_pid" \
      --workers "$workers" --pairs "$pairs" --window "$window" --duration "$seconds" --drain 10 --json \
      >"$out" 2>"$out.err"; then
    echo "cluster-signal: $kind load failed: $(tail -3 "$out.err")" >&2
    exit 1
  fi
  for pid in "$a_pid" "$b_pid" "$redis_pid"; do kill -0 "$pid" 2>/dev/null || { echo "cluster-signal: PID $pid died" >&2; exit 1; }; done
  echo "{\"kind\": \"$kind\", \"a\": $a_pid, \"b\": $b_pid, \"redis\": $redis_pid, \"load\": $(<"$out")}" >>"$work/results.jsonl"
  python3 - "$work/results.jsonl" <<'PY'
import json, sys
r = json.loads(open(sys.argv[1]).read().splitlines()[-1])
l = r["load"]
other = l.get("other_cpu_seconds", {})
a, b, redis = l["server"]["cpu_seconds"], other.get(str(r["b"]), 0), other.get(str(r["redis"]), 0)
n = max(1, l["delivered"])
print(f'  {r["kind"]:<6} {l["delivered_per_second"]:>8.0f} msg/s  lost {l["lost"]}  order errors {l["out_of_order"] + l["wrong_fields"]}  '
      f'p50 {l["latency_us"]["p50"] or 0:>6.0f} us  p99 {l["latency_us"]["p99"] or 0:>6.0f} us  '
      f'CPU us/msg: node A {1e6 * a / n:5.1f}  node B {1e6 * b / n:5.1f}  redis {1e6 * redis / n:5.1f}', flush=True)
PY
}

# Warm-up, not counted.
node "$load" --url "$a_url" --peer-url "$b_url" --pairs "$pairs" --window "$window" --duration 1 --workers "$workers" \
  --json >/dev/null 2>&1 || { echo "cluster-signal: warm-up failed" >&2; exit 1; }

for round in $(seq "$rounds"); do
  if (( round % 2 == 1 )); then order=(same cross); else order=(cross same); fi
  for kind in "${order[@]}"; do run_load "$kind"; done
done

python3 - "$work/results.jsonl" "$markdown" <<'PY'
import json, statistics, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
markdown = sys.argv[2] == "1"
def per(kind):
    out = []
    for r in rows:
        if r["kind"] != kind:
            continue
        l = r["load"]
        other = l.get("other_cpu_seconds", {})
        n = max(1, l["delivered"])
        a, b, redis = l["server"]["cpu_seconds"], other.get(str(r["b"]), 0), other.get(str(r["redis"]), 0)
        out.append({"msg/s": l["delivered_per_second"], "lost": l["lost"], "p50 us": l["latency_us"]["p50"] or 0,
                    "p99 us": l["latency_us"]["p99"] or 0, "node A us/msg": 1e6 * a / n, "node B us/msg": 1e6 * b / n,
                    "both nodes us/msg": 1e6 * (a + b) / n, "redis us/msg": 1e6 * redis / n})
    return {k: statistics.median(x[k] for x in out) for k in out[0]}
same, cross = per("same"), per("cross")
names = list(same)
print()
if markdown:
    print("| median | same node | across two nodes | across/same |")
    print("|---|---:|---:|---:|")
for k in names:
    ratio = f"{cross[k] / same[k]:.2f}" if same[k] else ""
    if markdown:
        print(f"| {k} | {same[k]:.1f} | {cross[k]:.1f} | {ratio} |")
    else:
        print(f"  {k:<22}{same[k]:>12.1f}{cross[k]:>12.1f}{ratio:>10}")
verdict = cross["both nodes us/msg"] / same["both nodes us/msg"] if same["both nodes us/msg"] else float("nan")
print(f"\ncross-node CPU per message, both nodes together / same-node: {verdict:.2f} (aim: at most 2); "
      f"cross-node p99 {cross['p99 us'] / 1000:.2f} ms (aim: under 5 ms)")
PY
