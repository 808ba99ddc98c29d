#!/usr/bin/env bash
# bench/build/run.sh [DIR] -- a clean build the way README.md's first command does it
# (`cmake -S . -B build -G Ninja && cmake --build build`: default build type, tests included),
# into DIR (default a new temporary directory, removed afterwards), ccache disabled, timed with
# GNU time: wall seconds and user + system CPU seconds. CPU time is the figure to compare on a
# shared machine: wall time grows with whatever else runs, CPU time much less.
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
/usr/bin/time -f "configure: wall %e s, user %U s, sys %S s" \
  cmake -S "$TOP" -B "$dir" -G Ninja >/dev/null
/usr/bin/time -f "build: wall %e s, user %U s, sys %S s" cmake --build "$dir" >"$dir/build.out"
echo "translation units compiled: $(grep -c 'Building CXX object' "$dir/build.out")"
echo "of them including nlohmann/json.hpp: $(ninja -C "$dir" -t deps |
  awk '/^[^ \t]/ {o = $1} /nlohmann\/json\.hpp$/ {print o}' | sort -u | wc -l)"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
