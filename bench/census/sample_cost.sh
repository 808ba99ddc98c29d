#!/usr/bin/env bash
# bench/census/sample_cost.sh [N]: the cost of the second snapshot. In a network namespace of
# its own, the shared harness's make_sockets builds about N loopback sockets (90 % TIME_WAIT);
# then `tcptune sockets --format json` runs three times with --sample 0 and with --sample 1,
# under GNU time. Root only.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
HARNESS=${HARNESS:-$TOP/../shared/bench/census}
TCPTUNE=${TCPTUNE:-$TOP/build/tcptune}
n=${1:-100000}
mk=$(mktemp -d)
trap 'rm -rf "$mk"' EXIT
gcc -O2 -o "$mk/make_sockets" "$HARNESS/make_sockets.c"
unshare -n bash -s "$mk" "$TCPTUNE" "$n" <<'INNER'
set -u
mk=$1 tt=$2 n=$3
ip link set lo up
"$mk/make_sockets" --time-wait $((n * 90 / 100)) --established $((n * 4 / 100)) \
  --close-wait $((n / 100)) --hold-seconds 60 --ready-file "$mk/ready" --quiet >"$mk/out" 2>&1 &
for _ in $(seq 1 240); do [ -e "$mk/ready" ] && break; sleep 0.5; done
echo "sockets: $("$tt" sockets --format json --sample 0 | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])')"
for s in 0 1; do
  for _ in 1 2 3; do
    /usr/bin/time -f "--sample $s: %e s wall, %U user, %S sys, peak RSS %M KiB" \
      "$tt" sockets --format json --sample "$s" 2>&1 >/dev/null
  done
done
kill %1 2>/dev/null || true
INNER
