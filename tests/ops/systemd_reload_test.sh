#!/usr/bin/env bash
# systemd_reload_test.sh UNIT BINARY TEMPLATE
# Issue 14: `systemctl reload iceway` must fail when the new config is refused, and must not
# signal the server then. Runs the unit's own ExecReload= lines the way systemd does (in
# order, stopping at the first that fails, a leading "-" ignoring a failure), with
# /usr/bin/iceway, /etc/iceway/iceway.toml and $MAINPID replaced by BINARY, a scratch config
# and a stand-in main process (`sleep`, which SIGHUP ends). The secret comes from the
# environment, as a root-only EnvironmentFile= drop-in would supply it to every Exec line.
set -uo pipefail
unit=${1:?unit file}
binary=${2:?iceway binary}
template=${3:?config template}
scratch=$(mktemp -d)
main_pid=
cleanup() {
  [[ -n $main_pid ]] && kill "$main_pid" 2>/dev/null
  rm -rf "$scratch"
}
trap cleanup EXIT
export ICEWAY_SECRETS=reload-test-secret
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

mapfile -t reload_lines < <(sed -n 's/^ExecReload=//p' "$unit")
[[ ${#reload_lines[@]} -gt 0 ]] || { echo "FAIL: $unit has no ExecReload="; exit 1; }

# Echoes what systemd would report for `systemctl reload`: 0 when every line succeeded.
run_reload() {  # config, pid
  local line ignore_failure status
  for line in "${reload_lines[@]}"; do
    ignore_failure=0
    if [[ $line == -* ]]; then ignore_failure=1; line=${line#-}; fi
    line=${line//\/usr\/bin\/iceway/$binary}
    line=${line//\/etc\/iceway\/iceway.toml/$1}
    line=${line//\$MAINPID/$2}
    set -f
    # shellcheck disable=SC2086  # systemd splits the command line on spaces, so do we.
    $line > "$scratch/out" 2>&1
    status=$?
    set +f
    if [[ $status -ne 0 && $ignore_failure -eq 0 ]]; then
      echo "  ExecReload line failed (exit $status): $(head -3 "$scratch/out" | tr '\n' ' ')"
      return 1
    fi
  done
  return 0
}

# Waits until the forked child has become `sleep`: until then it is a copy of this shell, and
# a SIGHUP would run this script's EXIT trap in it (and delete the scratch directory).
start_main() {
  sleep 300 &
  main_pid=$!
  local tries
  for ((tries = 0; tries < 1000; tries++)); do
    [[ $(cat "/proc/$main_pid/comm" 2>/dev/null) == sleep ]] && return 0
    sleep 0.01
  done
  echo "FAIL: the stand-in main process did not start"
  exit 1
}
stop_main() {
  kill "$main_pid" 2>/dev/null || true
  wait "$main_pid" || true
  main_pid=
}

# A good file: the reload succeeds and the server is signalled.
cp "$template" "$scratch/good.toml"
start_main
if run_reload "$scratch/good.toml" "$main_pid"; then
  wait "$main_pid"
  status=$?
  main_pid=
  [[ $status -eq $((128 + 1)) ]] || fail "a good config reloaded but the main process got no SIGHUP (wait said $status)"
  [[ $failures -eq 0 ]] && echo "ok   a good config: reload succeeds and the server gets SIGHUP"
else
  fail "a good config: the reload failed"
fi

# A broken file (a misspelt key, an unparsable value, bad TOML): the reload fails and the
# server is not signalled, so it keeps running on its old config and systemd says so.
declare -A broken=(
  [misspelt_key]='s/^max_allocations = /max_alocations = /'
  [bad_value]='s/^relay_ports = .*/relay_ports = "65535-1"/'
  [not_toml]='s/^realm = .*/realm = "unterminated/'
)
for name in "${!broken[@]}"; do
  sed "${broken[$name]}" "$template" > "$scratch/$name.toml"
  if cmp -s "$template" "$scratch/$name.toml"; then fail "$name: the template no longer has the line to break"; continue; fi
  start_main
  if run_reload "$scratch/$name.toml" "$main_pid"; then
    fail "$name: systemctl reload would report success on a refused config"
  elif ! kill -0 "$main_pid" 2>/dev/null; then
    fail "$name: the reload failed but the server was signalled anyway"
  else
    echo "ok   $name: reload fails and the server is not signalled"
  fi
  stop_main
done

exit $((failures > 0))
