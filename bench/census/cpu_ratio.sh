#!/usr/bin/env bash
# bench/census/cpu_ratio.sh N [PAIRS] -- CPU and wall time of `tcptune sockets --format json`
# against census_limit (the shared harness's fair floor: the eleven TCP states, mask 0xfff),
# side by side in one network namespace holding ~N sockets (the harness's mix: 90 % TIME_WAIT,
# 8 % ESTABLISHED, 1 % CLOSE_WAIT + FIN_WAIT2), A B A B ... with bench/tools/pairtime.py.
# Pairs: the census alone (`--sample 0 --no-owners`), the default with the owner lookup
# (`--sample 0`), and `--sample 1 --no-owners` (two snapshots, the second reusing the first's
# tables; its 1 s pause is wall time, not CPU) against two census_limit runs. At 1M sockets the
# harness's TIME_WAIT sockets live 60 s from their creation, so keep PAIRS small (3-5) there.
# Root only. Environment: TCPTUNE (default build-rel/tcptune), HARNESS (default
# ../shared/bench/census), BIN (where make_sockets/census_limit are built, default $HARNESS/bin),
# OWNERS=0 to skip the owners pair, SAMPLE=0 to skip the --sample pair.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
HARNESS=${HARNESS:-$TOP/../shared/bench/census}
BIN=${BIN:-$HARNESS/bin}
TCPTUNE=${TCPTUNE:-$TOP/build-rel/tcptune}
n=${1:?usage: cpu_ratio.sh N [PAIRS]}
pairs=${2:-9}
[ -x "$TCPTUNE" ] || { echo "build it first (TCPTUNE=$TCPTUNE)" >&2; exit 2; }
[ -x "$BIN/census_limit" ] || (cd "$HARNESS" && ./build.sh)
ns=tcptune-cpu-$$
mk=$(mktemp -d)
cleanup() {
  [ -n "${mkpid:-}" ] && kill "$mkpid" 2>/dev/null && wait "$mkpid" 2>/dev/null
  ip netns del "$ns" 2>/dev/null || true
  rm -rf "$mk"
}
trap cleanup EXIT
ip netns add "$ns"
ip -n "$ns" link set lo up
tw=$((n * 90 / 100)) est=$((n * 4 / 100)) cw=$((n / 100))
ip netns exec "$ns" "$BIN/make_sockets" --time-wait "$tw" --established "$est" --close-wait "$cw" \
  --hold-seconds 150 --max-seconds 55 --ready-file "$mk/ready" >"$mk/out" 2>&1 &
mkpid=$!
for _ in $(seq 1 700); do [ -f "$mk/ready" ] && break; sleep 0.1; done
[ -f "$mk/ready" ] || { cat "$mk/out" >&2; exit 1; }
echo "N=$n $(date -u +%FT%TZ) $(uname -r) $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "table: $(ip netns exec "$ns" "$BIN/census_limit" --json | tr -d '\n')"
ip netns exec "$ns" python3 "$TOP/bench/tools/pairtime.py" -n "$pairs" \
  "$TCPTUNE sockets --format json --sample 0 --no-owners" "$BIN/census_limit"
if [ "${OWNERS:-1}" != 0 ]; then
  echo
  ip netns exec "$ns" python3 "$TOP/bench/tools/pairtime.py" -n "$pairs" \
    "$TCPTUNE sockets --format json --sample 0" "$BIN/census_limit"
fi
if [ "${SAMPLE:-1}" != 0 ]; then
  echo
  ip netns exec "$ns" python3 "$TOP/bench/tools/pairtime.py" -n 3 \
    "$TCPTUNE sockets --format json --sample 1 --no-owners" \
    "sh -c '$BIN/census_limit -q && $BIN/census_limit -q'"
fi
echo "table after: $(ip netns exec "$ns" "$BIN/census_limit" --json | tr -d '\n')"
