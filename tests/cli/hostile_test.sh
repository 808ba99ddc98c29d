#!/usr/bin/env bash
# Hostile input for `tcptune lint`: every case must give a diagnostic naming the file (and line
# where there is one), the DESIGN exit code, no crash and no hang. Run under ASan in CI too.
#   hostile_test.sh TCPTUNE TESTS_DIR
set -u
bin=$(realpath "$1")
export NO_COLOR=1 TCPTUNE_DATA_DIR="$(realpath "$2/..")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
skip=0

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
  "20-longline.conf:1:1: error: line is 1048597 bytes long, over the limit of 4096; it was not read [TT1008]" \
  "30-nul.conf:3:28: error: NUL byte in line; the line was not read [TT1007]" \
  "35-utf8.conf:1:21: error: invalid UTF-8; the line was not read [TT1007]" \
  "40-loop.conf: error: cannot read file:" "Too many levels of symbolic links" \
  "50-fifo.conf: error: cannot read file:" "not a regular file [TT1010]" \
  "60-escape.conf:1:1: error: key 'net/../../etc/passwd' would escape /proc/sys" \
  "60-escape.conf:2:1: error: key '../../../etc/shadow' would escape /proc/sys" \
  "70-outside.conf: error: cannot read file:" \
  "80-huge.conf: error: file not read: file is 5242880 bytes, over the limit of 4194304 [TT1009]"
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
  check "unreadable file (as nobody)" 2 "10-secret.conf: error: cannot read file:" "Permission denied"
else
  echo "SKIP: unreadable file (needs root and setpriv to drop to nobody)"
  skip=$((skip + 1))
fi

echo "hostile: $pass passed, $fail failed, $skip skipped"
((fail == 0))
