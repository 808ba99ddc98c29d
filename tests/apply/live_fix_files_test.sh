#!/usr/bin/env bash
# Live test of `tcptune apply --fix-files` with the default root (/), inside a mount and network
# namespace this test creates (unshare -m -n): an overlay over /etc (its writes land in a
# temporary directory), tmpfs over every sysctl.d directory, /run and /var/lib, and only net.*
# keys in the trees (checked before tcptune runs). The blog block sits in /etc/sysctl.conf
# (through Debian's 99-sysctl.conf link) and in /etc/sysctl.d, a vendor file in
# /usr/lib/sysctl.d overrides the profile: apply --fix-files edits the first two, masks the
# third, and `tcptune rollback` puts every file back byte for byte (sha256). The same with a
# failure and a crash at the edit and mask writes (tcptune_faulty). Exit 77 (skipped, with the
# reason) when the machine cannot create those namespaces or mounts.
#   live_fix_files_test.sh TCPTUNE TESTS_DIR
set -u
src_bin=$(realpath "$1")
tests=$(realpath "$2")
data=${TCPTUNE_DATA_DIR:-$(dirname "$tests")}
export TCPTUNE_DATA_DIR="$data"
faulty_src=${TCPTUNE_FAULTY_BIN:-}
command -v unshare >/dev/null || { echo "SKIP: unshare not installed"; exit 77; }
command -v sha256sum >/dev/null || { echo "SKIP: sha256sum not installed"; exit 77; }
command -v python3 >/dev/null || { echo "SKIP: python3 not installed"; exit 77; }
if ((EUID != 0)); then
  echo "SKIP: needs root (to create mount and network namespaces and write /proc/sys in them)"
  exit 77
fi
if ! unshare -m -n true 2>/dev/null; then
  echo "SKIP: cannot create mount and network namespaces here (unshare -m -n)"
  exit 77
fi
grep -qw overlay /proc/filesystems || { echo "SKIP: no overlay file system (for /etc)"; exit 77; }

tmp=$(mktemp -d /tmp/tcptune-live-fix.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
chmod 0755 "$tmp"
bin=$tmp/tcptune
cp "$src_bin" "$bin" || { echo "FAIL: cannot copy $src_bin"; exit 1; }
faulty=""
if [[ -n "$faulty_src" && -x "$faulty_src" ]]; then
  faulty=$tmp/tcptune_faulty
  cp "$faulty_src" "$faulty" || { echo "FAIL: cannot copy $faulty_src"; exit 1; }
fi

# The host's state, compared at the end: this test must never change it.
host_state() {
  for k in net/ipv4/tcp_slow_start_after_idle net/ipv4/tcp_max_tw_buckets net/ipv4/tcp_fin_timeout \
    net/core/somaxconn; do
    printf '%s=%s\n' "$k" "$(cat "/proc/sys/$k" 2>/dev/null)"
  done
  for d in /etc/sysctl.d /usr/lib/sysctl.d /usr/local/lib/sysctl.d /lib/sysctl.d /run/sysctl.d; do
    [[ -d $d ]] && (cd "$d" && ls -la --time-style=+ . && find . -maxdepth 1 -type f -exec sha256sum {} +)
  done 2>&1
  sha256sum /etc/sysctl.conf 2>&1
  for p in /var/lib/tcptune /run/tcptune.lock /etc/sysctl.d/99-tcptune.conf; do
    [[ -e "$p" ]] && echo "exists: $p"
  done
}
host_before=$(host_state)
mkdir -p "$tmp/etc-upper" "$tmp/etc-work"
cp "$tests/fixtures/blog/etc/sysctl.conf" "$tmp/blog.conf" || { echo "FAIL: no blog fixture"; exit 1; }

unshare -m -n bash -s "$bin" "$tmp" "$faulty" <<'INNER'
set -u
bin=$1 tmp=$2 faulty=$3
export NO_COLOR=1
unset TCPTUNE_FAULT TCPTUNE_FAULT_ACTION TCPTUNE_FAULT_STALL_SECONDS
# --- the sandbox; any failure here stops the test before tcptune writes anything -------------
die() { echo "FAIL: sandbox: $*"; exit 1; }
skip() { echo "SKIP: $*"; exit 77; }
mount --make-rprivate / || die "mount --make-rprivate /"
# /etc: an overlay whose upper layer is this test's directory (/etc/sysctl.conf is edited by an
# atomic rename, which a bind mount over the file would refuse).
mount -t overlay tcptune-etc -o "lowerdir=/etc,upperdir=$tmp/etc-upper,workdir=$tmp/etc-work" /etc ||
  skip "cannot mount an overlay over /etc here"
[[ $(stat -f -c %T /etc) == overlayfs ]] || die "/etc is not the test's overlay"
for d in /etc/sysctl.d /run /var/lib; do
  mount -t tmpfs -o mode=0755 tcptune-fix "$d" || die "tmpfs on $d"
done
# Every vendor sysctl.d directory that exists: an empty tmpfs. One that does not exist must not
# appear (nothing is created on the host's file system).
for d in /usr/lib/sysctl.d /usr/local/lib/sysctl.d /lib/sysctl.d; do
  if [[ -L $d ]]; then die "$d is a symbolic link"; fi
  if [[ -d $d ]]; then
    real=$(realpath "$d")
    if [[ $(stat -f -c %T "$real") != tmpfs ]]; then
      mount -t tmpfs -o mode=0755 tcptune-fix "$real" || die "tmpfs on $real"
    fi
  fi
done
for d in /etc/sysctl.d /run /var/lib /usr/lib/sysctl.d /lib/sysctl.d /usr/local/lib/sysctl.d; do
  [[ -e $d ]] || continue
  [[ $(stat -f -c %T "$(realpath "$d")") == tmpfs ]] || die "$d is not the test's tmpfs"
done
[[ ! -e /run/sysctl.d ]] || die "/run/sysctl.d exists in the fresh tmpfs"

# The trees: the blog block in /etc/sysctl.conf (through the Debian link) and in
# /etc/sysctl.d (without its last newline), a vendor file that sorts after the fragment.
cp "$tmp/blog.conf" /etc/sysctl.conf && chmod 0640 /etc/sysctl.conf || die "write /etc/sysctl.conf"
# A group other than root's (as an admin group reading it): the edit must keep it.
chgrp 4 /etc/sysctl.conf || die "chgrp /etc/sysctl.conf"
[[ $(stat -f -c %T /etc/sysctl.conf) == overlayfs ]] || die "/etc/sysctl.conf is not in the overlay"
ln -s ../sysctl.conf /etc/sysctl.d/99-sysctl.conf || die "the 99-sysctl.conf link"
printf '%s' "$(cat "$tmp/blog.conf")" >/etc/sysctl.d/99-zz-blog.conf || die "99-zz-blog.conf"
chmod 0600 /etc/sysctl.d/99-zz-blog.conf
printf '# a vendor default (test)\nnet.core.somaxconn = 1024\nnet.ipv4.tcp_keepalive_probes = 9\n' \
  >/usr/lib/sysctl.d/99-zzz-vendor.conf || die "the vendor file"
# Only net.* keys anywhere tcptune (or a boot) could read.
nonnet=$(cat /etc/sysctl.conf /etc/sysctl.d/*.conf /usr/lib/sysctl.d/*.conf /lib/sysctl.d/*.conf \
  /usr/local/lib/sysctl.d/*.conf 2>/dev/null | sed 's/^[[:space:]]*-//' |
  grep -Ev '^[[:space:]]*([#;]|$)' | grep -Ev '^[[:space:]]*net\.' || true)
[[ -z "$nonnet" ]] || die "keys other than net.* in the trees: $nonnet"

pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok: $1"; }
bad() { fail=$((fail + 1)); echo "FAIL: $1"; [[ -n "${2:-}" ]] && sed 's/^/    /' <<<"$2" | head -60; }
t() { local o=$1; shift; timeout 60 "$@" >"$tmp/$o.out" 2>&1; rc=$?; }
files_state() {
  for f in /etc/sysctl.conf /etc/sysctl.d/* /usr/lib/sysctl.d/*; do
    if [[ -L $f ]]; then echo "$f -> $(readlink "$f")"; else echo "$f $(stat -c '%a %u:%g' "$f") $(sha256sum <"$f")"; fi
  done
  ls -A /etc/sysctl.d
}
keys="net.ipv4.tcp_slow_start_after_idle net.ipv4.tcp_max_tw_buckets net.ipv4.tcp_fin_timeout net.core.somaxconn"
live_state() { for k in $keys; do printf '%s=%s\n' "$k" "$(cat "/proc/sys/${k//.//}")"; done; }
journal_ids() { ls /var/lib/tcptune 2>/dev/null | sed -n 's/\.json$//p' | sort; }
files_before=$(files_state)
live_before=$(live_state)

# --- a. dry run: the diff of every file, nothing written ------------------------------------
t a1 "$bin" apply --profile web --fix-files --persist --dry-run
if ((rc == 1)) && grep -q '^--- a/etc/sysctl.conf$' "$tmp/a1.out" &&
  grep -q '^--- a/etc/sysctl.d/99-zz-blog.conf$' "$tmp/a1.out" &&
  grep -q '^+++ b/etc/sysctl.d/99-zzz-vendor.conf$' "$tmp/a1.out" &&
  grep -q '^-net.ipv4.tcp_tw_recycle = 1$' "$tmp/a1.out" &&
  [[ "$(files_state)" == "$files_before" ]]; then
  ok "a. --dry-run prints the diff of the three files and changes nothing"
else
  bad "a. --dry-run: exit $rc" "$(cat "$tmp/a1.out")"
fi
t a2 "$bin" apply --profile web --persist --dry-run
if ((rc == 1)) && grep -q 'refused' "$tmp/a2.out"; then
  ok "a. without --fix-files the shadowed fragment is refused as before"
else
  bad "a. without --fix-files: exit $rc" "$(cat "$tmp/a2.out")"
fi

# --- b. apply --fix-files ---------------------------------------------------------------------
t b1 "$bin" apply --profile web --fix-files --persist
id=$(journal_ids | tail -1)
if ((rc != 0)) || [[ -z "$id" ]]; then
  bad "b. apply --fix-files: exit $rc" "$(cat "$tmp/b1.out")"
else
  ok "b. apply --profile web --fix-files --persist committed $id"
  n=$(grep -c "^# disabled by tcptune $id: " /etc/sysctl.conf)
  if ((n == 3)) && ! grep -Eq '^net\.ipv4\.(tcp_tw_recycle|tcp_fin_timeout|tcp_max_tw_buckets) ' /etc/sysctl.conf &&
    grep -q '^net.ipv4.tcp_syncookies = 1$' /etc/sysctl.conf && [[ $(stat -c %a:%u:%g /etc/sysctl.conf) == 640:0:4 ]] &&
    [[ -L /etc/sysctl.d/99-sysctl.conf ]]; then
    ok "b. /etc/sysctl.conf: 3 lines disabled through the 99-sysctl.conf link, mode 0640 and group 4 kept"
  else
    bad "b. /etc/sysctl.conf after apply ($n disabled)" "$(cat /etc/sysctl.conf; ls -la /etc/sysctl.conf /etc/sysctl.d)"
  fi
  n=$(grep -c "^# disabled by tcptune $id: " /etc/sysctl.d/99-zz-blog.conf)
  if ((n == 3)) && [[ $(tail -c1 /etc/sysctl.d/99-zz-blog.conf | od -An -c | tr -d ' ') != '\n' ]] &&
    [[ $(stat -c %a /etc/sysctl.d/99-zz-blog.conf) == 600 ]]; then
    ok "b. 99-zz-blog.conf: 3 lines disabled, still no final newline, mode 0600 kept"
  else
    bad "b. 99-zz-blog.conf after apply ($n disabled)" "$(cat /etc/sysctl.d/99-zz-blog.conf)"
  fi
  m=/etc/sysctl.d/99-zzz-vendor.conf
  if [[ -f $m ]] && grep -q '^# Masks /usr/lib/sysctl.d/99-zzz-vendor.conf' "$m" &&
    grep -q '^# net.core.somaxconn = 1024$' "$m" && grep -q '^net.ipv4.tcp_keepalive_probes = 9$' "$m" &&
    grep -q "^# disabled by tcptune $id: overrides net.core.somaxconn" "$m" &&
    grep -qx '# a vendor default (test)' /usr/lib/sysctl.d/99-zzz-vendor.conf &&
    grep -qx 'net.core.somaxconn = 1024' /usr/lib/sysctl.d/99-zzz-vendor.conf; then
    ok "b. the vendor file is masked from /etc/sysctl.d, itself untouched"
  else
    bad "b. the mask" "$(cat "$m" 2>&1)"
  fi
  if [[ $(cat /proc/sys/net/ipv4/tcp_slow_start_after_idle) == 0 ]] &&
    (($(cat /proc/sys/net/ipv4/tcp_max_tw_buckets) >= 32768)) &&
    grep -q '^net.ipv4.tcp_slow_start_after_idle = 0$' /etc/sysctl.d/99-tcptune.conf; then
    ok "b. live values and the fragment at the profile"
  else
    bad "b. live values" "$(live_state; cat /etc/sysctl.d/99-tcptune.conf)"
  fi
  # The fix makes the fragment win: nothing shadows it any more.
  t b2 "$bin" apply --profile web --persist --dry-run --format json
  if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d["shadowed"]==[] and d["refusals"]==[] else 1)' "$tmp/b2.out"; then
    ok "b. afterwards apply (without --fix-files) finds no file overriding the fragment"
  else
    bad "b. still shadowed after the fix" "$(cat "$tmp/b2.out")"
  fi
  python3 - "/var/lib/tcptune/$id.json" <<'PY' && ok "b. the journal holds the previous bytes of the edited files and the mask" || bad "b. journal edits" "$(cat "/var/lib/tcptune/$id.json")"
import base64, json, sys
e = json.load(open(sys.argv[1]))
ed = {x["path"]: x for x in e.get("edits", [])}
conf = ed["/etc/sysctl.conf"]
assert conf["kind"] == "edit" and conf["previous_mode"] == 0o640
m = ed["/etc/sysctl.d/99-zzz-vendor.conf"]
assert m["kind"] == "mask" and m["previous_base64"] is None and m["masks"] == "/usr/lib/sysctl.d/99-zzz-vendor.conf"
assert "/etc/sysctl.d/99-zz-blog.conf" in ed
PY
  if cmp -s <(python3 -c 'import base64,json,sys; e=json.load(open(sys.argv[1])); sys.stdout.buffer.write(base64.b64decode([x for x in e["edits"] if x["path"]=="/etc/sysctl.conf"][0]["previous_base64"]))' "/var/lib/tcptune/$id.json") "$tmp/blog.conf"; then
    ok "b. the journal's previous bytes of /etc/sysctl.conf are the original file"
  else
    bad "b. the journal's previous bytes of /etc/sysctl.conf differ from the original"
  fi

  # --- c. rollback: every file byte for byte -------------------------------------------------
  t c1 "$bin" rollback
  if ((rc == 0)) && [[ "$(files_state)" == "$files_before" ]] && [[ "$(live_state)" == "$live_before" ]]; then
    ok "c. rollback restores every file (sha256, mode, owner, the link) and the live values"
  else
    bad "c. rollback: exit $rc" "$(cat "$tmp/c1.out"; diff <(echo "$files_before") <(files_state); diff <(echo "$live_before") <(live_state))"
  fi
fi

# --- d. failures and crashes at the edit and mask writes (tcptune_faulty) ----------------------
if [[ -z "$faulty" ]]; then
  bad "d. TCPTUNE_FAULTY_BIN not set: the fault cases cannot run"
else
  for point in edit:1 edit:2 edit:3 fragment live:1 commit; do
    TCPTUNE_FAULT=$point t "d-$point" "$faulty" apply --profile web --fix-files --persist
    if ((rc == 4)) && [[ "$(files_state)" == "$files_before" ]] && [[ "$(live_state)" == "$live_before" ]]; then
      ok "d. a failure at $point: exit 4, every file and value as before"
    else
      bad "d. a failure at $point: exit $rc" "$(cat "$tmp/d-$point.out"; diff <(echo "$files_before") <(files_state))"
    fi
  done
  for point in edit:1 edit:2 edit:3 fragment; do
    TCPTUNE_FAULT=$point TCPTUNE_FAULT_ACTION=crash t "e-$point" "$faulty" apply --profile web --fix-files --persist
    crc=$rc
    t "e-$point-rb" "$bin" rollback
    if ((crc == 99)) && ((rc == 0)) && [[ "$(files_state)" == "$files_before" ]] &&
      [[ "$(live_state)" == "$live_before" ]]; then
      ok "e. a crash after $point: rollback of the unfinished entry restores every file"
    else
      bad "e. a crash after $point: exit $crc, rollback exit $rc" "$(cat "$tmp/e-$point.out" "$tmp/e-$point-rb.out"; diff <(echo "$files_before") <(files_state))"
    fi
  done
fi

echo "live --fix-files: $pass passed, $fail failed"
((fail == 0))
INNER
inner=$?
host_after=$(host_state)
if [[ "$host_before" != "$host_after" ]]; then
  echo "FAIL: the host's state changed:"
  diff <(echo "$host_before") <(echo "$host_after")
  exit 1
fi
exit $inner
