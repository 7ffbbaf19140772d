#!/usr/bin/env bash
# Runs every libFuzzer target of a fuzz build for a bounded time on its checked-in seed
# corpus (tests/fuzz/corpus/NAME/). Fails on any crash, leak or sanitizer report.
#   tests/fuzz/run.sh BUILD_DIR SECONDS_PER_TARGET
set -euo pipefail
build=${1:?build dir}
seconds=${2:-60}
here=$(cd "$(dirname "$0")" && pwd)
mapfile -t targets < <(find "$build/tests/fuzz" -type f -name '*_fuzz' -perm -u+x | sort)
if [[ ${#targets[@]} -eq 0 ]]; then
  echo "fuzz: no fuzz targets were built in $build" >&2
  exit 1
fi
passed=0
failed=0
for target in "${targets[@]}"; do
  name=$(basename "$target")
  seeds="$here/corpus/$name"
  work=$(mktemp -d)
  [[ -d "$seeds" ]] && cp -r "$seeds/." "$work/"
  artifacts="$build/fuzz-artifacts/$name"
  mkdir -p "$artifacts"
  echo "fuzz: $name for ${seconds}s (seeds: $(ls "$work" | wc -l))"
  if "$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
       -artifact_prefix="$artifacts/" "$work" > "$artifacts/log.txt" 2>&1; then
    passed=$((passed + 1))
    grep -E '^stat::number_of_executed_units' "$artifacts/log.txt" || true
  else
    failed=$((failed + 1))
    echo "fuzz: $name FAILED; the reproducer is in $artifacts/" >&2
    tail -n 40 "$artifacts/log.txt" >&2
  fi
  rm -rf "$work"
done
echo "fuzz: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
