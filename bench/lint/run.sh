#!/usr/bin/env bash
# bench/lint/run.sh [LINES] [PAIRS] -- lint timings (bench/lint/README.md): a LINES-line file of
# known keys, the same with one-letter-typo unknown keys (each gets a "did you mean" search),
# as many distinct known keys as the unknown file has,
# and a one-line file (the fixed cost), offline against the catalog (--kernel 6.1). Each pair
# is timed side by side (A B A B ...) with bench/tools/pairtime.py; memory is the peak RSS.
# Environment: TCPTUNE (default build-rel/tcptune, else build/tcptune).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
TCPTUNE=${TCPTUNE:-$TOP/build-rel/tcptune}
[ -x "$TCPTUNE" ] || TCPTUNE=$TOP/build/tcptune
lines=${1:-100000}
pairs=${2:-5}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
python3 "$HERE/make_files.py" "$dir" "$lines"
python3 "$HERE/make_files.py" "$dir" $((lines / 10))
export TCPTUNE_DATA_DIR=${TCPTUNE_DATA_DIR:-$TOP}
lint="$TCPTUNE lint --kernel 6.1 --fail-on error --format gcc"
echo "$(date -u +%FT%TZ) $(uname -r) $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg); $TCPTUNE"
echo "--- unknown keys against known keys, $lines lines each"
python3 "$TOP/bench/tools/pairtime.py" -n "$pairs" "$lint $dir/unknown-$lines.conf" "$lint $dir/known-$lines.conf"
echo "--- unknown keys against as many distinct known keys (interface keys), $lines lines each"
python3 "$TOP/bench/tools/pairtime.py" -n "$pairs" "$lint $dir/unknown-$lines.conf" "$lint $dir/known-distinct-$lines.conf"
echo "--- $lines known-key lines against $((lines / 10)) (memory must not grow with the file)"
python3 "$TOP/bench/tools/pairtime.py" -n "$pairs" "$lint $dir/known-$lines.conf" "$lint $dir/known-$((lines / 10)).conf"
echo "--- $lines known-key lines against a one-line file (the fixed cost)"
python3 "$TOP/bench/tools/pairtime.py" -n "$pairs" "$lint $dir/known-$lines.conf" "$lint $dir/empty.conf"
