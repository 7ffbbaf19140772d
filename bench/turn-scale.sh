#!/usr/bin/env bash
# TURN relay at scale: does relaying cost more per packet when most of a server's allocations
# sit idle, and what does an idle allocation cost in memory? For each round, a fresh iceway
# (one worker thread) runs each point in turn, in alternating order:
#   small  --small N active allocations, nothing else (the figure to stay within 10 % of)
#   scale  --active N active allocations and --idle M more that were set up alike (Allocate,
#          ChannelBind to the echo peer) and then carry nothing
# driven by `iceway-bench turn` (ChannelData, --window frames in flight per active allocation).
# It reads the server's RSS before any allocation and once every allocation is set up (the
# tool says so before its load starts), and its CPU time over the load alone, and prints
# relayed packets per server CPU-second (two per echoed frame), scale/small, and the RSS per
# allocation. RSS is user-space memory: the kernel's socket buffers are not in it. With --limit,
# `iceway-bench bare-relay` (the floor of a user-space relay) runs both points too, its idle
# clients each having sent one frame so that it holds their relay sockets: what the kernel
# alone loses at scale, and iceway/limit at each point. Loopback only; every run has a duration
# and a timeout, and only the processes this script started are ended, by PID.
#
#   bench/turn-scale.sh [--rounds 3] [--small 10] [--active 1000] [--idle 9000] [--size 100]
#                       [--window 8] [--duration 5] [--limit] [--build build] [--markdown]
#                       [--keep DIR]
set -euo pipefail

rounds=3
small=10
active=1000
idle=9000
size=100
window=8
duration=5
markdown=0
limit=0
keep=""
build="$(cd "$(dirname "$0")/.." && pwd)/build"
secret="bench-secret"
ports=(20000 44999)

usage() { sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-0}"; }
while [[ $# -gt 0 ]]; do
  case $1 in
    --rounds) rounds=$2; shift 2 ;;
    --small) small=$2; shift 2 ;;
    --active) active=$2; shift 2 ;;
    --idle) idle=$2; shift 2 ;;
    --size) size=$2; shift 2 ;;
    --window) window=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    --markdown) markdown=1; shift ;;
    --limit) limit=1; shift ;;
    --keep) keep=$2; shift 2 ;;
    -h|--help) usage 0 ;;
    *) echo "turn-scale: unknown argument $1" >&2; usage 2 ;;
  esac
done
source "$(dirname "$0")/lib.sh"
number() { bench_number turn-scale "$@"; }
number --rounds "$rounds" 1 20
number --small "$small" 1 1000
number --active "$active" 1 5000
number --idle "$idle" 0 20000
number --size "$size" 16 1400
number --window "$window" 1 1024
number --duration "$duration" 1 60
(( active + idle <= ports[1] - ports[0] )) || { echo "turn-scale: at most $(( ports[1] - ports[0] )) allocations in all" >&2; exit 2; }
# Client and server each hold a socket per allocation.
(( $(ulimit -n) > active + idle + 100 )) || { echo "turn-scale: ulimit -n is below $(( active + idle + 100 ))" >&2; exit 2; }

iceway="$build/app/iceway"
bench="$build/bench/iceway-bench"
for binary in "$iceway" "$bench"; do
  [[ -x $binary ]] || { echo "turn-scale: $binary missing; build first: cmake -S . -B build -G Ninja && cmake --build build -j2" >&2; exit 1; }
done

work=$(mktemp -d /tmp/turn-scale.XXXXXX)
trap bench_cleanup EXIT
trap 'exit 130' INT TERM

# One point on a fresh server (iceway, or the bare relay for --limit): prints a JSON line. The
# 401 limiter is raised: every allocation here comes from 127.0.0.1, and the default (8 KiB/s of
# unauthenticated answers per source, about 80 challenges a second) would make setting up
# 10,000 of them take two minutes.
run_point() {  # server name active idle round
  local server=$1 name=$2 count=$3 idle_count=$4 round=$5 server_pid server_port tool_pid rss_before rss_ready
  local cpu_ready cpu_after line setup extra=()
  if [[ $server == iceway ]]; then
    start_iceway_relay turn-scale "$iceway" "$secret" "${ports[0]}" "${ports[1]}" \
      --set turn.unauthenticated_bytes_per_second=64MiB --set turn.unauthenticated_burst_bytes=64MiB
    server_pid=$iceway_pid
    server_port=$iceway_port
  else
    server_port=$(free_udp_port)
    local peer_port
    peer_port=$(free_udp_port)
    "$bench" bare-relay --listen "127.0.0.1:$server_port" --peer "127.0.0.1:$peer_port" \
      --duration $(( duration + 180 )) >"$work/limit.out" 2>"$work/limit.err" &
    server_pid=$!
    started_pids+=("$server_pid")
    extra=(--bare --peer-port "$peer_port")
  fi
  sleep 0.5
  rss_before=$(rss_kib "$server_pid")
  : >"$work/tool.err"
  timeout $(( duration + 120 )) "$bench" turn --server "127.0.0.1:$server_port" --secret "$secret" \
    --allocations "$count" --idle "$idle_count" --size "$size" --window "$window" --duration "$duration" --json \
    "${extra[@]}" >"$work/tool.out" 2>"$work/tool.err" &
  tool_pid=$!
  for _ in $(seq 1200); do  # setup: at most 120 s
    grep -q "load starts" "$work/tool.err" && break
    kill -0 "$tool_pid" 2>/dev/null || break
    sleep 0.1
  done
  grep -q "load starts" "$work/tool.err" || { echo "turn-scale: setup failed:" >&2; cat "$work/tool.err" >&2; exit 1; }
  rss_ready=$(rss_kib "$server_pid")
  cpu_ready=$(cpu_seconds "$server_pid")
  wait "$tool_pid" || { echo "turn-scale: the load failed:" >&2; cat "$work/tool.err" >&2; exit 1; }
  cpu_after=$(cpu_seconds "$server_pid")
  line=$(cat "$work/tool.out")
  setup=$(grep -o 'set up in [0-9.e+-]*' "$work/tool.err" | grep -o '[0-9.e+-]*$')
  kill -TERM "$server_pid"
  wait "$server_pid" 2>/dev/null || true
  python3 - "$server" "$name" "$count" "$idle_count" "$round" "$rss_before" "$rss_ready" "$cpu_ready" "$cpu_after" \
    "$setup" "$line" "$(cut -d' ' -f1 /proc/loadavg)" <<'PY'
import json, sys
server, name, count, idle, round_, rss_before, rss_ready, cpu_ready, cpu_after, setup, line, load = sys.argv[1:]
report = json.loads(line)
print(json.dumps({"server": server, "point": name, "active": int(count), "idle": int(idle), "round": int(round_),
                  "rss_before_kib": int(rss_before), "rss_ready_kib": int(rss_ready),
                  "cpu": float(cpu_after) - float(cpu_ready), "setup_s": float(setup),
                  "echoed": report["echoed"], "lost": report["lost"], "p99_us": report["rtt_p99_us"],
                  "load": float(load)}))
PY
}

echo "iceway-bench turn: ChannelData over UDP, 127.0.0.1, $size B, window $window, ${duration} s runs, $rounds rounds, alternating order"
echo "points: small = $small active; scale = $active active + $idle idle; iceway --threads 1, a fresh server per run"
(( limit )) && echo "limit: iceway-bench bare-relay at both points, a fresh one per run"
servers=(iceway)
(( limit )) && servers+=(limit)
echo "machine: $(nproc) CPUs, $(uname -sr); load average before: $(cut -d' ' -f1-3 /proc/loadavg); $(date -u '+%Y-%m-%d %H:%M UTC')"
results="$work/results.jsonl"
for round in $(seq "$rounds"); do
  order=(small scale)
  (( round % 2 == 0 )) && order=(scale small)
  for server in "${servers[@]}"; do
    for point in "${order[@]}"; do
      if [[ $point == small ]]; then run_point "$server" small "$small" 0 "$round" >>"$results"
      else run_point "$server" scale "$active" "$idle" "$round" >>"$results"; fi
      tail -1 "$results"
    done
  done
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

python3 - "$results" "$markdown" <<'PY'
import json, statistics, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
markdown = sys.argv[2] == "1"
def per_cpu(r):
    return 2 * r["echoed"] / r["cpu"] if r["cpu"] > 0 else float("nan")
def median(values):
    values = [v for v in values if v == v]
    return statistics.median(values) if values else float("nan")
header = ["server", "point", "active", "idle", "pkt/CPU-s", "vs small", "iceway/limit", "lost", "p99 µs",
          "RSS before MiB", "RSS set up MiB", "bytes per allocation", "setup s", "load avg"]
medians = {}
for server in ("iceway", "limit"):
    for point in ("small", "scale"):
        mine = [r for r in rows if r["server"] == server and r["point"] == point]
        if mine:
            medians[server, point] = median([per_cpu(r) for r in mine])
if markdown:
    print("\n| " + " | ".join(header) + " |")
    print("|---|---|" + "---:|" * (len(header) - 2))
else:
    print("\n" + "  ".join(header))
for server in ("iceway", "limit"):
    for point in ("small", "scale"):
        mine = [r for r in rows if r["server"] == server and r["point"] == point]
        if not mine:
            continue
        allocations = mine[0]["active"] + mine[0]["idle"]
        per_allocation = median([(r["rss_ready_kib"] - r["rss_before_kib"]) * 1024 / allocations for r in mine])
        here = medians[server, point]
        small_figure = medians.get((server, "small"))
        limit_figure = medians.get(("limit", point))
        cells = [server, point, str(mine[0]["active"]), str(mine[0]["idle"]), f"{here:.0f}",
                 f"{here / small_figure:.2f}" if small_figure else "",
                 f"{here / limit_figure:.2f}" if server == "iceway" and limit_figure else "",
                 str(sum(r["lost"] for r in mine)), f'{median([r["p99_us"] for r in mine]):.0f}',
                 f'{median([r["rss_before_kib"] for r in mine]) / 1024:.1f}',
                 f'{median([r["rss_ready_kib"] for r in mine]) / 1024:.1f}', f"{per_allocation:.0f}",
                 f'{median([r["setup_s"] for r in mine]):.1f}', f'{median([r["load"] for r in mine]):.1f}']
        print(("| " + " | ".join(cells) + " |") if markdown else "  ".join(cells))
PY
