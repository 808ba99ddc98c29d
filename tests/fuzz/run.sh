#!/usr/bin/env bash
# Builds the libFuzzer targets in build-fuzz (clang, -DTCPTUNE_FUZZ=ON) and runs each for a
# number of seconds, FUZZ_JOBS of them at a time (default 1: one fuzzer process at a time).
#
#   tests/fuzz/run.sh SECONDS [TARGET...]      # all targets when none is given
#
# Each run starts from a copy of the checked-in seeds (tests/fuzz/corpus/TARGET) in a temporary
# directory: the checked-in corpus is never written. Crash, leak, timeout and OOM inputs are
# written to build-fuzz/fuzz-artifacts/TARGET/ and their paths printed. Exit status: 0 when every
# target ran its time without a finding, 1 otherwise, 2 on a usage or build error.
#
# Environment: FUZZ_JOBS (default 1; CI runs 2, one per core), FUZZ_BUILD_JOBS (default 2), FUZZ_KEEP_CORPUS=DIR (copy each final working corpus
# to DIR/TARGET, e.g. to minimise it with -merge=1), FUZZ_EXTRA_ARGS (more libFuzzer flags).
set -euo pipefail
cd "$(dirname "$0")/../.."

all_targets=(sysctl_d rules profiles catalog diag proc_net_tcp kernel_release conditions)

usage() {
  echo "usage: tests/fuzz/run.sh SECONDS [TARGET...]" >&2
  echo "targets: ${all_targets[*]}" >&2
  exit 2
}
[[ $# -ge 1 && "$1" =~ ^[1-9][0-9]*$ ]] || usage
seconds=$1
shift
targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || targets=("${all_targets[@]}")
for t in "${targets[@]}"; do
  [[ " ${all_targets[*]} " == *" $t "* ]] || { echo "run.sh: unknown target '$t'" >&2; usage; }
done

build="build-fuzz"
echo "== configure and build $build (clang, libFuzzer + ASan + UBSan)"
cmake -S . -B "$build" -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" \
  -DTCPTUNE_FUZZ=ON -DTCPTUNE_BUILD_TESTS=OFF >/dev/null || exit 2
cmake --build "$build" --parallel "${FUZZ_BUILD_JOBS:-2}" \
  --target "${targets[@]/#/fuzz_}" || exit 2

work=$(mktemp -d "${TMPDIR:-/tmp}/tcptune-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT
artifacts="$PWD/$build/fuzz-artifacts"

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:${ASAN_OPTIONS:-}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:${UBSAN_OPTIONS:-}"

# One target: its report (the failure's log tail) and its summary line go to files, printed in
# the targets' order once all have run, so that parallel runs do not interleave their output.
run_target() {
  local t=$1 bin="$build/tests/fuzz/fuzz_$1" corpus="$work/$1" log="$work/$1.log"
  mkdir -p "$corpus" "$artifacts/$t"
  cp -r tests/fuzz/corpus/"$t"/. "$corpus"/
  local max_len=8192
  [[ $t == kernel_release ]] && max_len=256
  local args=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len="$max_len"
              -print_final_stats=1 -artifact_prefix="$artifacts/$t/")
  [[ -f tests/fuzz/$t.dict ]] && args+=(-dict="tests/fuzz/$t.dict")
  # shellcheck disable=SC2206  # FUZZ_EXTRA_ARGS is a list of flags
  [[ -n "${FUZZ_EXTRA_ARGS:-}" ]] && args+=(${FUZZ_EXTRA_ARGS})
  echo "== fuzz_$t for ${seconds}s (seeds: $(find "$corpus" -type f | wc -l))"
  local rc=0
  # The outer timeout only guards against a hung process; libFuzzer stops itself at max_total_time.
  timeout -k 30 "$((seconds + 300))" "$bin" "${args[@]}" "$corpus" >"$log" 2>&1 || rc=$?
  local last execs rate cov ft corp line kind
  last=$(grep -E '^#[0-9]+' "$log" | tail -n 1 || true)
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
  corp=$(sed -n 's/.* corp: \([0-9]*\/[0-9]*[bKM]*b\).*/\1/p' <<<"$last")
  line="fuzz_$t: ${seconds}s execs ${execs:-?} (${rate:-?}/s) cov ${cov:-?} ft ${ft:-?} corpus ${corp:-?}"
  : >"$work/$t.report"
  if [[ $rc -ne 0 ]]; then
    kind=$(grep -m1 -oE 'ERROR: (libFuzzer|AddressSanitizer|LeakSanitizer): [a-z -]+|runtime error: .*|fuzz invariant failed: .*' "$log" || true)
    [[ $rc -eq 124 || $rc -eq 137 ]] && kind="hung (killed by the outer timeout)"
    line+=" FAILED (exit $rc: ${kind:-see log})"
    cp "$log" "$artifacts/$t/last.log"
    {
      echo "---- fuzz_$t log (last 60 lines)"
      tail -n 60 "$log"
      grep -E 'Test unit written to|artifact_prefix' "$log" || true
      echo "---- log kept at $artifacts/$t/last.log"
    } >"$work/$t.report"
  fi
  echo "$line" >"$work/$t.summary"
  if [[ -n "${FUZZ_KEEP_CORPUS:-}" ]]; then
    mkdir -p "$FUZZ_KEEP_CORPUS/$t"
    cp -r "$corpus"/. "$FUZZ_KEEP_CORPUS/$t"/
  fi
}

jobs_max=${FUZZ_JOBS:-1}
[[ "$jobs_max" =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: FUZZ_JOBS must be a positive number" >&2; exit 2; }
running=0
for t in "${targets[@]}"; do
  if ((running >= jobs_max)); then
    wait -n || true
    running=$((running - 1))
  fi
  run_target "$t" &
  running=$((running + 1))
done
wait

summary=()
failed=0
for t in "${targets[@]}"; do
  cat "$work/$t.report" 2>/dev/null || true
  if [[ ! -s "$work/$t.summary" ]]; then
    line="fuzz_$t: FAILED (the run did not finish: no summary)"
  else
    line=$(cat "$work/$t.summary")
  fi
  [[ $line == *FAILED* ]] && failed=1
  echo "$line"
  summary+=("$line")
done

echo "== summary"
printf '%s\n' "${summary[@]}"
exit "$failed"
