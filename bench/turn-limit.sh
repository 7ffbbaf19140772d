#!/usr/bin/env bash
# TURN relay at the limit: iceway, coturn's turnserver and a bare relay (the floor any
# user-space relay pays: `iceway-bench bare-relay`, recvmmsg -> sendmmsg and nothing else),
# each driven by the same batched load tool (`iceway-bench turn`: ChannelData over UDP,
# `window` frames in flight per allocation, an echo peer of its own), side by side in one run.
# For every point (payload size x allocations) and round, in alternating order, it reads the
# server's CPU time from /proc around a run and reports relayed packets per server
# CPU-second (two per echoed frame), with medians and the ratios iceway/coturn and
# iceway/limit. One worker thread each; loopback only. Everything stops by itself (each load
# run has a duration and a timeout; the bare relay a duration), and only the processes this
# script started are ended, by PID, on exit.
#
#   bench/turn-limit.sh [--rounds 3] [--sizes "100 1000"] [--allocations "10 50"] [--window 8]
#                       [--duration 5] [--build build] [--markdown] [--keep DIR]
set -euo pipefail

rounds=3
sizes="100 1000"
allocation_counts="10 50"
window=8
duration=5
markdown=0
keep=""
build="$(cd "$(dirname "$0")/.." && pwd)/build"
secret="bench-secret"
iceway_ports=(20000 24999)
coturn_ports=(25000 29999)

usage() { sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-0}"; }
while [[ $# -gt 0 ]]; do
  case $1 in
    --rounds) rounds=$2; shift 2 ;;
    --sizes) sizes=$2; shift 2 ;;
    --allocations) allocation_counts=$2; shift 2 ;;
    --window) window=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    --markdown) markdown=1; shift ;;
    --keep) keep=$2; shift 2 ;;
    -h|--help) usage 0 ;;
    *) echo "turn-limit: unknown argument $1" >&2; usage 2 ;;
  esac
done
source "$(dirname "$0")/lib.sh"
number() { bench_number turn-limit "$@"; }
number --rounds "$rounds" 1 20
number --window "$window" 1 1024
number --duration "$duration" 1 60
for size in $sizes; do number --sizes "$size" 16 1400; done
for count in $allocation_counts; do number --allocations "$count" 1 4000; done

iceway="$build/app/iceway"
bench="$build/bench/iceway-bench"
for tool in turnserver python3; do
  command -v "$tool" >/dev/null || { echo "turn-limit: $tool missing (Debian packages coturn, python3)" >&2; exit 1; }
done
for binary in "$iceway" "$bench"; do
  [[ -x $binary ]] || { echo "turn-limit: $binary missing; build first: cmake -S . -B build -G Ninja && cmake --build build -j2" >&2; exit 1; }
done

work=$(mktemp -d /tmp/turn-limit.XXXXXX)
trap bench_cleanup EXIT
trap 'exit 130' INT TERM

declare -A port pid
start_iceway_relay turn-limit "$iceway" "$secret" "${iceway_ports[0]}" "${iceway_ports[1]}"
pid[iceway]=$iceway_pid
port[iceway]=$iceway_port
start_coturn "$secret" "${coturn_ports[0]}" "${coturn_ports[1]}"
pid[coturn]=$coturn_pid
port[coturn]=$coturn_port

# The bare relay sends every payload to the load tool's echo peer, so that one gets a fixed
# port for the limit's runs.
port[limit]=$(free_udp_port)
limit_peer_port=$(free_udp_port)
points=0
for _ in $sizes; do for _ in $allocation_counts; do points=$((points + 1)); done; done
"$bench" bare-relay --listen "127.0.0.1:${port[limit]}" --peer "127.0.0.1:$limit_peer_port" \
  --duration $(( points * rounds * (duration + 15) + 60 )) >"$work/limit.out" 2>"$work/limit.err" &
pid[limit]=$!
started_pids+=("${pid[limit]}")

load() {  # server size allocations -> the tool's JSON line on stdout
  local server=$1 size=$2 count=$3
  local args=(turn --server "127.0.0.1:${port[$server]}" --secret "$secret" --allocations "$count" --size "$size"
              --window "$window" --duration "$duration" --json)
  [[ $server == limit ]] && args+=(--bare --peer-port "$limit_peer_port")
  timeout $(( duration + 30 )) "$bench" "${args[@]}" 2>>"$work/load.err"
}

sleep 1
for server in iceway coturn limit; do  # ready when a short load gets echoes through it
  ready=0
  for _ in $(seq 30); do
    kill -0 "${pid[$server]}" 2>/dev/null || break
    echoed=$(load "$server" 100 1 | python3 -c 'import json, sys; print(json.load(sys.stdin)["echoed"])' 2>/dev/null || echo 0)
    [[ $echoed -gt 0 ]] && { ready=1; break; }
    sleep 0.2
  done
  [[ $ready == 1 ]] || { echo "turn-limit: $server relays nothing; logs:" >&2; tail -5 "$work"/*.err >&2; exit 1; }
done

echo "iceway-bench turn: ChannelData over UDP, 127.0.0.1, window $window, ${duration} s runs, $rounds rounds, alternating order"
echo "servers: iceway --threads 1; coturn $(turnserver --version 2>/dev/null | head -1 || true) --relay-threads=1; limit: iceway-bench bare-relay"
echo "machine: $(nproc) CPUs, $(uname -sr); load average before: $(cut -d' ' -f1-3 /proc/loadavg); $(date -u '+%Y-%m-%d %H:%M UTC')"

results="$work/results.jsonl"
for size in $sizes; do
  for count in $allocation_counts; do
    for round in $(seq "$rounds"); do
      order=(iceway coturn limit)
      (( round % 3 == 2 )) && order=(coturn limit iceway)
      (( round % 3 == 0 )) && order=(limit iceway coturn)
      for server in "${order[@]}"; do
        before=$(cpu_seconds "${pid[$server]}")
        line=$(load "$server" "$size" "$count" || echo '{}')
        after=$(cpu_seconds "${pid[$server]}")
        python3 - "$server" "$size" "$count" "$round" "$before" "$after" "$line" "$(cut -d' ' -f1 /proc/loadavg)" >>"$results" <<'PY'
import json, sys
server, size, count, round_, before, after, line, load = sys.argv[1:]
report = json.loads(line) if line.strip() else {}
print(json.dumps({"server": server, "size": int(size), "allocations": int(count), "round": int(round_),
                  "cpu": float(after) - float(before), "echoed": report.get("echoed", 0),
                  "lost": report.get("lost", 0), "p99_us": report.get("rtt_p99_us"), "load": float(load)}))
PY
      done
    done
  done
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

python3 - "$results" "$markdown" <<'PY'
import json, statistics, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
markdown = sys.argv[2] == "1"
points = list(dict.fromkeys((r["size"], r["allocations"]) for r in rows))
def per_cpu(r):
    return 2 * r["echoed"] / r["cpu"] if r["cpu"] > 0 else float("nan")
def median(values):
    values = [v for v in values if v == v]
    return statistics.median(values) if values else float("nan")
header = ["payload B", "allocations", "iceway pkt/CPU-s", "coturn pkt/CPU-s", "limit pkt/CPU-s",
          "iceway/coturn", "iceway/limit", "lost (i/c/l)", "p99 µs (i/c/l)", "load avg"]
if markdown:
    print("\n| " + " | ".join(header) + " |")
    print("|" + "---:|" * len(header))
else:
    print("\n" + "  ".join(header))
for size, count in points:
    m, lost, p99 = {}, {}, {}
    for server in ("iceway", "coturn", "limit"):
        mine = [r for r in rows if (r["size"], r["allocations"], r["server"]) == (size, count, server)]
        m[server] = median([per_cpu(r) for r in mine])
        lost[server] = sum(r["lost"] for r in mine)
        p99[server] = median([r["p99_us"] for r in mine if r["p99_us"] is not None])
    load = median([r["load"] for r in rows if (r["size"], r["allocations"]) == (size, count)])
    cells = [str(size), str(count), f'{m["iceway"]:.0f}', f'{m["coturn"]:.0f}', f'{m["limit"]:.0f}',
             f'{m["iceway"] / m["coturn"]:.2f}', f'{m["iceway"] / m["limit"]:.2f}',
             f'{lost["iceway"]}/{lost["coturn"]}/{lost["limit"]}',
             f'{p99["iceway"]:.0f}/{p99["coturn"]:.0f}/{p99["limit"]:.0f}', f'{load:.1f}']
    print(("| " + " | ".join(cells) + " |") if markdown else "  ".join(cells))
PY
