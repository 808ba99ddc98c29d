#!/usr/bin/env bash
# Hostile input for `tcptune lint`: every case must give a diagnostic naming the file (and line
# where there is one), the DESIGN exit code, no crash and no hang. Run under ASan in CI too.
#   hostile_test.sh TCPTUNE TESTS_DIR
set -u
bin=$(realpath "$1")
tests=$(realpath "$2")
export NO_COLOR=1 TCPTUNE_DATA_DIR="$(realpath "$2/..")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0

check() {  # name expected_rc pattern... : runs $cmd, output in $tmp/out
  local name=$1 want=$2
  shift 2
  local rc=0
  timeout 30 "${cmd[@]}" >"$tmp/out" 2>&1 || rc=$?
  local ok=1
  [[ $rc == "$want" ]] || { echo "  exit $rc, expected $want"; ok=0; }
  for p in "$@"; do
    grep -qF -- "$p" "$tmp/out" || { echo "  missing: $p"; ok=0; }
  done
  if ((ok)); then
    pass=$((pass + 1))
  else
    fail=$((fail + 1))
    echo "FAIL: $name"
    head -40 "$tmp/out"
  fi
}

# `hostile_test.sh TCPTUNE TESTS_DIR nobody` runs only the case that needs to drop to the user
# nobody: a separate ctest test, reported as skipped (exit 77) where that is impossible.
if [[ ${3:-} == nobody ]]; then
# Unreadable file: root reads everything, so run as nobody.
root3=$tmp/root3
mkdir -p "$root3/etc/sysctl.d"
printf 'net.core.somaxconn = 8192\n' >"$root3/etc/sysctl.d/10-secret.conf"
chmod 600 "$root3/etc/sysctl.d/10-secret.conf"
chmod 755 "$tmp" "$root3" "$root3/etc" "$root3/etc/sysctl.d"
if [[ $(id -u) == 0 ]] && command -v setpriv >/dev/null && setpriv --reuid=65534 --regid=65534 --clear-groups true 2>/dev/null; then
  # nobody must be able to run the binary and read the data: copies in the test's own directory
  # (the checkout itself may sit under a 0700 directory).
  mkdir -p "$tmp/nobody/rules"
  cp "$bin" "$tmp/nobody/tcptune"
  cp "$TCPTUNE_DATA_DIR"/rules/*.toml "$tmp/nobody/rules/"
  chmod -R a+rX "$tmp/nobody"
  cmd=(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all env TCPTUNE_DATA_DIR="$tmp/nobody"
    "$tmp/nobody/tcptune" --root "$root3" lint --kernel 6.1 --format gcc)
  check "unreadable file (as nobody)" 2 "10-secret.conf:1:1: error: cannot read file:" "Permission denied"
  # The host root under any spelling is the host root: apply refuses up front without root
  # (not later, by whatever it fails to open). nobody cannot change anything in any case.
  cp -r "$TCPTUNE_DATA_DIR"/profiles "$tmp/nobody/"
  chmod -R a+rX "$tmp/nobody"
  for spelling in / /. // /tmp/.. /etc/../; do
    cmd=(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all env TCPTUNE_DATA_DIR="$tmp/nobody"
      "$tmp/nobody/tcptune" --root "$spelling" apply --profile web --live-only)
    check "apply --root $spelling as nobody" 3 "it needs root (running as uid 65534); nothing was changed"
  done
else
  echo "SKIP: unreadable file (needs root and setpriv to drop to nobody)"
  exit 77
fi
echo "hostile (as nobody): $pass passed, $fail failed"
((fail == 0))
exit
fi

root=$tmp/root
d=$root/etc/sysctl.d
mkdir -p "$d" "$root/usr/lib/sysctl.d"
head -c 20000 "$(command -v ls)" >"$d/10-binary.conf"
{ printf 'net.core.somaxconn = '; head -c $((1 << 20)) /dev/zero | tr '\0' '1'; printf '\nnet.ipv4.tcp_syncookies = 1\n'; } >"$d/20-longline.conf"
{ printf '# comment\n'; head -c 9000 /dev/zero | tr '\0' '#'; printf '\nnet.ipv4.tcp_syncookies = 1\0\n'; } >"$d/30-nul.conf"
printf 'net.ipv4.tcp_rmem = \xff\xfe 1\n' >"$d/35-utf8.conf"
ln -s 40-loop.conf "$d/40-loop.conf"
mkfifo "$d/50-fifo.conf"
mkdir "$d/55-dir.conf"
printf 'net/../../etc/passwd = x\n../../../etc/shadow = y\n' >"$d/60-escape.conf"
ln -s /etc/passwd "$d/70-outside.conf"
head -c $((5 << 20)) /dev/zero | tr '\0' '#' >"$d/80-huge.conf"

cmd=("$bin" --root "$root" lint --kernel 6.1 --format gcc)
check "hostile sysctl.d set" 2 \
  "10-binary.conf:1:1: error: binary file (NUL byte at offset" \
  "20-longline.conf:1:1: error: line is 1048597 bytes long, over the limit of 1048576; it was not read [TT1008]" \
  "30-nul.conf:3:28: error: NUL byte in line: systemd-sysctl and sysctl --system both write the assignment before it (systemd-sysctl reads the rest as another line); tcptune reads it too [TT1007]" \
  "35-utf8.conf:1:21: error: invalid UTF-8; the line was not read [TT1007]" \
  "40-loop.conf:1:1: error: cannot read file:" "Too many levels of symbolic links" \
  "50-fifo.conf:1:1: error: cannot read file:" "not a regular file [TT1010]" \
  "60-escape.conf:1:1: error: key 'net/../../etc/passwd' would escape /proc/sys" \
  "60-escape.conf:2:1: error: key '../../../etc/shadow' would escape /proc/sys" \
  "70-outside.conf:1:1: error: cannot read file:" \
  "80-huge.conf:1:1: error: file not read: file is 5242880 bytes, over the limit of 4194304 [TT1009]"
# The link to /etc/passwd resolves inside the root, never to the host's file.
if grep -q 'root:x:0:0' "$tmp/out"; then echo "FAIL: read the host's /etc/passwd"; fail=$((fail + 1)); fi
# The long line does not hide the next one.
cmd=("$bin" --root "$root" lint --kernel 6.1 --format json)
check "json output stays valid on hostile input" 2 '"schema": "tcptune.lint/1"'
python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$tmp/out" 2>/dev/null ||
  { echo "FAIL: JSON output does not parse"; fail=$((fail + 1)); }
cmd=("$bin" --root "$root" lint --kernel 6.1 --format sarif)
check "sarif output stays valid on hostile input (invalid UTF-8 in a snippet)" 2 '"version": "2.1.0"'
python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$tmp/out" 2>/dev/null ||
  { echo "FAIL: SARIF output does not parse"; fail=$((fail + 1)); }
# A file name that is not UTF-8, given on the command line.
bad=$(printf '%s/bad\xffname.conf' "$tmp")
printf 'net.core.somaxconn = 1024\n' >"$bad"
cmd=("$bin" lint "$bad" --kernel 6.1 --format json)
check "json output with a file name that is not UTF-8" 1 '"code": "TT4007"'
cmd=("$bin" lint "$bad" --kernel 6.1 --format sarif)
check "sarif output with a file name that is not UTF-8" 1 '"ruleId": "TT4007"'


# /etc/sysctl.d itself a symlink (inside the root): followed, within the root.
root2=$tmp/root2
mkdir -p "$root2/etc" "$root2/srv/conf"
printf 'net.ipv4.tcp_tw_recycle = 1\n' >"$root2/srv/conf/10-x.conf"
ln -s /srv/conf "$root2/etc/sysctl.d"
cmd=("$bin" --root "$root2" lint --kernel 6.1 --format gcc)
check "sysctl.d as an absolute symlink is resolved inside the root" 1 "srv/conf/10-x.conf:1:1: error: net.ipv4.tcp_tw_recycle"

# A root whose proc/sys links to the host's /proc/sys: re-rooted, it is a loop, not the host.
root4=$tmp/root4
mkdir -p "$root4/proc" "$root4/etc/sysctl.d"
ln -s /proc/sys "$root4/proc/sys"
printf 'net.core.somaxconn = 8192\n' >"$root4/etc/sysctl.d/10-x.conf"
cmd=("$bin" --root "$root4" lint --format json)
check "proc/sys linked to the host's stays inside the root (offline)" 0 '"mode": "offline"'

# sysctl.d is an absolute link inside the root; a same-named decoy on the host masks a file.
# The in-root file must be read, the host decoy never consulted.
decoy=$(mktemp -d /tmp/tcptune-decoy.XXXX)
root5=$tmp/root5
mkdir -p "$root5/etc" "$root5$decoy"
printf 'net.ipv4.tcp_tw_recycle = 1\n' >"$root5$decoy/10-x.conf"
ln -s "$decoy" "$root5/etc/sysctl.d"
ln -s /dev/null "$decoy/10-x.conf"
cmd=("$bin" --root "$root5" lint --kernel 6.1 --format gcc)
check "links are read inside the root, not on the host" 1 "10-x.conf:1:1: error: net.ipv4.tcp_tw_recycle"
rm -rf "$decoy"

# A file given on the command line that does not exist, and a --root that does not exist.
cmd=("$bin" lint "$tmp/nope.conf" --kernel 6.1)
check "missing file" 2 "nope.conf: error: cannot read file:" "No such file or directory"
cmd=("$bin" --root "$tmp/no-such-root" lint)
check "missing root" 2 "no-such-root"

# --- Who can write the configuration (TT5008, TT5009) -----------------------------------------
# The root's owner is trusted (here: root, who runs the tests); anyone else who can write a
# sysctl.d directory, a parent of one, or a file in it is reported, by lint and by check.
root6=$tmp/root6
mkdir -p "$root6/etc/sysctl.d" "$root6/usr/lib/sysctl.d" "$root6/run/sysctl.d"
printf 'net.ipv4.tcp_syncookies = 1\n' >"$root6/etc/sysctl.d/10-ok.conf"
printf 'net.ipv4.tcp_syncookies = 1\n' >"$root6/etc/sysctl.d/20-nobody.conf"
printf 'net.ipv4.tcp_syncookies = 1\n' >"$root6/etc/sysctl.d/30-world.conf"
printf 'net.ipv4.tcp_syncookies = 1\n' >"$root6/usr/lib/sysctl.d/40-vendor.conf"
printf 'net.ipv4.tcp_syncookies = 1\n' >"$root6/run/sysctl.d/50-run.conf"
chown 65534:65534 "$root6/etc/sysctl.d/20-nobody.conf"
chmod 0666 "$root6/etc/sysctl.d/30-world.conf"
chmod 1777 "$root6/run/sysctl.d"           # sticky does not stop adding files
chgrp 65534 "$root6/usr/lib" && chmod 0775 "$root6/usr/lib"  # a parent, group-writable
cmd=("$bin" --root "$root6" lint --kernel 6.1 --format gcc)
check "lint: sysctl.d writable by others, files owned by another user" 1 \
  "root6/run/sysctl.d:1:1: warning: directory is writable by every user (mode 1777): that user could add or replace files in /run/sysctl.d that are applied as root at boot [TT5008]" \
  "root6/usr/lib:1:1: warning: directory is writable by group 65534 (mode 0775): that user could add or replace files in /usr/lib/sysctl.d that are applied as root at boot [TT5008]" \
  "root6/etc/sysctl.d/20-nobody.conf:1:1: warning: file is owned by uid 65534, not root: its settings are applied as root at boot [TT5009]" \
  "root6/etc/sysctl.d/30-world.conf:1:1: warning: file is writable by every user (mode 0666): its settings are applied as root at boot [TT5009]"
if grep -q "10-ok.conf.*TT500[89]\|root6/etc/sysctl.d: .*TT5008" "$tmp/out"; then
  echo "FAIL: a root-owned 0644 file or 0755 directory was reported"; fail=$((fail + 1))
fi
[[ $(grep -c "TT500[89]" "$tmp/out") == 4 ]] || { echo "FAIL: expected exactly 4 TT5008/TT5009"; cat "$tmp/out"; fail=$((fail + 1)); }
cmd=("$bin" --root "$root6" check --no-sockets --kernel 6.1)
check "check: a root without proc/sys has no live values to check (exit 3)" 3 \
  "no /proc/sys under $root6: the live values cannot be read"
cp -r "$tests/fixtures/blog/proc" "$root6/"
check "check: the same findings, counted in the exit status" 1 "TT5008 directory is writable by every user" "TT5009 file is owned by uid 65534" "at $root6/etc/sysctl.d/20-nobody.conf"
# Files given on the command line (a CI checkout) are not judged by owner.
cmd=("$bin" lint "$root6/etc/sysctl.d/20-nobody.conf" --kernel 6.1 --format gcc)
check "explicit files: no ownership findings" 0

# --- apply: /etc/sysctl.d a symbolic link, and the fragment swapped for a link mid-apply -------
fx=$tmp/fx
python3 "$2/fixtures/check/make_fixtures.py" --out "$fx" >/dev/null
r7=$fx/idle-default
mkdir -p "$r7/srv/conf"
mv "$r7/etc/sysctl.d/"* "$r7/srv/conf/"
rmdir "$r7/etc/sysctl.d"
ln -s /srv/conf "$r7/etc/sysctl.d"
snapshot() {  # every file and link of a root, but the lock file apply takes
  (cd "$1" && find . \( -type f -o -type l \) ! -path ./run/tcptune.lock | sort |
    while read -r f; do if [[ -L $f ]]; then echo "$f -> $(readlink "$f")"; else sha1sum "$f"; fi; done)
}
before=$(snapshot "$r7")
cmd=("$bin" --root "$r7" apply --profile web)
check "apply: /etc/sysctl.d is a symbolic link: refused, nothing written" 3 \
  "etc/sysctl.d: Too many levels of symbolic links: is a symbolic link (to /srv/conf); tcptune writes its fragment only through real directories" \
  "nothing was changed"
after=$(snapshot "$r7")
[[ $before == "$after" ]] || { echo "FAIL: the refused apply changed the fixture"; diff <(echo "$before") <(echo "$after"); fail=$((fail + 1)); }

# The fragment path swapped for a symlink to a victim file between the check and the rename:
# the apply stalls after writing its journal entry (TCPTUNE_FAULT=journal, action stall), the
# test plants the link, and the rename must notice it: exit 4, everything rolled back, the
# victim untouched and the planted link left as it was.
for previous in none tcptune; do
  r8=$fx/swap-$previous
  cp -a "$fx/web-blog" "$r8"
  if [[ $previous == tcptune ]]; then
    "$bin" --root "$r8" apply --profile load-tester --persist-only >/dev/null 2>&1
    [[ -f $r8/etc/sysctl.d/99-tcptune.conf ]] ||
      { echo "FAIL: set-up apply for the swap case wrote no fragment"; fail=$((fail + 1)); }
  fi
  printf 'victim: do not touch\n' >"$r8/srv-victim"
  live_before=$(cat "$r8"/proc/sys/net/ipv4/tcp_max_syn_backlog "$r8"/proc/sys/net/ipv4/tcp_slow_start_after_idle)
  nj=$(ls "$r8/var/lib/tcptune" 2>/dev/null | wc -l)
  TCPTUNE_FAULT=journal TCPTUNE_FAULT_ACTION=stall TCPTUNE_FAULT_STALL_SECONDS=3 \
    timeout 30 "${TCPTUNE_FAULTY_BIN:?the tcptune_faulty test binary}" --root "$r8" apply --profile web >"$tmp/swap.out" 2>&1 &
  apid=$!
  for _ in $(seq 1 100); do  # the new journal entry appears (at most 10 s)
    (($(ls "$r8/var/lib/tcptune" 2>/dev/null | wc -l) > nj)) && break
    sleep 0.1
  done
  rm -f "$r8/etc/sysctl.d/99-tcptune.conf"
  ln -s /srv-victim "$r8/etc/sysctl.d/99-tcptune.conf"
  rc=0
  wait "$apid" || rc=$?
  name="apply: fragment swapped for a symlink mid-apply (previous fragment: $previous)"
  if [[ $rc == 4 && $(cat "$r8/srv-victim") == "victim: do not touch" && -L $r8/etc/sysctl.d/99-tcptune.conf &&
    $(readlink "$r8/etc/sysctl.d/99-tcptune.conf") == /srv-victim &&
    $(cat "$r8"/proc/sys/net/ipv4/tcp_max_syn_backlog "$r8"/proc/sys/net/ipv4/tcp_slow_start_after_idle) == "$live_before" ]] &&
    grep -q "rolled back" "$tmp/swap.out"; then
    pass=$((pass + 1))
  else
    echo "FAIL: $name (exit $rc)"
    cat "$tmp/swap.out"
    ls -la "$r8/etc/sysctl.d"
    fail=$((fail + 1))
  fi
done

# --- apply: a hard link planted as the lock file, a FIFO in place of a key ----------------------
# Applied only under the test's own --root tree, in new mount and network namespaces.
r15=$fx/lock-link
cp -a "$fx/web-blog" "$r15"
mkdir -p "$r15/run"
printf 'precious data\n' >"$r15/etc/precious"
ln "$r15/etc/precious" "$r15/run/tcptune.lock"
if [[ -d $r15/proc/sys ]]; then
  cmd=(unshare -m -n "$bin" --root "$r15" apply --profile web)
  check "apply: a hard link as the lock file is refused, the linked file untouched" 3 \
    "run/tcptune.lock: Too many links: has 2 hard links"
  [[ $(cat "$r15/etc/precious") == "precious data" ]] ||
    { echo "FAIL: the file linked as the lock was overwritten"; fail=$((fail + 1)); }
fi
r16=$fx/key-fifo
cp -a "$fx/web-blog" "$r16"
rm "$r16/proc/sys/net/ipv4/tcp_slow_start_after_idle"
mkfifo "$r16/proc/sys/net/ipv4/tcp_slow_start_after_idle"
if [[ -d $r16/proc/sys ]]; then
  cmd=(unshare -m -n "$bin" --root "$r16" apply --profile web)
  check "apply: a FIFO in place of a key is refused, not read as empty nor written (no hang)" 3 \
    "refused: net.ipv4.tcp_slow_start_after_idle: its live value cannot be read:" \
    "tcp_slow_start_after_idle: Invalid argument: not a regular file" "nothing was changed"
  [[ ! -e $r16/etc/sysctl.d/99-tcptune.conf && ! -d $r16/var/lib/tcptune ]] ||
    { echo "FAIL: the refused apply wrote a fragment or a journal entry"; fail=$((fail + 1)); }
  cmd=("$bin" --root "$r16" check --no-sockets --profile web)
  check "check: a key of the profile that cannot be read is a system error" 3 \
    "no changes found, but the live value of 1 key(s) of profile web cannot be read"
fi

# --- apply: a later file with a line tcptune cannot read may override the fragment: refused -----
r18=$fx/later-unread
cp -a "$fx/web-blog" "$r18"
printf 'net.ipv4.tcp_slow_start_after_idle = 1 # d\xe9sactiv\xe9\n' >"$r18/etc/sysctl.d/zz-local.conf"
cmd=("$bin" --root "$r18" apply --profile web --dry-run)
check "apply: a later file's unreadable line may shadow the fragment: refused" 1 \
  "refused: $r18/etc/sysctl.d/zz-local.conf:1 is read after the fragment at boot, and tcptune cannot read that line (TT1007"
rm "$r18/etc/sysctl.d/zz-local.conf"
head -c $((5 << 20)) /dev/zero | tr '\0' '#' >"$r18/etc/sysctl.d/zz-big.conf"
check "apply: a later file too large to read may shadow the fragment: refused" 1 \
  "refused: $r18/etc/sysctl.d/zz-big.conf is read after the fragment at boot, and tcptune could not read it"
rm "$r18/etc/sysctl.d/zz-big.conf"
printf '# readable, and no key of the fragment\nkernel.pid_max = 4194304\n' >"$r18/etc/sysctl.d/zz-local.conf"
check "apply: a later file tcptune reads whole, with no key of the fragment: not refused" 1 \
  "+ net.ipv4.tcp_slow_start_after_idle = 0"
if grep -q "refused:" "$tmp/out"; then
  echo "FAIL: a readable later file without fragment keys was refused"; cat "$tmp/out"; fail=$((fail + 1))
fi

# --- check: a sysctl.d file it cannot read, or a line it cannot read, is malformed input (2) ---
r19=$fx/check-unread
cp -a "$fx/mysql-client" "$r19"
mkfifo "$r19/etc/sysctl.d/50-fifo.conf"
printf 'x\0y\nnet.core.somaxconn = 1\n' >"$r19/etc/sysctl.d/75-binary.conf"
cmd=("$bin" --root "$r19" check --no-sockets --profile base)
check "check: unreadable sysctl.d input makes exit 2, each file named" 2 \
  "tcptune: error: $r19/etc/sysctl.d/50-fifo.conf: cannot read file:" \
  "tcptune: error: $r19/etc/sysctl.d/75-binary.conf:1: binary file (NUL byte at offset 1)"

# --- history: a journal entry it cannot read is listed, named on stderr, exit 2 ------------------
r20=$fx/history-corrupt
cp -a "$fx/nginx-php-fpm" "$r20"
if [[ -d $r20/proc/sys ]]; then
  unshare -m -n "$bin" --root "$r20" apply --profile web >/dev/null 2>&1
  entry=$(ls "$r20"/var/lib/tcptune/*.json 2>/dev/null | head -1)
  if [[ -n $entry ]]; then
    head -c 200 "$entry" >"$entry.t" && mv "$entry.t" "$entry"
    cmd=("$bin" --root "$r20" history)
    check "history: a truncated journal entry is malformed input (exit 2)" 2 "tcptune: error:" \
      "$(basename "$entry")"
  else
    echo "FAIL: set-up apply for the history case wrote no journal entry"; fail=$((fail + 1))
  fi
fi

# --- sockets --watch on a terminal curses cannot drive: one line per refresh, not curses' exit 1
r17=$tmp/root17
cp -r "$2/fixtures/census-mix" "$r17"
cmd=(env TERM=tcptune-no-such-terminal script -qec
  "$bin --root $r17 sockets --watch --count 1 --interval 0.1" /dev/null)
check "watch: a TERM terminfo does not know falls back to lines (exit 0)" 0 \
  "curses cannot drive this terminal (TERM=tcptune-no-such-terminal" "netns=current total="

# --- Data files: a profile that extends itself, a rule naming an unknown metric -----------------
r9=$tmp/root9
mkdir -p "$r9/etc/tcptune/profiles"
printf 'name = "loop"\nextends = "loop"\nsummary = "s"\n' >"$r9/etc/tcptune/profiles/loop.toml"
cmd=("$bin" --root "$r9" profiles)
check "a profile that extends itself" 2 "etc/tcptune/profiles/loop.toml" "loop"
grep -qi "cycle\|itself" "$tmp/out" || { echo "FAIL: the cycle is not named"; cat "$tmp/out"; fail=$((fail + 1)); }
d10=$tmp/data10
mkdir -p "$d10"
cp -r "$TCPTUNE_DATA_DIR/rules" "$TCPTUNE_DATA_DIR/profiles" "$d10/"
sed -i '0,/census.states.TIME_WAIT/s//census.states.TIME_WIAT/' "$d10/rules/check.toml"
line=$(grep -n "census.states.TIME_WIAT" "$d10/rules/check.toml" | head -1 | cut -d: -f1)
cmd=("$bin" --data-dir "$d10" check --no-sockets --root "$r9")
check "a rule whose condition names an unknown metric" 2 "data10/rules/check.toml:$line:" "TIME_WIAT" "did you mean"

# --- SO_REUSEPORT: several LISTEN sockets on one port must not make duplicate series ------------
r11=$tmp/root11
cp -r "$2/fixtures/census-mix" "$r11"
listen=$(awk 'NR > 1 && $4 == "0A" {print; exit}' "$r11/proc/net/tcp")
printf '%s\n' "$listen" | sed -E 's/^( *)[0-9]+:/\1999:/; s/ [0-9]+ 1 0000000000000000/ 999999 1 0000000000000000/' >>"$r11/proc/net/tcp"
cmd=("$bin" --root "$r11" sockets --format prometheus)
check "sockets --format prometheus with an SO_REUSEPORT group" 0 "tcptune_listener_accept_queue{"
dups=$(grep -v '^#' "$tmp/out" | sed -E 's/ [^ ]+$//' | sort | uniq -d)
[[ -z $dups ]] || { echo "FAIL: duplicate Prometheus series: $dups"; fail=$((fail + 1)); }

# --- Reads stay inside --root: proc/sys/net is an absolute link to a host directory -------------
# Resolved inside the root, /…/hostnet does not exist there: no live value and no "did you mean"
# may come from the host directory.
r12=$tmp/root12
mkdir -p "$r12/proc/sys/kernel" "$r12/etc/sysctl.d" "$tmp/hostnet/core"
echo 6.1.0 >"$r12/proc/sys/kernel/osrelease"
echo 4242 >"$tmp/hostnet/core/somaxconn"
echo 1 >"$tmp/hostnet/core/zz_host_only_key"
ln -s "$tmp/hostnet" "$r12/proc/sys/net"
printf 'net.core.zz_host_only_kez = 1\nnet.core.somaxconn = 8192\n' >"$r12/etc/sysctl.d/10-a.conf"
for c in "lint" "check --no-sockets" "check --no-sockets --format json" "apply --profile web --dry-run"; do
  # shellcheck disable=SC2206  # the words of $c are the command's arguments
  cmd=("$bin" --root "$r12" $c)
  timeout 30 "${cmd[@]}" >"$tmp/out" 2>&1
  if grep -q 'zz_host_only_key\|4242' "$tmp/out"; then
    echo "FAIL: $c under a root whose proc/sys/net links to a host directory read the host's files"
    grep 'zz_host_only_key\|4242' "$tmp/out" | head -5
    fail=$((fail + 1))
  else
    pass=$((pass + 1))
  fi
done

# --- A report that cannot be written is a failure (exit 3), for every command and format --------
fx=$(realpath "$2/fixtures")
full_case() {  # expected_rc pattern root args...
  local want=$1 pat=$2 r=$3
  shift 3
  cmd=("$bin" --root "$r" "$@")
  local rc=0
  timeout 30 "${cmd[@]}" >/dev/full 2>"$tmp/out" || rc=$?
  if [[ $rc == "$want" ]] && grep -qF -- "$pat" "$tmp/out"; then
    pass=$((pass + 1))
  else
    fail=$((fail + 1))
    echo "FAIL: ${cmd[*]} >/dev/full: exit $rc (expected $want), stderr:"
    head -5 "$tmp/out"
  fi
}
nospace="to standard output: No space left on device"
for f in text gcc json sarif github; do full_case 3 "cannot write the lint report $nospace" "$fx/blog" lint --format "$f"; done
for f in text gcc json prometheus; do full_case 3 "cannot write the check report $nospace" "$fx/blog" check --no-sockets --format "$f"; done
for f in text json prometheus; do full_case 3 "cannot write the sockets report $nospace" "$fx/census-mix" sockets --format "$f"; done
full_case 3 "cannot write the explain report $nospace" "$fx/blog" explain TT6002
for f in text json man; do full_case 3 "cannot write the rules report $nospace" "$fx/blog" rules --format "$f"; done
full_case 3 "cannot write the profiles report $nospace" "$fx/blog" profiles web
full_case 3 "cannot write the output $nospace" "$fx/blog" --help
r13=$tmp/root13
cp -r "$fx/debian12" "$r13"
full_case 3 "cannot write the apply report $nospace; the transaction is not affected by this: nothing was changed" "$r13" apply --profile web --dry-run
for f in text json; do
  full_case 3 "cannot write the apply report $nospace; the transaction is not affected by this: it was committed" "$r13" apply --profile web --format "$f"
  full_case 3 "cannot write the history report $nospace" "$r13" history --format "$f"
  full_case 3 "cannot write the rollback report $nospace; the transaction is not affected by this: it completed" "$r13" rollback --format "$f"
done
# The transactions happened although their reports were lost.
"$bin" --root "$r13" history >"$tmp/out" 2>&1
if [[ $(grep -c 'rolled-back' "$tmp/out") == 2 ]]; then pass=$((pass + 1)); else
  fail=$((fail + 1)); echo "FAIL: history after the applies with lost reports:"; cat "$tmp/out"; fi
# A reader that went away: EPIPE (SIGPIPE is ignored, so an apply can never die half-way).
rc=$(python3 -c 'import os, subprocess, sys
r, w = os.pipe(); os.close(r)
p = subprocess.run(sys.argv[1:], stdout=w, stderr=subprocess.PIPE)
sys.stderr.write(p.stderr.decode()); print(p.returncode)' "$bin" --root "$fx/blog" rules 2>"$tmp/out")
if [[ $rc == 3 ]] && grep -qF "cannot write the rules report to standard output: Broken pipe" "$tmp/out"; then
  pass=$((pass + 1))
else
  fail=$((fail + 1)); echo "FAIL: rules into a closed pipe: exit $rc"; cat "$tmp/out"
fi

echo "hostile: $pass passed, $fail failed"
((fail == 0))
