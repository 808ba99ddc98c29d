#!/usr/bin/env bash
# bench/census/run.sh N... -- times `tcptune sockets --format json` against census_limit, ss and
# netstat with the shared harness (../shared/bench/census), one run per N, results kept under
# bench/census/results/N<N>/. Root only: the harness makes network namespaces.
# Then measures tcptune's peak RSS at the largest N (GNU time, in a namespace of its own).
# SKIP_HARNESS=1 measures only the RSS.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
HARNESS=${HARNESS:-$TOP/../shared/bench/census}
TCPTUNE=${TCPTUNE:-$TOP/build-rel/tcptune}
[ $# -gt 0 ] || set -- 10000 100000 1000000
[ -x "$TCPTUNE" ] || { echo "build it first: cmake -S . -B build-rel -G Ninja -DCMAKE_BUILD_TYPE=Release && cmake --build build-rel" >&2; exit 2; }
[ -x "$HARNESS/bin/census_limit" ] || (cd "$HARNESS" && ./build.sh --deps)
command -v /usr/bin/time >/dev/null || apt-get install -y time
for n in "$@"; do
  [ -z "${SKIP_HARNESS:-}" ] || break
  EXTRA="$TCPTUNE sockets --format json" EXTRA_NAME=tcptune \
    TOOLS="${TOOLS:-tcptune census_limit_compat ss_s ss_tan_uniq netstat_awk}" \
    OUT="$HERE/results/N$n" "$HARNESS/run.sh" "$n"
done

# Peak RSS at the largest N: the harness's mix, made by make_sockets, measured with GNU time.
n=${!#}
ns=tcptune-rss-$$
trap 'ip netns del "$ns" 2>/dev/null || true' EXIT
ip netns add "$ns"
ip -n "$ns" link set lo up
tw=$((n * 90 / 100)) est=$((n * 4 / 100)) cw=$((n / 100))
ip netns exec "$ns" "$HARNESS/bin/make_sockets" --time-wait "$tw" --established "$est" \
  --close-wait "$cw" --hold-seconds 60 >"$HERE/results/rss-make.out" 2>&1 &
for _ in $(seq 1 60); do
  grep -q holding "$HERE/results/rss-make.out" && break
  sleep 2
done
{
  echo "N=$n ($(date -u +%FT%TZ), $(uname -r))"
  for _ in 1 2 3; do
    ip netns exec "$ns" /usr/bin/time -f "tcptune sockets --format json: %e s, peak RSS %M KiB" \
      "$TCPTUNE" sockets --format json 2>&1 >/dev/null
  done
  ip netns exec "$ns" /usr/bin/time -f "census_limit: %e s, peak RSS %M KiB" \
    "$HARNESS/bin/census_limit" -q 2>&1 >/dev/null
} | tee "$HERE/results/rss-N$n.txt"
wait
