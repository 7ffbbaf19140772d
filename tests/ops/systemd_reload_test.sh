#!/usr/bin/env bash
# systemd_reload_test.sh UNIT BINARY TEMPLATE
# Issue 14: `systemctl reload iceway` must fail when the new config is refused, and the server
# must keep serving on its old one. Runs the unit's own ExecReload= lines the way systemd does
# (in order, stopping at the first that fails, a leading "-" ignoring a failure) against a real
# server, with /usr/bin/iceway and /etc/iceway/iceway.toml replaced by BINARY and a scratch
# copy of TEMPLATE (on loopback ports of its own, its control socket in the scratch folder).
# The secret comes from the environment, as a root-only EnvironmentFile= drop-in would supply
# it to every Exec line.
set -uo pipefail
unit=${1:?unit file}
binary=${2:?iceway binary}
template=${3:?config template}
scratch=$(mktemp -d)
server_pid=
cleanup() {
  if [[ -n $server_pid ]]; then
    kill -TERM "$server_pid" 2>/dev/null
    wait "$server_pid" 2>/dev/null
  fi
  rm -rf "$scratch"
}
trap cleanup EXIT
export ICEWAY_SECRETS=reload-test-secret
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

mapfile -t reload_lines < <(sed -n 's/^ExecReload=//p' "$unit")
[[ ${#reload_lines[@]} -gt 0 ]] || { echo "FAIL: $unit has no ExecReload="; exit 1; }

live=$scratch/iceway.toml
# The template on loopback ports the kernel picks and with its control socket here.
sed -e 's|^listen = \["0.0.0.0:3478", "\[::\]:3478"\].*|listen = ["127.0.0.1:0"]|' \
    -e 's|^listen = "0.0.0.0:8080".*|listen = "127.0.0.1:0"|' \
    -e 's|^listen = "127.0.0.1:9641".*|listen = "127.0.0.1:0"|' \
    -e "s|^control_socket = .*|control_socket = \"$scratch/control.sock\"|" \
    -e 's|^drain_timeout = .*|drain_timeout = "0s"|' "$template" > "$scratch/good.toml"
for setting in 'listen = \["127.0.0.1:0"\]' 'listen = "127.0.0.1:0"' "control_socket = \"$scratch/control.sock\""; do
  grep -q "^$setting" "$scratch/good.toml" || { echo "FAIL: the template no longer has the line for $setting"; exit 1; }
done
cp "$scratch/good.toml" "$live"

# Echoes what systemd would report for `systemctl reload`: 0 when every line succeeded.
run_reload() {
  local line ignore_failure status
  for line in "${reload_lines[@]}"; do
    ignore_failure=0
    if [[ $line == -* ]]; then ignore_failure=1; line=${line#-}; fi
    line=${line//\/usr\/bin\/iceway/$binary}
    line=${line//\/etc\/iceway\/iceway.toml/$live}
    line=${line//\$MAINPID/$server_pid}
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
reloads_applied() { grep -c 'reload: configuration applied' "$scratch/server.err"; }

"$binary" --config "$live" > "$scratch/server.out" 2> "$scratch/server.err" &
server_pid=$!
for _ in $(seq 100); do
  [[ -S $scratch/control.sock ]] && break
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 0.1
done
[[ -S $scratch/control.sock ]] || { echo "FAIL: the server did not start"; cat "$scratch"/server.*; exit 1; }

# A good file: the reload succeeds and the server applied it.
if run_reload; then
  [[ $(reloads_applied) -eq 1 ]] && echo "ok   a good config: reload succeeds and the server applied it" ||
    fail "a good config: the reload reported success but the server applied nothing"
else
  fail "a good config: the reload failed"
fi

# A broken file (a misspelt key, an unparsable value, bad TOML): the reload fails, the server
# applies nothing and keeps serving, and systemd says so.
declare -A broken=(
  [misspelt_key]='s/^max_allocations = /max_alocations = /'
  [bad_value]='s/^relay_ports = .*/relay_ports = "65535-1"/'
  [not_toml]='s/^realm = .*/realm = "unterminated/'
)
for name in "${!broken[@]}"; do
  sed "${broken[$name]}" "$scratch/good.toml" > "$live"
  if cmp -s "$scratch/good.toml" "$live"; then fail "$name: the template no longer has the line to break"; continue; fi
  before=$(reloads_applied)
  if run_reload; then
    fail "$name: systemctl reload would report success on a refused config"
  elif [[ $(reloads_applied) -ne $before ]]; then
    fail "$name: the reload failed but the server applied it anyway"
  elif ! "$binary" ctl --socket "$scratch/control.sock" status | grep -q 'state *ready'; then
    fail "$name: the server is not serving after the refused reload"
  else
    echo "ok   $name: reload fails, the server keeps its config and serves"
  fi
  cp "$scratch/good.toml" "$live"
done

exit $((failures > 0))
