# Shared by the bench/*.sh scripts (sourced, not run).
# The caller sets `work` (a scratch directory) and `keep` (copy it there on exit, or "").

started_pids=()

# Ends only the processes this script started, by PID: SIGTERM, then SIGKILL after 5 s.
bench_cleanup() {
  local pid
  for pid in "${started_pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${started_pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  if [[ -n ${keep:-} ]]; then mkdir -p "$keep" && cp -r "$work"/. "$keep"/; fi
  rm -rf "$work"
}

# bench_number SCRIPT FLAG VALUE MIN MAX: exits 2 with a message unless VALUE is a whole number
# in MIN..MAX (what every script checks its bounded options with).
bench_number() {
  [[ $3 =~ ^[0-9]+$ && $3 -ge $4 && $3 -le $5 ]] || { echo "$1: $2: $4..$5, not $3" >&2; exit 2; }
}

free_udp_port() {
  python3 -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# utime + stime of the whole process (all threads, live and exited), in seconds. The
# fields are counted after the ")" that ends the command name, which may contain spaces.
cpu_seconds() {
  local stat fields
  stat=$(<"/proc/$1/stat")
  stat=${stat##*) }
  read -r -a fields <<<"$stat"
  python3 -c "print(($(( fields[11] + fields[12] ))) / $(getconf CLK_TCK))"
}

rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }

# start_iceway NAME COMMAND...: runs COMMAND (iceway with --listen 127.0.0.1:0, perhaps
# behind taskset) and sets iceway_pid and iceway_port from its banner. iceway takes the UDP
# port from the kernel and then asks for the same number on TCP, which another program may
# hold: then it exits at once, and a new try gets a new port.
start_iceway() {
  local name=$1 attempt
  shift
  for attempt in 1 2 3 4 5; do
    "$@" >"$work/iceway.out" 2>"$work/iceway.err" &
    iceway_pid=$!
    started_pids+=("$iceway_pid")
    iceway_port=""
    for _ in $(seq 100); do
      iceway_port=$(grep -o 'udp 127\.0\.0\.1:[0-9]*' "$work/iceway.out" 2>/dev/null | head -1 | cut -d: -f2 || true)
      [[ -n $iceway_port ]] && return 0
      kill -0 "$iceway_pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -TERM "$iceway_pid" 2>/dev/null || true
    wait "$iceway_pid" 2>/dev/null || true
    echo "$name: iceway did not start (try $attempt): $(tail -1 "$work/iceway.err")" >&2
  done
  echo "$name: iceway printed no port:" >&2
  cat "$work"/iceway.* >&2
  exit 1
}

# The two TURN servers as the TURN benchmarks run them: one worker thread each, UDP on
# 127.0.0.1, REST-API secret SECRET, loopback peers allowed, relay ports MIN-MAX.
# start_iceway_relay NAME BINARY SECRET MIN MAX [OPTION...]: sets iceway_pid and iceway_port;
# any further options go to iceway as they are.
# Quotas raised (defaults: 10 per user, 20 per IP) because every client here is one user on
# 127.0.0.1; coturn has no such default quotas. Info logs (one line per allocation) off, as
# coturn's are at its default verbosity.
start_iceway_relay() {
  local name=$1 binary=$2 secret=$3 min=$4 max=$5
  shift 5
  start_iceway "$name" "$binary" --listen 127.0.0.1:0 --threads 1 --relay-ip 127.0.0.1 \
    --relay-ports "$min-$max" --signal-listen 127.0.0.1:0 --admin-listen 127.0.0.1:0 \
    --set "auth.secrets=[\"$secret\"]" --set turn.max_allocations=100000 --set turn.max_allocations_per_user=100000 \
    --set turn.max_allocations_per_ip=100000 --allow-loopback-peers --log-level warn "$@"
}

# start_coturn SECRET MIN MAX: turnserver with UDP only, loopback only, one relay thread, no
# TLS/DTLS, no CLI, no config file (-n); its SQLite user db is a scratch file (the REST secret
# needs no users). Sets coturn_pid and coturn_port.
start_coturn() {
  local secret=$1 min=$2 max=$3
  coturn_port=$(free_udp_port)
  turnserver -n --listening-ip=127.0.0.1 --relay-ip=127.0.0.1 --listening-port="$coturn_port" \
    --min-port="$min" --max-port="$max" --no-tls --no-dtls --no-tcp --no-cli \
    --relay-threads=1 --use-auth-secret --static-auth-secret="$secret" --realm=iceway --allow-loopback-peers \
    --log-file=stdout --simple-log --pidfile="$work/turnserver.pid" --userdb="$work/turndb" \
    >"$work/coturn.out" 2>"$work/coturn.err" &
  coturn_pid=$!
  started_pids+=("$coturn_pid")
}
