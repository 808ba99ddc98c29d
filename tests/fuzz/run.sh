#!/usr/bin/env bash
# Builds the libFuzzer targets in build-fuzz (clang, -DTCPTUNE_FUZZ=ON) and runs each for a
# number of seconds, one after the other (one fuzzer process at a time).
#
#   tests/fuzz/run.sh SECONDS [TARGET...]      # all targets when none is given
#
# Each run starts from a copy of the checked-in seeds (tests/fuzz/corpus/TARGET) in a temporary
# directory: the checked-in corpus is never written. Crash, leak, timeout and OOM inputs are
# written to build-fuzz/fuzz-artifacts/TARGET/ and their paths printed. Exit status: 0 when every
# target ran its time without a finding, 1 otherwise, 2 on a usage or build error.
#
# Environment: FUZZ_BUILD_JOBS (default 2), FUZZ_KEEP_CORPUS=DIR (copy each final working corpus
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
  -DTCPTUNE_FUZZ=ON -DTCPTUNE_BUILD_TESTS=OFF >/dev/null || exit 2
cmake --build "$build" --parallel "${FUZZ_BUILD_JOBS:-2}" \
  --target "${targets[@]/#/fuzz_}" || exit 2

work=$(mktemp -d "${TMPDIR:-/tmp}/tcptune-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT
artifacts="$PWD/$build/fuzz-artifacts"

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:${ASAN_OPTIONS:-}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:${UBSAN_OPTIONS:-}"

summary=()
failed=0
for t in "${targets[@]}"; do
  bin="$build/tests/fuzz/fuzz_$t"
  corpus="$work/$t"
  mkdir -p "$corpus" "$artifacts/$t"
  cp -r tests/fuzz/corpus/"$t"/. "$corpus"/
  max_len=8192
  [[ $t == kernel_release ]] && max_len=256
  args=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len="$max_len"
        -print_final_stats=1 -artifact_prefix="$artifacts/$t/")
  [[ -f tests/fuzz/$t.dict ]] && args+=(-dict="tests/fuzz/$t.dict")
  # shellcheck disable=SC2206  # FUZZ_EXTRA_ARGS is a list of flags
  [[ -n "${FUZZ_EXTRA_ARGS:-}" ]] && args+=(${FUZZ_EXTRA_ARGS})
  log="$work/$t.log"
  echo "== fuzz_$t for ${seconds}s (seeds: $(find "$corpus" -type f | wc -l))"
  rc=0
  # The outer timeout only guards against a hung process; libFuzzer stops itself at max_total_time.
  timeout -k 30 "$((seconds + 300))" "$bin" "${args[@]}" "$corpus" >"$log" 2>&1 || rc=$?
  last=$(grep -E '^#[0-9]+' "$log" | tail -n 1 || true)
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
  corp=$(sed -n 's/.* corp: \([0-9]*\/[0-9]*[bKM]*b\).*/\1/p' <<<"$last")
  line="fuzz_$t: ${seconds}s execs ${execs:-?} (${rate:-?}/s) cov ${cov:-?} ft ${ft:-?} corpus ${corp:-?}"
  if [[ $rc -ne 0 ]]; then
    failed=1
    kind=$(grep -m1 -oE 'ERROR: (libFuzzer|AddressSanitizer|LeakSanitizer): [a-z -]+|runtime error: .*|fuzz invariant failed: .*' "$log" || true)
    [[ $rc -eq 124 || $rc -eq 137 ]] && kind="hung (killed by the outer timeout)"
    line+=" FAILED (exit $rc: ${kind:-see log})"
    echo "---- fuzz_$t log (last 60 lines)"
    tail -n 60 "$log"
    grep -E 'Test unit written to|artifact_prefix' "$log" || true
    cp "$log" "$artifacts/$t/last.log"
    echo "---- log kept at $artifacts/$t/last.log"
  fi
  echo "$line"
  summary+=("$line")
  if [[ -n "${FUZZ_KEEP_CORPUS:-}" ]]; then
    mkdir -p "$FUZZ_KEEP_CORPUS/$t"
    cp -r "$corpus"/. "$FUZZ_KEEP_CORPUS/$t"/
  fi
done

echo "== summary"
printf '%s\n' "${summary[@]}"
exit "$failed"
