#!/usr/bin/env bash
# STUN Binding over UDP: iceway against coturn's turnserver, side by side in one run.
#
# Starts both servers on 127.0.0.1 with one worker thread each, then drives them with the
# same iceway-bench load, alternating which goes first, for several rounds; reads each
# server's CPU time from /proc/PID/stat around every round; prints per round and the medians,
# and the ratio iceway/coturn. Two loads by default:
#   saturation  closed loop (each socket keeps --window requests in flight): answered/s is
#               what one worker can do on this machine right now
#   fixed rate  open loop at --rate requests/s, below both servers' saturation: the same work
#               for both, so server CPU per request compares like with like
# "Requests per server CPU-second" is the number that survives a busy machine best (see
# docs/BENCHMARKS.md). Everything stops by itself: every bench run is capped in time and
# count, and the servers are ended by PID on exit.
#
#   bench/stun-vs-coturn.sh [--rounds 3] [--seconds 10] [--sockets 16] [--window 16]
#                           [--rate 20000 | --rate 0 (saturation only)] [--pin]
#                           [--build build] [--markdown] [--keep DIR]
set -euo pipefail

rounds=3
seconds=10
sockets=16
window=16
rate=20000
pin=0
markdown=0
keep=""
build="$(cd "$(dirname "$0")/.." && pwd)/build"

usage() { sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-0}"; }
while [[ $# -gt 0 ]]; do
  case $1 in
    --rounds) rounds=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --sockets) sockets=$2; shift 2 ;;
    --window) window=$2; shift 2 ;;
    --rate) rate=$2; shift 2 ;;
    --pin) pin=1; shift ;;
    --build) build=$2; shift 2 ;;
    --markdown) markdown=1; shift ;;
    --keep) keep=$2; shift 2 ;;
    -h|--help) usage 0 ;;
    *) echo "stun-vs-coturn: unknown argument $1" >&2; usage 2 ;;
  esac
done
# Bounded by construction: at most 20 rounds of at most 60 s.
[[ $rounds =~ ^[0-9]+$ && $rounds -ge 1 && $rounds -le 20 ]] || { echo "--rounds: 1..20" >&2; exit 2; }
[[ $seconds =~ ^[0-9]+$ && $seconds -ge 1 && $seconds -le 60 ]] || { echo "--seconds: 1..60" >&2; exit 2; }

iceway="$build/app/iceway"
bench="$build/bench/iceway-bench"
for binary in "$iceway" "$bench"; do
  [[ -x $binary ]] || { echo "stun-vs-coturn: $binary missing; build first: cmake -S . -B build -G Ninja && cmake --build build -j2" >&2; exit 1; }
done
command -v turnserver >/dev/null || { echo "stun-vs-coturn: turnserver missing (Debian package coturn)" >&2; exit 1; }
command -v python3 >/dev/null || { echo "stun-vs-coturn: python3 is needed to summarise" >&2; exit 1; }

work=$(mktemp -d /tmp/stun-vs-coturn.XXXXXX)
source "$(dirname "$0")/lib.sh"
trap bench_cleanup EXIT
trap 'exit 130' INT TERM

server_cpu=()
bench_cpu=()
if [[ $pin == 1 && $(nproc) -ge 2 ]] && command -v taskset >/dev/null; then
  server_cpu=(taskset -c 0)
  bench_cpu=(taskset -c 1)
fi


answers() {  # server-port -> prints answered count of a short probe
  "${bench_cpu[@]}" "$bench" stun --server "127.0.0.1:$1" --sockets 1 --window 1 --duration 0.1 --timeout 100 --json \
    2>/dev/null | python3 -c 'import json, sys; print(json.load(sys.stdin)["answered"])'
}
wait_ready() {  # name port pid
  for _ in $(seq 50); do
    kill -0 "$3" 2>/dev/null || { echo "stun-vs-coturn: $1 exited; its log:" >&2; cat "$work/$1".* >&2; exit 1; }
    [[ $(answers "$2") -gt 0 ]] && return 0
    sleep 0.1
  done
  echo "stun-vs-coturn: $1 does not answer on 127.0.0.1:$2" >&2
  exit 1
}

# iceway: one worker thread; the other listeners on port 0 so nothing collides. The load comes
# from one address, so the per-source budget for unauthenticated answers (Binding among them)
# is switched off: the run measures the server, not the limiter.
start_iceway stun-vs-coturn "${server_cpu[@]}" "$iceway" --listen 127.0.0.1:0 --threads 1 --relay-ip 127.0.0.1 \
  --signal-listen 127.0.0.1:0 --admin-listen 127.0.0.1:0 --log-level warn --set turn.unauthenticated_bytes_per_second=0

# coturn: STUN only, UDP only, loopback only, one relay thread (which serves the UDP
# listener), no TLS/DTLS, no CLI, no config file (-n); its SQLite user db is a scratch file.
coturn_port=$(free_udp_port)
"${server_cpu[@]}" turnserver -n --listening-ip=127.0.0.1 --relay-ip=127.0.0.1 --listening-port="$coturn_port" \
  --no-tls --no-dtls --no-tcp --no-cli --stun-only --relay-threads=1 --log-file=stdout --simple-log \
  --pidfile="$work/turnserver.pid" --userdb="$work/turndb" >"$work/coturn.out" 2>"$work/coturn.err" &
coturn_pid=$!
started_pids+=("$coturn_pid")

wait_ready iceway "$iceway_port" "$iceway_pid"
wait_ready coturn "$coturn_port" "$coturn_pid"

declare -A port=([iceway]=$iceway_port [coturn]=$coturn_port)
declare -A pid=([iceway]=$iceway_pid [coturn]=$coturn_pid)

loads=("saturation")
[[ $rate != 0 ]] && loads+=("rate")

run_one() {  # load server round
  local load=$1 server=$2 round=$3 extra=()
  [[ $load == rate ]] && extra=(--rate "$rate")
  local before after
  before=$(cpu_seconds "${pid[$server]}")
  "${bench_cpu[@]}" "$bench" stun --server "127.0.0.1:${port[$server]}" --sockets "$sockets" --window "$window" \
    --duration "$seconds" "${extra[@]}" --json >"$work/$load.$server.$round.json" 2>"$work/$load.$server.$round.txt"
  after=$(cpu_seconds "${pid[$server]}")
  echo "{\"load\": \"$load\", \"server\": \"$server\", \"round\": $round, \"server_cpu_seconds\": $(python3 -c "print(round($after - $before, 3))"), \"server_rss_kib\": $(rss_kib "${pid[$server]}"), \"bench\": $(<"$work/$load.$server.$round.json")}" \
    >>"$work/results.jsonl"
  python3 - "$work/results.jsonl" <<'PY'
import json, sys
r = json.loads(open(sys.argv[1]).read().splitlines()[-1])
b = r["bench"]
cpu = r["server_cpu_seconds"]
per_cpu = b["answered"] / cpu if cpu > 0 else float("nan")
print(f'  {r["load"]:<10} round {r["round"]} {r["server"]:<6}  {b["answered_per_second"]:>9.0f} answered/s  '
      f'loss {100 * b["loss_ratio"]:.4f}%  p50 {b["latency_us"]["p50"]:>8.1f} us  p99 {b["latency_us"]["p99"]:>8.1f} us  '
      f'server CPU {cpu:5.2f} s ({per_cpu:>7.0f} req/CPU-s)  bench CPU {b["cpu_seconds"]["total"]:5.2f} s', flush=True)
PY
}

echo "iceway-bench: STUN Binding, UDP, 127.0.0.1; iceway (--threads 1) vs coturn $(turnserver --version 2>/dev/null | head -1 || true) (--relay-threads=1)"
echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(uname -sr); load average $(cut -d' ' -f1-3 /proc/loadavg); $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "load: $sockets sockets x window $window; saturation = closed loop$([[ $rate != 0 ]] && echo ", fixed rate = open loop at $rate req/s"); $seconds s per run, $rounds rounds, alternating order$([[ ${#server_cpu[@]} -gt 0 ]] && echo "; servers pinned to CPU 0, bench to CPU 1")"

# A short warm-up for each, not counted (page faults, first allocations, caches).
for server in iceway coturn; do
  "${bench_cpu[@]}" "$bench" stun --server "127.0.0.1:${port[$server]}" --sockets "$sockets" --window "$window" \
    --duration 1 --json >/dev/null 2>&1
done

for load in "${loads[@]}"; do
  for round in $(seq "$rounds"); do
    if (( round % 2 == 1 )); then order=(iceway coturn); else order=(coturn iceway); fi
    for server in "${order[@]}"; do run_one "$load" "$server" "$round"; done
  done
done

python3 - "$work/results.jsonl" "$markdown" <<'PY'
import json, statistics, sys

rows = [json.loads(line) for line in open(sys.argv[1])]
markdown = sys.argv[2] == "1"

def metrics(r):
    b = r["bench"]
    cpu = r["server_cpu_seconds"]
    return {
        "answered/s": b["answered_per_second"],
        "loss %": 100 * b["loss_ratio"],
        "p50 us": b["latency_us"]["p50"],
        "p99 us": b["latency_us"]["p99"],
        "server CPU s": cpu,
        # How much of one core the server got: well under 100 % at saturation means the
        # machine, not the server, set answered/s (see docs/BENCHMARKS.md on noise).
        "server busy % of one core": 100 * cpu / (b["send_seconds"] + b["drain_seconds"]),
        "req per server CPU-s": b["answered"] / cpu if cpu > 0 else float("nan"),
        "bench CPU s": b["cpu_seconds"]["total"],
        "server RSS MiB": r["server_rss_kib"] / 1024,
    }

names = ["answered/s", "loss %", "p50 us", "p99 us", "server CPU s", "server busy % of one core", "req per server CPU-s",
         "bench CPU s", "server RSS MiB"]
ratio_of = {"answered/s", "req per server CPU-s", "p50 us", "p99 us", "server CPU s"}
summary = {}
for load in dict.fromkeys(r["load"] for r in rows):
    medians = {}
    for server in ("iceway", "coturn"):
        runs = [metrics(r) for r in rows if r["load"] == load and r["server"] == server]
        medians[server] = {n: statistics.median(m[n] for m in runs) for n in names}
    summary[load] = medians
    title = {"saturation": "saturation (closed loop)", "rate": "fixed rate (open loop)"}[load]
    print()
    if markdown:
        print(f"**{title}**, medians of {len(runs)} rounds\n")
        print("| | iceway | coturn | iceway/coturn |")
        print("|---|---:|---:|---:|")
    else:
        print(f"{title}: medians of {len(runs)} rounds")
        print(f"  {'':<22}{'iceway':>12}{'coturn':>12}{'iceway/coturn':>15}")
    for n in names:
        i, c = medians["iceway"][n], medians["coturn"][n]
        fmt = lambda v: f"{v:.4f}" if n == "loss %" else f"{v:.2f}" if n.endswith(" s") or "MiB" in n else f"{v:.0f}"
        ratio = f"{i / c:.2f}" if n in ratio_of and c else ""
        if markdown:
            print(f"| {n} | {fmt(i)} | {fmt(c)} | {ratio} |")
        else:
            print(f"  {n:<22}{fmt(i):>12}{fmt(c):>12}{ratio:>15}")
print()
print("summary-json " + json.dumps(summary))
PY
