#!/usr/bin/env bash
# TURN over UDP: iceway against coturn's turnserver, side by side in one run, driven by
# coturn's own client tools (turnutils_uclient, turnutils_peer as the echoing peer).
#
# Starts turnutils_peer and both servers on 127.0.0.1 (one worker thread each, REST-API
# secret "bench-secret", loopback peers allowed, disjoint relay port ranges outside the
# kernel's ephemeral range), then for several rounds, alternating which goes first, runs the
# same uclient load against each, reading the server's CPU time from /proc/PID/stat around
# the run and parsing uclient's summary (messages sent and received, loss, round trip).
# Relayed packets per server CPU-second is the comparable number: uclient paces its own
# sending, so both servers get the same packets per second.
# Then idle allocations: uclient -O (allocate and walk away) until about --idle allocations
# exist, timed and measured: allocations/s (uclient's pace bounds it), allocations per
# server CPU-second, and resident memory per 1,000 idle allocations (/proc/PID/status).
# Everything stops by itself: each client run has a timeout, and only the processes this
# script started are ended, by PID, on exit.
#
#   bench/turn-vs-coturn.sh [--rounds 3] [--clients 20] [--messages 2000] [--length 170]
#                           [--interval 1] [--parallel 1] [--send] [--idle 1000 | --idle 0]
#                           [--build build] [--markdown] [--keep DIR] [--only coturn]
#
# --parallel P runs P uclient processes at once (each one thread, which tops out near 5,000
# echoed messages/s), for a load heavier than one uclient can make.
#
# uclient runs with -c (one allocation per client, no RTCP pair), so each client's packets go
# through one allocation and the numbers compare relayed packets, not reservations.
set -euo pipefail

rounds=3
clients=20
messages=2000
length=170
interval=1
parallel=1
with_send=0
idle=1000
markdown=0
keep=""
only=""
build="$(cd "$(dirname "$0")/.." && pwd)/build"
secret="bench-secret"
# Below the kernel's ephemeral range (32768-60999 by default), so no client socket takes a
# relay port; 5,000 each, so the idle phase never runs a range dry (coturn spins at full CPU
# answering 508s when it does).
iceway_ports=(20000 24999)
coturn_ports=(25000 29999)

usage() { sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-0}"; }
while [[ $# -gt 0 ]]; do
  case $1 in
    --rounds) rounds=$2; shift 2 ;;
    --clients) clients=$2; shift 2 ;;
    --messages) messages=$2; shift 2 ;;
    --length) length=$2; shift 2 ;;
    --interval) interval=$2; shift 2 ;;
    --parallel) parallel=$2; shift 2 ;;
    --send) with_send=1; shift ;;
    --idle) idle=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    --markdown) markdown=1; shift ;;
    --keep) keep=$2; shift 2 ;;
    --only) only=$2; shift 2 ;;
    -h|--help) usage 0 ;;
    *) echo "turn-vs-coturn: unknown argument $1" >&2; usage 2 ;;
  esac
done
source "$(dirname "$0")/lib.sh"
number() { bench_number turn-vs-coturn "$@"; }
number --rounds "$rounds" 1 20
number --clients "$clients" 1 500
number --messages "$messages" 1 100000
number --length "$length" 20 1400
number --interval "$interval" 0 1000
number --parallel "$parallel" 1 8
number --idle "$idle" 0 4000  # each relay range holds 5,000 ports
[[ -z $only || $only == iceway || $only == coturn ]] || { echo "--only: iceway or coturn" >&2; exit 2; }

iceway="$build/app/iceway"
bench="$build/bench/iceway-bench"
servers=(iceway coturn)
[[ -n $only ]] && servers=("$only")
for tool in turnserver turnutils_uclient turnutils_peer python3 ss; do
  command -v "$tool" >/dev/null || { echo "turn-vs-coturn: $tool missing (Debian packages coturn, python3, iproute2)" >&2; exit 1; }
done
for binary in "$iceway" "$bench"; do
  [[ -x $binary ]] || { echo "turn-vs-coturn: $binary missing; build first: cmake -S . -B build -G Ninja && cmake --build build -j2" >&2; exit 1; }
done

work=$(mktemp -d /tmp/turn-vs-coturn.XXXXXX)
trap bench_cleanup EXIT
trap 'exit 130' INT TERM

now() { date +%s.%N; }
# Relay sockets bound in a server's range: one per live allocation, whatever the server.
relay_sockets() { ss -Huan "( sport >= :$1 and sport <= :$2 )" | wc -l; }

peer_port=$(free_udp_port)
turnutils_peer -L 127.0.0.1 -p "$peer_port" >"$work/peer.log" 2>&1 &
started_pids+=($!)

declare -A port pid low high
if [[ " ${servers[*]} " == *" iceway "* ]]; then
  start_iceway_relay turn-vs-coturn "$iceway" "$secret" "${iceway_ports[0]}" "${iceway_ports[1]}"
  pid[iceway]=$iceway_pid
  port[iceway]=$iceway_port
  low[iceway]=${iceway_ports[0]}
  high[iceway]=${iceway_ports[1]}
fi
if [[ " ${servers[*]} " == *" coturn "* ]]; then
  start_coturn "$secret" "${coturn_ports[0]}" "${coturn_ports[1]}"
  pid[coturn]=$coturn_pid
  port[coturn]=$coturn_port
  low[coturn]=${coturn_ports[0]}
  high[coturn]=${coturn_ports[1]}
fi

for server in "${servers[@]}"; do  # ready when it answers a STUN Binding
  ready=0
  for _ in $(seq 50); do
    kill -0 "${pid[$server]}" 2>/dev/null || break
    answered=$("$bench" stun --server "127.0.0.1:${port[$server]}" --sockets 1 --window 1 --duration 0.1 --timeout 100 \
      --json 2>/dev/null | python3 -c 'import json, sys; print(json.load(sys.stdin)["answered"])' || echo 0)
    [[ $answered -gt 0 ]] && { ready=1; break; }
    sleep 0.1
  done
  [[ $ready == 1 ]] || { echo "turn-vs-coturn: $server is not answering; its log:" >&2; cat "$work/$server".* >&2; exit 1; }
done

uclient() {  # server output-file extra-args...
  local server=$1 out=$2
  shift 2
  # Bounded: the pacing says messages x interval; allow three times that plus a minute.
  timeout $(( messages * interval * 3 / 1000 + 60 )) turnutils_uclient -c "$@" -l "$length" -e 127.0.0.1 -r "$peer_port" \
    -u bench -W "$secret" -p "${port[$server]}" 127.0.0.1 >"$out" 2>&1
}

loads=("channel")
[[ $with_send == 1 ]] && loads+=("send")

run_one() {  # load server round
  local load=$1 server=$2 round=$3 extra=() before after start end rc=0
  [[ $load == send ]] && extra=(-s)
  local out="$work/$load.$server.$round" k uclient_pids=()
  before=$(cpu_seconds "${pid[$server]}")
  start=$(now)
  for k in $(seq "$parallel"); do
    uclient "$server" "$out.$k.log" -m "$clients" -n "$messages" -z "$interval" "${extra[@]}" &
    uclient_pids+=($!)
  done
  for k in "${uclient_pids[@]}"; do wait "$k" || rc=$?; done
  end=$(now)
  after=$(cpu_seconds "${pid[$server]}")
  python3 - "$out" "$parallel" "$load" "$server" "$round" "$rc" "$before" "$after" "$start" "$end" \
    "$(rss_kib "${pid[$server]}")" >>"$work/results.jsonl" <<'PY'
import json, re, sys
out, parallel, load, server, round_, rc, before, after, start, end, rss = sys.argv[1:]
def last(text, pattern, cast=float):
    found = re.findall(pattern, text)
    return cast(found[-1]) if found else None
runs = []
for k in range(1, int(parallel) + 1):
    text = open(f"{out}.{k}.log", errors="replace").read()
    runs.append({
        # The final totals line ends after tot_recv_msgs; the progress lines go on with bytes.
        "sent": last(text, r"tot_send_msgs=(\d+), tot_recv_msgs=\d+\n", int),
        "received": last(text, r"tot_send_msgs=\d+, tot_recv_msgs=(\d+)\n", int),
        "transmit_seconds": last(text, r"Total transmit time is (\d+)"),
        "lost": last(text, r"Total lost packets (\d+)", int),
        "rtt_ms": last(text, r"Average round trip delay ([\d.]+) ms"),
        "rtt_max_ms": last(text, r"Average round trip delay [\d.]+ ms; min = \d+ ms, max = (\d+) ms"),
    })
complete = all(r["sent"] is not None and r["received"] is not None for r in runs)
total = lambda key: sum(r[key] or 0 for r in runs)
received = total("received")
record = {
    "load": load, "server": server, "round": int(round_), "exit": int(rc), "uclients": len(runs),
    "server_cpu_seconds": round(float(after) - float(before), 3), "wall_seconds": round(float(end) - float(start), 3),
    "server_rss_kib": int(rss),
    "sent": total("sent") if complete else None,
    "received": received if complete else None,
    # uclient reports whole seconds; the processes ran side by side, so the longest counts.
    "transmit_seconds": max((r["transmit_seconds"] or 0) for r in runs),
    "lost": total("lost"),
    "loss_percent": 100 * total("lost") / total("sent") if complete and total("sent") else None,
    "rtt_ms": sum((r["rtt_ms"] or 0) * (r["received"] or 0) for r in runs) / received if received else None,
    "rtt_max_ms": max((r["rtt_max_ms"] or 0) for r in runs),
}
print(json.dumps(record))
PY
  python3 - "$work/results.jsonl" <<'PY'
import json, sys
r = json.loads(open(sys.argv[1]).read().splitlines()[-1])
if r["sent"] is None or r["received"] is None:
    print(f'  {r["load"]:<8} round {r["round"]} {r["server"]:<6}  uclient failed (exit {r["exit"]}); see its log')
else:
    relayed = r["sent"] + r["received"]
    cpu = r["server_cpu_seconds"]
    rate = r["received"] / r["transmit_seconds"] if r["transmit_seconds"] else float("nan")
    print(f'  {r["load"]:<8} round {r["round"]} {r["server"]:<6}  sent {r["sent"]} received {r["received"]} '
          f'({rate:.0f}/s echoed)  loss {r["loss_percent"]:.3f}%  rtt {r["rtt_ms"]:.2f} ms (max {r["rtt_max_ms"]:.0f})  '
          f'server CPU {cpu:.2f} s ({relayed / cpu if cpu else float("nan"):.0f} relayed pkt/CPU-s)', flush=True)
PY
}

idle_allocations() {  # server: uclient -O in batches until about $idle allocations exist
  local server=$1 before_count after_count before_rss after_rss before_cpu after_cpu start end batch=0
  before_count=$(relay_sockets "${low[$server]}" "${high[$server]}")
  before_rss=$(rss_kib "${pid[$server]}")
  before_cpu=$(cpu_seconds "${pid[$server]}")
  start=$(now)
  local count=$before_count previous
  while (( count - before_count < idle && batch < 100 )); do
    # -O: allocate (with permission and channel) and exit without deallocating, so the
    # allocations stay, idle, until their lifetime ends. -O sends every request twice, so
    # 50 clients draw about 100 401s: each batch comes from its own loopback address
    # (127.0.1.N) and stays under iceway's burst of 200 unauthenticated answers per source
    # IP (SPEC §9), which would otherwise drop 401s, make uclient wait out its blocking
    # receive, and measure the limiter instead of the server.
    # A batch takes well under a second; 20 s means uclient is stuck waiting for answers.
    timeout 20 turnutils_uclient -c -O -m 50 -n 1 -z 0 -l "$length" -e 127.0.0.1 -r "$peer_port" -u bench -W "$secret" \
      -p "${port[$server]}" -L "127.0.1.$((batch + 1))" 127.0.0.1 >"$work/idle.$server.$batch.log" 2>&1 || true
    batch=$((batch + 1))
    previous=$count
    count=$(relay_sockets "${low[$server]}" "${high[$server]}")
    if (( count == previous )); then
      echo "  idle            $server  a batch of 50 clients created no allocation; stopping (see idle.$server.*.log)" >&2
      break
    fi
  done
  end=$(now)
  sleep 1  # let retransmissions and the last answers settle before measuring memory
  after_count=$(relay_sockets "${low[$server]}" "${high[$server]}")
  after_rss=$(rss_kib "${pid[$server]}")
  after_cpu=$(cpu_seconds "${pid[$server]}")
  echo "{\"load\": \"idle\", \"server\": \"$server\", \"allocations\": $((after_count - before_count)), \"uclient_runs\": $batch, \"wall_seconds\": $(python3 -c "print(round($end - $start, 3))"), \"server_cpu_seconds\": $(python3 -c "print(round($after_cpu - $before_cpu, 3))"), \"rss_before_kib\": $before_rss, \"rss_after_kib\": $after_rss}" \
    >>"$work/results.jsonl"
  python3 - "$work/results.jsonl" <<'PY'
import json, sys
r = json.loads(open(sys.argv[1]).read().splitlines()[-1])
n = r["allocations"]
if n <= 0:
    print(f'  idle            {r["server"]:<6}  no allocations were created; see the idle.*.log files')
else:
    per_1000 = (r["rss_after_kib"] - r["rss_before_kib"]) / n * 1000 / 1024
    cpu = r["server_cpu_seconds"]
    print(f'  idle            {r["server"]:<6}  {n} allocations in {r["wall_seconds"]:.1f} s ({n / r["wall_seconds"]:.0f}/s), '
          f'server CPU {cpu:.2f} s ({n / cpu if cpu else float("nan"):.0f} alloc/CPU-s), '
          f'RSS {r["rss_before_kib"] / 1024:.1f} -> {r["rss_after_kib"] / 1024:.1f} MiB ({per_1000:.2f} MiB per 1,000)', flush=True)
PY
}

echo "turnutils_uclient: TURN over UDP, 127.0.0.1; ${servers[*]}; coturn $(turnserver --version 2>/dev/null | head -1 || true) (--relay-threads=1), iceway --threads 1"
echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(uname -sr); load average $(cut -d' ' -f1-3 /proc/loadavg); $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "load: $parallel x uclient -c -m $clients -n $messages -l $length -z $interval$([[ $with_send == 1 ]] && echo " (channels; and -s, Send indications)" || echo " (channels)"), peer turnutils_peer; $rounds rounds, alternating order"

for server in "${servers[@]}"; do  # warm-up, not counted
  uclient "$server" "$work/warmup.$server.log" -m 2 -n 50 -z 1 || true
done
for load in "${loads[@]}"; do
  for round in $(seq "$rounds"); do
    order=("${servers[@]}")
    if (( round % 2 == 0 && ${#servers[@]} == 2 )); then order=("${servers[1]}" "${servers[0]}"); fi
    for server in "${order[@]}"; do run_one "$load" "$server" "$round"; done
  done
done
if (( idle > 0 )); then
  for server in "${servers[@]}"; do idle_allocations "$server"; done
fi

python3 - "$work/results.jsonl" "$markdown" <<'PY'
import json, statistics, sys

rows = [json.loads(line) for line in open(sys.argv[1])]
markdown = sys.argv[2] == "1"
servers = list(dict.fromkeys(r["server"] for r in rows))

def traffic(r):
    cpu = r["server_cpu_seconds"]
    relayed = r["sent"] + r["received"]
    return {
        "echoed msg/s": r["received"] / r["transmit_seconds"] if r["transmit_seconds"] else float("nan"),
        "relayed pkt/s": relayed / r["transmit_seconds"] if r["transmit_seconds"] else float("nan"),
        "loss %": r["loss_percent"],
        "avg RTT ms": r["rtt_ms"],
        "max RTT ms": r["rtt_max_ms"],
        "server CPU s": cpu,
        "server busy % of one core": 100 * cpu / r["wall_seconds"] if r["wall_seconds"] else float("nan"),
        "relayed pkt per server CPU-s": relayed / cpu if cpu else float("nan"),
        "server RSS MiB": r["server_rss_kib"] / 1024,
    }

def idle(r):
    n, cpu = r["allocations"], r["server_cpu_seconds"]
    return {
        "idle allocations": n,
        "allocations/s (uclient-bound)": n / r["wall_seconds"] if r["wall_seconds"] else float("nan"),
        "allocations per server CPU-s": n / cpu if cpu else float("nan"),
        "RSS MiB per 1,000 idle allocations": (r["rss_after_kib"] - r["rss_before_kib"]) / n * 1000 / 1024 if n > 0 else float("nan"),
    }

higher_better = {"echoed msg/s", "relayed pkt/s", "relayed pkt per server CPU-s", "allocations/s (uclient-bound)",
                 "allocations per server CPU-s"}
def fmt(name, v):
    if v != v: return "n/a"
    if name in ("loss %",): return f"{v:.3f}"
    if name.endswith("ms") or name.endswith(" s") or "MiB" in name: return f"{v:.2f}"
    return f"{v:.0f}"

def table(title, medians, names):
    print()
    both = len(servers) == 2
    if markdown:
        print(f"**{title}**\n")
        print("| | " + " | ".join(servers) + (" | iceway/coturn |" if both else " |"))
        print("|---|" + "---:|" * (len(servers) + (1 if both else 0)))
    else:
        print(title)
        print(f"  {'':<36}" + "".join(f"{s:>12}" for s in servers) + (f"{'iceway/coturn':>15}" if both else ""))
    for n in names:
        values = [medians[s][n] for s in servers]
        ratio = ""
        if both and (n in higher_better or n.startswith("RSS") or n.endswith("CPU s")):
            i, c = medians["iceway"][n], medians["coturn"][n]
            ratio = f"{i / c:.2f}" if c and c == c and i == i else ""
        if markdown:
            print(f"| {n} | " + " | ".join(fmt(n, v) for v in values) + (f" | {ratio} |" if both else " |"))
        else:
            print(f"  {n:<36}" + "".join(f"{fmt(n, v):>12}" for v in values) + (f"{ratio:>15}" if both else ""))

summary = {}
for load in ("channel", "send"):
    runs = [r for r in rows if r["load"] == load]
    if not runs:
        continue
    if any(r["sent"] is None or r["received"] is None for r in runs):
        failed = sorted({r["server"] for r in runs if r["sent"] is None or r["received"] is None})
        print(f"\n{load}: uclient failed against {', '.join(failed)}; no summary for this load")
        continue
    medians = {}
    for s in servers:
        mine = [traffic(r) for r in runs if r["server"] == s]
        medians[s] = {n: statistics.median(m[n] for m in mine) for n in mine[0]}
    summary[load] = medians
    title = {"channel": "ChannelData (uclient default)", "send": "Send/Data indications (uclient -s)"}[load]
    count = len([r for r in runs if r["server"] == servers[0]])
    table(f"{title}: medians of {count} rounds", medians, list(medians[servers[0]]))
idle_rows = {r["server"]: idle(r) for r in rows if r["load"] == "idle"}
if len(idle_rows) == len(servers):
    summary["idle"] = idle_rows
    table("Idle allocations (uclient -O -c, one run)", idle_rows, list(idle_rows[servers[0]]))
print()
print("summary-json " + json.dumps(summary))
PY
