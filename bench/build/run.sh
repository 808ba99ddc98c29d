#!/usr/bin/env bash
# bench/build/run.sh [DIR] -- a clean build the way README.md's first command does it
# (`cmake -S . -B build -G Ninja && cmake --build build`: default build type, tests included),
# into DIR (default a new temporary directory, removed afterwards), ccache disabled, timed with
# GNU time: wall seconds and user + system CPU seconds. CPU time is the figure to compare on a
# shared machine: wall time grows with whatever else runs, CPU time much less.
# Every compile and link runs under tu_cpu.sh (GNU time as the compiler and linker launcher), so
# the script also lists the steps that cost the most CPU, and the last steps to finish (the tail
# of the critical path) from ninja's log. TOP_N=N sets the length of the list (default 15).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
dir=${1:-}
if [ -z "$dir" ]; then
  dir=$(mktemp -d /tmp/tcptune-build-bench.XXXXXX)
  trap 'rm -rf "$dir"' EXIT
fi
command -v /usr/bin/time >/dev/null || { echo "needs GNU time (apt-get install time)" >&2; exit 2; }
export CCACHE_DISABLE=1
echo "$(date -u +%FT%TZ) $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), $(c++ --version | head -1)"
export TU_CPU_LOG="$dir/tu_cpu.log"
mkdir -p "$dir"
: >"$TU_CPU_LOG"
/usr/bin/time -f "configure: wall %e s, user %U s, sys %S s" \
  cmake -S "$TOP" -B "$dir" -G Ninja -DCMAKE_CXX_COMPILER_LAUNCHER="$HERE/tu_cpu.sh" \
  -DCMAKE_CXX_LINKER_LAUNCHER="$HERE/tu_cpu.sh" >/dev/null
/usr/bin/time -f "build: wall %e s, user %U s, sys %S s" cmake --build "$dir" >"$dir/build.out"
echo "translation units compiled: $(grep -c 'Building CXX object' "$dir/build.out")"
echo "of them including nlohmann/json.hpp: $(ninja -C "$dir" -t deps |
  awk '/^[^ \t]/ {o = $1} /nlohmann\/json\.hpp$/ {print o}' | sort -u | wc -l)"
n=${TOP_N:-15}
echo "compile and link steps, CPU seconds (user + sys), the $n largest of $(wc -l <"$TU_CPU_LOG"):"
awk '{printf "%8.2f  %s\n", $1 + $2, $3; t += $1 + $2} END {printf "%8.2f  total of all steps\n", t > "/dev/stderr"}' \
  "$TU_CPU_LOG" 2>"$dir/total" | sort -rn | head -n "$n"
cat "$dir/total"
echo "the last 5 steps to finish (ninja log: start s, end s, output):"
awk '!/^#/ {printf "%8.2f %8.2f  %s\n", $1 / 1000, $2 / 1000, $4}' "$dir/.ninja_log" | sort -k2 -n | tail -5
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
