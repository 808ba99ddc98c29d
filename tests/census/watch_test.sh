#!/usr/bin/env bash
# `tcptune sockets --watch` for real: inside a network namespace this test creates, with short
# loopback connections running, the full-screen view under tmux (read with capture-pane, driven
# with send-keys) and the line mode through a pipe. Exit 77 (skipped) when namespaces or tmux
# are not available.
#   watch_test.sh TCPTUNE TESTS_DIR
set -u
tcptune=$1
tests=$2
if [[ ${1:-} != --inside ]]; then
  command -v tmux >/dev/null || { echo "SKIP: tmux is not installed"; exit 77; }
  command -v python3 >/dev/null || { echo "SKIP: python3 is not installed"; exit 77; }
  unshare -n true 2>/dev/null || { echo "SKIP: cannot create a network namespace"; exit 77; }
  exec timeout 120 unshare -n bash "$0" --inside "$tcptune" "$tests"
fi
tcptune=$2
tests=$3
fail=0
check() {  # check NAME CONDITION-EXIT-STATUS
  if [[ $2 -eq 0 ]]; then echo "ok   $1"; else echo "FAIL $1"; fail=1; fi
}
# Refuse to run outside a fresh namespace: the traffic must stay off the host's interfaces.
[[ $(readlink /proc/self/ns/net) != $(readlink /proc/1/ns/net) ]] || {
  echo "watch_test: not in a new network namespace; refusing"; exit 1; }
ip link set lo up
work=$(mktemp -d)
sock="tcptune-watch-$$"
cleanup() {
  tmux -L "$sock" kill-server 2>/dev/null
  [[ -n ${gen:-} ]] && kill "$gen" 2>/dev/null
  wait 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

# 1. Line mode (stdout a pipe): one line per refresh, measured rates from the second on.
python3 "$tests/census/short_connections.py" 8 8080 0.002 >"$work/gen1.json" &
gen=$!
sleep 1
"$tcptune" sockets --watch --interval 1 --count 4 | cat >"$work/lines.txt"
rc=${PIPESTATUS[0]}
wait "$gen"; gen=
check "line mode exits 0" "$rc"
check "line mode: 4 lines" "$([[ $(wc -l <"$work/lines.txt") -eq 4 ]]; echo $?)"
check "line mode: first line has no rate (nothing to measure against)" \
  "$(head -1 "$work/lines.txt" | grep -qv 'closes/s='; echo $?)"
# The client made per_s connections a second and the server closed each first, so closes/s
# (TW + overflow) on lines 2-4 must be near the generator's own rate. The windows are 1 s and
# the generator's rate is an average over 8 s, so allow a factor of two either way.
python3 - "$work/gen1.json" "$work/lines.txt" <<'PY'
import json, re, sys
gen = json.load(open(sys.argv[1]))
lines = open(sys.argv[2]).read().splitlines()[1:]
rates = [float(re.search(r"closes/s=([0-9.]+)", l).group(1)) for l in lines]
conns = [float(re.search(r"connects/s=([0-9.]+)", l).group(1)) for l in lines]
ok = all(gen["per_s"] / 2 <= r <= gen["per_s"] * 2 for r in rates + conns)
print(("ok  " if ok else "FAIL") + f" line mode rates {rates} closes/s, {conns} connects/s vs generator {gen['per_s']}/s")
sys.exit(0 if ok else 1)
PY
check "line mode rates agree with the generator" $?
cat "$work/lines.txt"

# 2. Full screen under tmux, 120x40, UTF-8.
python3 "$tests/census/short_connections.py" 20 8080 0.002 >"$work/gen2.json" &
gen=$!
sleep 0.5
tmux -L "$sock" -f /dev/null new-session -d -x 120 -y 40 \
  "env LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=screen-256color $tcptune sockets --watch --interval 1; echo EXITED \$?; sleep 30"
screen() { tmux -L "$sock" capture-pane -p -t 0; }
wait_for() {  # wait_for PATTERN: up to 8 s
  for _ in $(seq 40); do screen | grep -q -- "$1" && return 0; sleep 0.2; done
  return 1
}
wait_for 'closes first' ; check "screen: rate lines" $?
sleep 2.5
screen >"$work/screen1.txt"
grep -q 'TIME_WAIT' "$work/screen1.txt"; check "screen: TIME_WAIT bar" $?
grep -Eq '^TIME_WAIT +[0-9]+ +#+' "$work/screen1.txt"; check "screen: state histogram drawn as bars" $?
grep -q 'port 8080' "$work/screen1.txt"; check "screen: listening port 8080" $?
grep -Eq 'closes first +[0-9.]+/s +[▁▂▃▄▅▆▇█]+' "$work/screen1.txt"; check "screen: sparkline of closes" $?
grep -q 'q quit' "$work/screen1.txt"; check "screen: key help" $?
# The generator (python3) holds the listening socket of port 8080: its row and the top owners
# name it, with its pid.
grep -Eq "port 8080 .*python3 \(pid $gen" "$work/screen1.txt"; check "screen: port 8080's owner is the generator (python3, its pid)" $?
grep -Eq "^top owners: python3 \(pid $gen" "$work/screen1.txt"; check "screen: top owners name the generator" $?
tmux -L "$sock" send-keys -t 0 p
wait_for '\[paused\]'; check "key p pauses" $?
tmux -L "$sock" send-keys -t 0 s
wait_for 'sorted by headroom'; check "key s sorts by headroom" $?
tmux -L "$sock" send-keys -t 0 q
wait_for 'EXITED 0'; check "key q quits with exit 0" $?
echo "--- screen"; cat "$work/screen1.txt"
kill "$gen" 2>/dev/null; wait "$gen" 2>/dev/null; gen=

# 3. On a terminal without a loadable curses library (ncursesw is loaded only when the screen
# view starts, not linked): one line per refresh, with a note naming why. The library is hidden
# by /dev/null bound over it in a mount namespace of this test's own (the host's file untouched).
lib=$(ldconfig -p | awk '$1 == "libncursesw.so.6" && /x86-64|x86_64/ {print $NF; exit}')
if [[ -z $lib ]]; then
  echo "skip 3: no libncursesw.so.6 in ldconfig's cache"
else
  # A server of its own: a new session on the socket of a server that is still exiting fails
  # ("server exited unexpectedly").
  tmux -L "$sock" kill-server 2>/dev/null
  sock=$sock-nocurses
  tmux -L "$sock" -f /dev/null new-session -d -x 120 -y 40 \
    "unshare -m sh -c 'mount --bind /dev/null $lib && TERM=screen-256color $tcptune sockets --watch --interval 0.5 --count 2'; echo EXITED \$?; sleep 30"
  wait_for 'EXITED'; check "no curses library: the view ends" $?
  screen >"$work/screen2.txt"
  grep -q "note: no curses library ($lib: file too short); one line per refresh" "$work/screen2.txt"
  check "no curses library: a note names the library and why" $?
  [[ $(grep -c ' netns=current total=' "$work/screen2.txt") -eq 2 ]]
  check "no curses library: one line per refresh" $?
  grep -q 'EXITED 0' "$work/screen2.txt"; check "no curses library: exit 0" $?
  cat "$work/screen2.txt"
fi
exit $fail
