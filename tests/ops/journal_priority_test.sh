#!/usr/bin/env bash
# journal_priority_test.sh ICEWAY_BINARY
# Issue 14: `journalctl -p warning -u iceway` must show warnings and errors, so each log line
# written to the journal starts with its sd-daemon(3) priority ("<3>" error, "<4>" warning,
# "<6>" info), which journald strips. systemd sets JOURNAL_STREAM to the DEVICE:INODE of the
# stream it gave the service; here stderr is a file and JOURNAL_STREAM names that file, as
# systemd would name its socket. Without the variable, or when it names another stream (a
# child whose stderr was redirected), lines carry no prefix.
set -uo pipefail
iceway=${1:?iceway binary}
scratch=$(mktemp -d)
server_pid=
cleanup() {
  [[ -n $server_pid ]] && kill -KILL "$server_pid" 2>/dev/null
  rm -rf "$scratch"
}
trap cleanup EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# No config file (development mode: a warning), listening where it cannot (an error).
refused_args=(--listen 192.0.2.1:3478 --relay-ip 127.0.0.1 --signal-listen 127.0.0.1:0 --admin-listen 127.0.0.1:0)

run_refused() {  # log file, JOURNAL_STREAM value or "unset", extra arguments...
  local log=$1 stream=$2
  shift 2
  : > "$log"
  if [[ $stream == unset ]]; then
    env -u JOURNAL_STREAM timeout 20 "$iceway" "${refused_args[@]}" "$@" 2> "$log" > /dev/null
  else
    JOURNAL_STREAM=$stream timeout 20 "$iceway" "${refused_args[@]}" "$@" 2> "$log" > /dev/null
  fi
  [[ $? -eq 1 ]] || fail "iceway was expected to refuse to start (exit 1):$(cat "$log")"
}

expect_line() {  # description, file, extended regex
  if grep -q -E -- "$3" "$2"; then
    echo "ok   $1"
  else
    fail "$1: no line matches $3 in:"
    cat "$2"
  fi
}

expect_no_prefix() {  # description, file
  if [[ ! -s $2 ]]; then
    fail "$1: no log output"
  elif grep -q -E '^<[0-9]>' "$2"; then
    fail "$1: a line has a priority prefix:"
    cat "$2"
  else
    echo "ok   $1"
  fi
}

# Under journald, text: every line has a prefix, warnings <4>, errors <3>.
log=$scratch/journal.log
: > "$log"
run_refused "$log" "$(stat -c %d:%i "$log")"
expect_line "journal text: the warning is <4>" "$log" '^<4>warning development mode'
expect_line "journal text: the error is <3>" "$log" '^<3>error not started'
if grep -v -q -E '^<[0-9]>' "$log"; then fail "journal text: a line without a priority:"; cat "$log"; fi

# Under journald, JSON: the prefix comes before the object, which is otherwise unchanged.
log=$scratch/journal-json.log
: > "$log"
run_refused "$log" "$(stat -c %d:%i "$log")" --log-format json
expect_line "journal json: the warning is <4>{...}" "$log" '^<4>\{.*"level":"warning"'
expect_line "journal json: the error is <3>{...}" "$log" '^<3>\{.*"level":"error"'

# Not under journald: no variable, or a variable naming some other stream.
log=$scratch/plain.log
run_refused "$log" unset
expect_no_prefix "no JOURNAL_STREAM: no prefix" "$log"
expect_line "no JOURNAL_STREAM: the error is still logged" "$log" '^error not started'
other=$scratch/other
: > "$other"
log=$scratch/inherited.log
run_refused "$log" "$(stat -c %d:%i "$other")"
expect_no_prefix "JOURNAL_STREAM naming another stream: no prefix" "$log"

# A server that starts and drains logs info lines as <6>.
log=$scratch/running.log
out=$scratch/running.out
: > "$log"
: > "$out"
JOURNAL_STREAM=$(stat -c %d:%i "$log") "$iceway" --listen 127.0.0.1:0 --relay-ip 127.0.0.1 --signal-listen 127.0.0.1:0 \
  --admin-listen 127.0.0.1:0 --threads 1 2> "$log" > "$out" &
server_pid=$!
for ((tries = 0; tries < 300; tries++)); do
  grep -q 'is running' "$out" && break
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 0.1
done
if grep -q 'is running' "$out"; then
  kill -TERM "$server_pid"
  for ((tries = 0; tries < 300; tries++)); do
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  wait "$server_pid"
  server_pid=
  expect_line "journal text: the drain's info lines are <6>" "$log" '^<6>info stopped$'
else
  fail "iceway did not start within 30 s:"
  cat "$out" "$log"
fi

exit $((failures > 0))
