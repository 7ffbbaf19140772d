#!/usr/bin/env bash
# Runs every libFuzzer target of a fuzz build. Two modes:
#
#   tests/fuzz/run.sh BUILD_DIR check
#     What `make test` runs; its verdict depends on the commit, not on luck. Each target first
#     replays its checked-in corpus (tests/fuzz/corpus/NAME/, every input once), then explores
#     from it with a fixed seed for a fixed number of executions (tests/fuzz/budget.txt, sized
#     to about 15 s a target on one core of the 2-core CI machine), so the same commit makes
#     the same inputs every time. Targets run one per core (FUZZ_JOBS to change that). The
#     exploration also stops after FUZZ_MAX_SECONDS (default 120) so a slow machine cannot
#     stall the suite; that is said, not failed.
#
#   tests/fuzz/run.sh BUILD_DIR long SECONDS_PER_TARGET
#     `make fuzz-long`: explores for a long time with a random seed on both cores and merges
#     what it finds into the checked-in corpus (minimised with -merge=1), so the next commit's
#     `make test` replays it. A crash leaves its reproducer in BUILD_DIR/fuzz-artifacts/NAME/:
#     fix the bug and add the reproducer to the corpus. Each target's row (with the CPU-seconds
#     it really got, which is less than seconds x jobs on a busy machine) is appended to
#     BUILD_DIR/fuzz-stats.tsv, so the hours of several runs add up. FUZZ_TARGETS (names,
#     space-separated) runs only those targets; FUZZ_JOBS overrides the number of cores.
#
# Fails on any crash, leak, timeout or sanitizer report.
set -euo pipefail
build=${1:?build dir}
mode=${2:-check}
here=$(cd "$(dirname "$0")" && pwd)
mapfile -t targets < <(find "$build/tests/fuzz" -type f -name '*_fuzz' -perm -u+x | sort)
if [[ -n "${FUZZ_TARGETS:-}" ]]; then
  wanted=()
  for name in $FUZZ_TARGETS; do
    found=""
    for target in "${targets[@]}"; do
      [[ $(basename "$target") == "$name" ]] && found=$target
    done
    if [[ -z "$found" ]]; then
      echo "fuzz: FUZZ_TARGETS names $name, which $build does not have; the targets are:" >&2
      for target in "${targets[@]}"; do echo "  $(basename "$target")" >&2; done
      exit 2
    fi
    wanted+=("$found")
  done
  targets=("${wanted[@]}")
fi
if [[ ${#targets[@]} -eq 0 ]]; then
  echo "fuzz: no fuzz targets were built in $build" >&2
  exit 1
fi

# libFuzzer options every mode shares: a hang of 10 s is a bug, and so is 2 GiB of memory.
common=(-timeout=10 -rss_limit_mb=2048 -print_final_stats=1)

budget_of() {  # executions of fixed-seed exploration for target $1
  local runs
  runs=$(awk -v name="$1" '$1 == name && $1 !~ /^#/ { print $2 }' "$here/budget.txt")
  if [[ -z "$runs" ]]; then
    echo "fuzz: $1 has no line in tests/fuzz/budget.txt; add one (name and executions)" >&2
    return 1
  fi
  echo "$runs"
}

# Sets cpu_now to the user + system seconds of this shell's finished children so far. Call it
# as a plain command: in a $(...) subshell, `times` would count the subshell's children.
children_cpu_seconds() {
  local file
  file=$(mktemp)
  times > "$file"
  cpu_now=$(awk 'NR == 2 { total = 0
                           for (i = 1; i <= 2; i++) { split($i, t, /[ms]/); total += t[1] * 60 + t[2] }
                           printf "%d\n", total }' "$file")
  rm -f "$file"
}

report_failure() {  # name, log
  echo "fuzz: $1 FAILED; the reproducer is in $(dirname "$2")/" >&2
  tail -n 40 "$2" >&2
}

# One target of check mode: replay, then fixed-seed exploration. Writes "pass" or "fail" to
# $results/NAME.status and a failure's report to $results/NAME.report, so several can run at once
# and their reports are printed whole, in target order, at the end.
check_target() {  # target path, max seconds, results dir
  local target=$1 max_seconds=$2 results=$3
  local name seeds artifacts runs work done_runs log
  name=$(basename "$target")
  seeds="$here/corpus/$name"
  artifacts="$build/fuzz-artifacts/$name"
  mkdir -p "$artifacts"
  echo fail > "$results/$name.status"
  runs=$(budget_of "$name" 2> "$results/$name.report") || return 0
  if [[ ! -d "$seeds" ]] || [[ -z "$(ls -A "$seeds")" ]]; then
    echo "fuzz: $name has no seed corpus in tests/fuzz/corpus/$name/" > "$results/$name.report"
    return 0
  fi
  # Exploration writes what it finds into a scratch copy; the checked-in corpus stays as is.
  work=$(mktemp -d)
  cp -r "$seeds/." "$work/"
  echo "fuzz: $name: replay $(ls "$work" | wc -l) inputs, then $runs executions from seed 1"
  if "$target" "${common[@]}" -runs=0 -artifact_prefix="$artifacts/" "$seeds" > "$artifacts/replay.txt" 2>&1 &&
     "$target" "${common[@]}" -seed=1 -runs="$runs" -max_total_time="$max_seconds" \
       -artifact_prefix="$artifacts/" "$work" > "$artifacts/log.txt" 2>&1; then
    echo pass > "$results/$name.status"
    done_runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$artifacts/log.txt")
    if [[ "${done_runs:-0}" -lt "$runs" ]]; then
      echo "fuzz: $name stopped at ${max_seconds}s after ${done_runs:-0} of $runs executions (a slow machine)"
    fi
  else
    log="$artifacts/log.txt"
    [[ -s "$log" ]] || log="$artifacts/replay.txt"
    report_failure "$name" "$log" 2> "$results/$name.report"
  fi
  rm -rf "$work"
}

passed=0
failed=0
case "$mode" in
  check)
    # Targets are independent and single-threaded, so they run FUZZ_JOBS (default: one per
    # core) at a time; each still makes exactly its budget of inputs, so the verdict is the same.
    max_seconds=${FUZZ_MAX_SECONDS:-120}
    jobs=${FUZZ_JOBS:-$(nproc)}
    results=$(mktemp -d)
    for target in "${targets[@]}"; do
      while [[ $(jobs -rp | wc -l) -ge $jobs ]]; do wait -n || true; done
      check_target "$target" "$max_seconds" "$results" &
    done
    wait
    for target in "${targets[@]}"; do
      name=$(basename "$target")
      if [[ $(cat "$results/$name.status" 2> /dev/null) == pass ]]; then
        passed=$((passed + 1))
      else
        failed=$((failed + 1))
        cat "$results/$name.report" >&2 2> /dev/null || echo "fuzz: $name FAILED" >&2
      fi
    done
    rm -rf "$results"
    ;;
  long)
    seconds=${3:?seconds per target}
    jobs=${FUZZ_JOBS:-$(nproc)}
    stats="$build/fuzz-stats.tsv"
    if [[ ! -s "$stats" ]]; then
      printf 'date\ttarget\tseconds\tjobs\tcpu_seconds\texecutions\tedges\tcorpus_files\tcrashes\n' > "$stats"
    fi
    for target in "${targets[@]}"; do
      name=$(basename "$target")
      seeds="$here/corpus/$name"
      artifacts="$build/fuzz-artifacts/$name"
      work="$build/fuzz-work/$name"
      mkdir -p "$artifacts" "$work" "$seeds"
      echo "fuzz: $name for ${seconds}s on $jobs cores"
      status=0
      children_cpu_seconds
      cpu_before=$cpu_now
      # This run's reproducers are the artifacts newer than this mark; those of earlier runs
      # stay (each must become a corpus entry and a fix) but are not counted again.
      touch "$artifacts/.run-started"
      # -fork keeps going after a crash and counts them; each crash leaves its reproducer.
      "$target" "${common[@]}" -fork="$jobs" -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
        -max_total_time="$seconds" -artifact_prefix="$artifacts/" "$work" "$seeds" \
        > "$artifacts/long.txt" 2>&1 || status=$?
      children_cpu_seconds
      cpu_seconds=$((cpu_now - cpu_before))
      crashes=$(find "$artifacts" -maxdepth 1 -type f -newer "$artifacts/.run-started" \
                  \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) | wc -l)
      # Keep only inputs that add coverage: merge the work corpus into the checked-in one.
      "$target" -merge=1 "$seeds" "$work" > "$artifacts/merge.txt" 2>&1 || status=$?
      # -fork's progress lines: "#4038: cov: 16392 ft: 16058 corp: 296 exec/s 213 ... time: 16s".
      progress=$(grep -E '^#[0-9]+: cov: ' "$artifacts/long.txt" | tail -1 || true)
      executions=$(sed -E 's/^#([0-9]+):.*/\1/' <<< "$progress")
      edges=$(sed -E 's/.* cov: ([0-9]+).*/\1/' <<< "$progress")
      printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%F)" "$name" "$seconds" "$jobs" "$cpu_seconds" \
        "${executions:-?}" "${edges:-?}" \
        "$(ls "$seeds" | wc -l)" "$crashes" >> "$stats"
      if [[ $status -ne 0 || $crashes -ne 0 ]]; then
        failed=$((failed + 1))
        report_failure "$name" "$artifacts/long.txt"
      else
        passed=$((passed + 1))
      fi
    done
    column -t -s $'\t' "$stats"
    ;;
  *)
    echo "usage: tests/fuzz/run.sh BUILD_DIR check | long SECONDS_PER_TARGET" >&2
    exit 2
    ;;
esac
echo "fuzz: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
