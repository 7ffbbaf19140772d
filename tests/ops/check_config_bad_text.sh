#!/usr/bin/env bash
# `iceway --check-config` on text the TOML spec forbids: the --set value that made Debian's
# toml11 read past its buffer (issue 10's reproducer, up to its NUL, which argv cannot carry),
# and a file holding it. Each must end in a problem naming where, a non-zero exit, and no
# crash or sanitizer report.
#   check_config_bad_text.sh ICEWAY_BINARY
set -uo pipefail
iceway=${1:?iceway binary}
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
failures=0

expect_problem() {  # description, expected text, iceway arguments...
  local description=$1 expected=$2
  shift 2
  "$iceway" --check-config "$@" > "$scratch/out" 2>&1
  local status=$?
  if [[ $status -eq 0 || $status -ge 128 ]]; then
    echo "FAIL $description: exit $status (want a refusal, not success or a signal)"
    failures=$((failures + 1))
  elif grep -q -E 'Sanitizer|runtime error' "$scratch/out"; then
    echo "FAIL $description: sanitizer report"
    failures=$((failures + 1))
  elif ! grep -q -F -- "$expected" "$scratch/out"; then
    echo "FAIL $description: output lacks '$expected':"
    cat "$scratch/out"
    failures=$((failures + 1))
  else
    echo "ok   $description: $(grep -F -- "$expected" "$scratch/out" | head -1)"
  fi
}

expect_problem "the reproducer through --set" "--set: byte 0xFE is not valid UTF-8" --set $'lo\xfe\x1c'
expect_problem "a control character in a --set value" "control character 0x1C" --set $'server.realm=\'se\x1cxtern\''
printf '[auth]\nsecrets = ["s"]\n[server]\nrealm = \x27a\xfe\x1c\x27\n' > "$scratch/bad.toml"
expect_problem "the same bytes in a file" "$scratch/bad.toml:4" --config "$scratch/bad.toml"
printf '[auth]\nsecrets = ["s"]\nx = %s\n' "$(printf '[%.0s' {1..100})" > "$scratch/deep.toml"
expect_problem "nesting that would exhaust toml11's stack" "$scratch/deep.toml:3" --config "$scratch/deep.toml"

[[ $failures -eq 0 ]]
