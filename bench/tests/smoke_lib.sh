# shellcheck shell=bash
# Sourced by the smoke tests here: a scratch folder, the one background process a test has
# running at a time (its PID in `pid`, ended on exit and by `stop_started`), and how a test
# reads a field of the tools' JSON and fails with what the tools printed. free_udp_port and the
# rest of the bench scripts' helpers come from bench/lib.sh.
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
work=$(mktemp -d)
pid=""
stop_started() {
  if [[ -n $pid ]]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  pid=""
}
cleanup() { stop_started; rm -rf "$work"; }
trap cleanup EXIT

field() { grep -o "\"$1\":[0-9.e+-]*" "$2" | head -1 | cut -d: -f2; }
fail() { echo "FAIL: $*" >&2; cat "$work"/*.json "$work"/*.err >&2 2>/dev/null || true; exit 1; }
