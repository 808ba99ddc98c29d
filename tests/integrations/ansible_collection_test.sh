#!/usr/bin/env bash
# The Ansible collection (ansible/): built and installed with ansible-galaxy into a temporary
# directory, then driven by ansible-playbook against localhost (-c local):
#   ansible_collection_test.sh TCPTUNE_BIN TESTS_DIR
# Live part: tcptune_apply against the real kernel, with the default root (/), inside a mount
# and network namespace this test creates (unshare -m -n, mount --make-rprivate /), with tmpfs
# over every sysctl.d directory, /etc/sysctl.conf, /run (the lock, /run/sysctl.d) and /var/lib
# (the journal); the inner script checks every one of those mounts (ours, tmpfs) and both
# namespaces before it starts and refuses otherwise; the profile (db-client) sets net.* keys
# only, private to the namespace. Cases: check mode changes nothing and reports changed; diff
# mode shows the fragment and each live value (live_only: the values only, persist_only: the
# fragment only); apply, then a second run is changed=false (and
# check mode too); the example playbook examples/ansible/tcptune-profile.yml in check mode
# with diff; rollback in check mode (rollback --dry-run) changes nothing, then rollback,
# then rollback again is changed=false; tcptune_check's facts. On fixture roots (--root):
# failures carry tcptune's exit code, 2, 3, 4 (rolled back) and 5 (rollback incomplete, with
# the fault-injecting test binary) told apart. The host's values and files are compared before
# and after. Exit 77 without ansible, root or namespaces.
# shellcheck disable=SC2015  # `cond && ok ... || bad ...`: ok() cannot fail, refuse() exits
set -uo pipefail
if (($# != 2)); then
  echo "usage: ansible_collection_test.sh TCPTUNE_BIN TESTS_DIR" >&2
  exit 2
fi
src_bin=$(realpath "$1")
tests=$(realpath "$2")
src=$(dirname "$tests")
export TCPTUNE_DATA_DIR=${TCPTUNE_DATA_DIR:-$src}
export NO_COLOR=1 ANSIBLE_NOCOLOR=1 ANSIBLE_FORCE_COLOR=0
unset TCPTUNE_FAULT TCPTUNE_FAULT_ACTION
for tool in ansible-playbook ansible-galaxy unshare findmnt python3; do
  command -v $tool >/dev/null || { echo "SKIP: $tool not found"; exit 77; }
done
((EUID == 0)) || { echo "SKIP: needs root (mount and network namespaces)"; exit 77; }
timeout 60 unshare -m -n true 2>/dev/null || { echo "SKIP: cannot create mount and network namespaces"; exit 77; }
[[ -f /etc/sysctl.conf ]] || { echo "SKIP: no /etc/sysctl.conf to mount over (the sandbox masks every file tcptune reads)"; exit 77; }
faulty=${TCPTUNE_FAULTY_BIN:-}
[[ -x "$faulty" ]] || { echo "FAIL: TCPTUNE_FAULTY_BIN (the tcptune_faulty test binary) is not set"; exit 1; }

tmp=$(mktemp -d /tmp/tcptune-ansible-collection.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
chmod 0755 "$tmp"
mkdir -p "$tmp/bin"
if ! cp "$src_bin" "$tmp/bin/tcptune" || ! cp "$faulty" "$tmp/bin/tcptune_faulty"; then
  echo "FAIL: cannot copy the binaries"
  exit 1
fi
export HOME=$tmp ANSIBLE_LOCAL_TEMP=$tmp/ansible-tmp ANSIBLE_REMOTE_TEMP=$tmp/ansible-tmp
export ANSIBLE_COLLECTIONS_PATH=$tmp/collections ANSIBLE_COLLECTIONS_SCAN_SYS_PATH=false

# Build and install the collection, as an operator would.
out=$(cd "$tmp" && timeout 120 ansible-galaxy collection build "$src/ansible" --output-path "$tmp" 2>&1) ||
  { echo "FAIL: ansible-galaxy collection build: $out"; exit 1; }
tarball=$(ls "$tmp"/tcptune-tcptune-*.tar.gz)
out=$(cd "$tmp" && timeout 120 ansible-galaxy collection install -p "$tmp/collections" "$tarball" 2>&1) ||
  { echo "FAIL: ansible-galaxy collection install: $out"; exit 1; }
echo "ok: built and installed $(basename "$tarball") ($(ansible-playbook --version | sed -n 1p))"

# The profile the live part applies must hold net.* keys only (private to a network namespace).
keys=$("$tmp/bin/tcptune" profiles db-client --format json |
  python3 -c 'import json, sys; print(" ".join(s["key"] for s in json.load(sys.stdin)["settings"]))')
for k in $keys; do
  [[ $k == net.* ]] || { echo "FAIL: profile db-client sets $k, not a net.* key: refusing to apply it"; exit 1; }
done

host_state() {
  for k in net/ipv4/tcp_tw_reuse net/ipv4/tcp_keepalive_time net/core/somaxconn net/ipv4/tcp_fin_timeout; do
    echo "$k=$(cat /proc/sys/$k)"
  done
  ls -la --time-style=+ /etc/sysctl.d /usr/lib/sysctl.d 2>&1
  sha256sum /etc/sysctl.conf
  for p in /var/lib/tcptune /run/tcptune.lock /etc/sysctl.d/99-tcptune.conf /run/sysctl.d /usr/local/lib/sysctl.d; do
    [[ -e "$p" ]] && echo "exists: $p"
  done
}
before=$(host_state)
timeout 120 python3 "$tests/fixtures/check/make_fixtures.py" --out "$tmp/fx" >/dev/null || { echo "FAIL: make_fixtures.py"; exit 1; }

cat >"$tmp/inner.sh" <<'INNER'
# shellcheck disable=SC2015  # as above
set -uo pipefail
tmp=$1 pb=$2 outer_net=$3 outer_mnt=$4 examples=$5
bin=$tmp/bin/tcptune
pass=0 fails=0
ok() { pass=$((pass + 1)); echo "ok: $*"; }
bad() { fails=$((fails + 1)); echo "FAIL: $*"; }

# --- the sandbox: mounts first, then verified; nothing runs unless all of it holds ---
mount --make-rprivate / || { echo "FAIL: mount --make-rprivate /"; exit 1; }
name=tcptune-ansible-test
for d in /run /var/lib /etc/sysctl.d /usr/lib/sysctl.d; do
  mount -t tmpfs -o mode=0755 $name "$d" || { echo "FAIL: tmpfs over $d"; exit 1; }
done
# /usr/local/lib/sysctl.d (and /lib/sysctl.d, which is /usr/lib/sysctl.d on merged /usr): a
# missing directory is masked by a tmpfs over its parent, which the host cannot see.
if [ -d /usr/local/lib/sysctl.d ]; then
  mount -t tmpfs -o mode=0755 $name /usr/local/lib/sysctl.d || exit 1
else
  mount -t tmpfs -o mode=0755 $name /usr/local/lib || exit 1
fi
if [ -d /lib/sysctl.d ] && [ "$(realpath /lib/sysctl.d)" != /usr/lib/sysctl.d ]; then
  mount -t tmpfs -o mode=0755 $name /lib/sysctl.d || exit 1
fi
: >/run/tcptune-sysctl.conf
mount --bind /run/tcptune-sysctl.conf /etc/sysctl.conf || { echo "FAIL: bind over /etc/sysctl.conf"; exit 1; }
refuse() { echo "FAIL: sandbox not as required, refusing to run: $*"; exit 1; }
[ "$(readlink /proc/self/ns/net)" != "$outer_net" ] || refuse "not in a new network namespace"
[ "$(readlink /proc/self/ns/mnt)" != "$outer_mnt" ] || refuse "not in a new mount namespace"
[ "$(findmnt -n -o PROPAGATION /)" = private ] || refuse "/ is not private: $(findmnt -n -o PROPAGATION /)"
for p in /etc/sysctl.d /run/sysctl.d /usr/lib/sysctl.d /usr/local/lib/sysctl.d /lib/sysctl.d \
  /etc/sysctl.conf /var/lib/tcptune /run/tcptune.lock; do
  q=$p
  while [ ! -e "$q" ]; do q=$(dirname "$q"); done
  read -r target fstype source < <(findmnt -n -o TARGET,FSTYPE,SOURCE -T "$q")
  [ "$fstype" = tmpfs ] && [ "${source%%\[*}" = $name ] && [ "$target" != / ] ||
    refuse "$p is on $target ($fstype, $source), not a tmpfs of this test"
done
[ -z "$(find /etc/sysctl.d /usr/lib/sysctl.d /run /var/lib -name '*.conf' -size +0 2>/dev/null)" ] ||
  refuse "a sysctl.d directory is not empty"
echo "ok: sandbox verified: new mount and network namespaces, / private, tmpfs over every sysctl.d directory, /etc/sysctl.conf, /run and /var/lib"

play() {  # play PLAYBOOK ARGS... -> rc; output in $aout
  local p=$1 rc=0
  shift
  aout=$(cd "$tmp" && timeout 180 ansible-playbook -i localhost, -c local -e "tcptune_bin=$bin" "$@" "$pb/$p" 2>&1) || rc=$?
  return $rc
}
recap() { grep -o 'changed=[0-9]* *unreachable=[0-9]* *failed=[0-9]*' <<<"$aout" | tail -1 | tr -s ' '; }
state() {  # live values, the fragment, the journal and the lock
  for k in net/ipv4/tcp_keepalive_time net/ipv4/tcp_tw_reuse net/core/somaxconn net/ipv4/tcp_fin_timeout; do
    echo "$k=$(cat /proc/sys/$k)"
  done
  find /etc/sysctl.d /var/lib/tcptune /run/tcptune.lock -printf '%p %y %m\n' 2>/dev/null | sort
  find /etc/sysctl.d /var/lib/tcptune -type f -print0 2>/dev/null | sort -z | xargs -0 -r sha256sum
}
live() { cat "/proc/sys/net/ipv4/$1"; }
[ "$(live tcp_keepalive_time) $(live tcp_tw_reuse)" = "7200 2" ] ||
  bad "a fresh namespace should have tcp_keepalive_time 7200, tcp_tw_reuse 2: $(live tcp_keepalive_time) $(live tcp_tw_reuse)"
s0=$(state)

# 0. the shipped example playbook (examples/ansible/tcptune-profile.yml) in check mode with diff:
# changed, nothing written; its output is what docs/fleet.md and the README show.
rc=0
aout=$(cd "$tmp" && timeout 180 ansible-playbook -i localhost, -c local -e ansible_become=false \
  -e "tcptune_bin=$bin" -e tcptune_profile=db-client -e tcptune_persist=true --check --diff "$examples/tcptune-profile.yml" 2>&1) || rc=$?
if [ $rc = 0 ] && [ "$(recap)" = "changed=1 unreachable=0 failed=0" ] && [ "$(state)" = "$s0" ] &&
  grep -q '^+net.ipv4.tcp_tw_reuse = 1$' <<<"$aout" && grep -q '2 pending change(s)' <<<"$aout"; then
  ok "examples/ansible/tcptune-profile.yml --check --diff: changed=1, the diff, the facts, nothing written"
  printf '%s\n' "$aout" >"$tmp/example-check-diff.out"
else
  bad "examples/ansible/tcptune-profile.yml --check --diff: rc $rc, $(recap): $aout"
fi

# 1. check mode: changed, and nothing changes
rc=0; play apply.yml -e profile=db-client -e expect_changed=true --check || rc=$?
[ $rc = 0 ] && [ "$(recap)" = "changed=1 unreachable=0 failed=0" ] && ! grep -q '^+++ ' <<<"$aout" &&
  ok "check mode: changed=1, no diff without --diff" || bad "check mode: rc $rc, $(recap): $aout"
[ "$(state)" = "$s0" ] && ok "check mode changed nothing (live values, fragment, journal, lock)" || bad "check mode changed: $(diff <(echo "$s0") <(state))"

# 2. check mode with diff: the fragment (absent -> its text) and every live value
rc=0; play apply.yml -e profile=db-client -e expect_changed=true --check --diff || rc=$?
if [ $rc = 0 ] && [ "$(recap)" = "changed=1 unreachable=0 failed=0" ] &&
  grep -q '^--- before: /etc/sysctl.d/99-tcptune.conf (absent)$' <<<"$aout" &&
  grep -q '^+++ after: /etc/sysctl.d/99-tcptune.conf$' <<<"$aout" &&
  grep -q '^+net.ipv4.tcp_keepalive_time = 300$' <<<"$aout" && grep -q '^+net.ipv4.tcp_tw_reuse = 1$' <<<"$aout" &&
  grep -q '^--- before: live values$' <<<"$aout" &&
  grep -q '^-net.ipv4.tcp_keepalive_time = 7200$' <<<"$aout" && grep -q '^-net.ipv4.tcp_tw_reuse = 2$' <<<"$aout"; then
  ok "check mode --diff: the fragment's diff and both live values before/after"
  printf '%s\n' "$aout" >"$tmp/check-diff.out"
else
  bad "check mode --diff: rc $rc, $(recap): $aout"
fi
[ "$(state)" = "$s0" ] && ok "check mode --diff changed nothing" || bad "check mode --diff changed: $(diff <(echo "$s0") <(state))"

# 2b. --live-only and --persist-only in check mode: the diff shows only what each would change
rc=0; play apply.yml -e profile=db-client -e live_only=true -e expect_changed=true --check --diff || rc=$?
[ $rc = 0 ] && grep -qE '^--- before: live values \(netns [^)]+\)$' <<<"$aout" && ! grep -q '99-tcptune.conf' <<<"$aout" &&
  [ "$(state)" = "$s0" ] && ok "check mode --diff, live_only: the live values only" || bad "live_only --check --diff: rc $rc, $(recap): $aout"
rc=0; play apply.yml -e profile=db-client -e persist_only=true -e expect_changed=true --check --diff || rc=$?
[ $rc = 0 ] && grep -q '^+++ after: /etc/sysctl.d/99-tcptune.conf$' <<<"$aout" && ! grep -q 'live values' <<<"$aout" &&
  [ "$(state)" = "$s0" ] && ok "check mode --diff, persist_only: the fragment only" || bad "persist_only --check --diff: rc $rc, $(recap): $aout"

# 2c. In a network namespace that is not the initial one (as here) and without persist, tcptune
# changes that namespace's live values only: the check-mode diff has no fragment.
rc=0; play apply.yml -e profile=db-client -e persist=false -e expect_changed=true --check --diff || rc=$?
[ $rc = 0 ] && grep -q '^--- before: live values (netns ' <<<"$aout" && ! grep -q '99-tcptune.conf' <<<"$aout" &&
  [ "$(state)" = "$s0" ] && ok "check mode --diff without persist in a netns: its live values only" || bad "persist=false --check --diff: rc $rc, $(recap): $aout"
rc=0; play apply.yml -e profile=db-client -e persist=false -e persist_only=true -e expect_failure=2 -e expect_kind=invalid_input --check || rc=$?
[ $rc = 0 ] && grep -q 'add --persist' <<<"$aout" && ok "persist_only without persist in a netns: exit 2 with tcptune's message" || bad "persist_only without persist: rc $rc, $(recap): $aout"

# 3. apply (with diff), then again: changed=false
rc=0; play apply.yml -e profile=db-client -e expect_changed=true --diff || rc=$?
if [ $rc = 0 ] && [ "$(recap)" = "changed=1 unreachable=0 failed=0" ] &&
  [ "$(live tcp_keepalive_time) $(live tcp_tw_reuse)" = "300 1" ] &&
  grep -q '^net.ipv4.tcp_keepalive_time = 300$' /etc/sysctl.d/99-tcptune.conf &&
  grep -q '^-net.ipv4.tcp_tw_reuse = 2$' <<<"$aout" && [ -n "$(ls /var/lib/tcptune)" ]; then
  ok "apply: changed=1, live values 300 and 1, fragment and journal written, diff shown"
else
  bad "apply: rc $rc, $(recap): $aout"
fi
! grep -v '^#' /etc/sysctl.d/99-tcptune.conf | grep -q -v -e '^$' -e '^net\.' && ok "the fragment sets net.* keys only" ||
  bad "the fragment sets other keys: $(cat /etc/sysctl.d/99-tcptune.conf)"
s1=$(state)
rc=0; play apply.yml -e profile=db-client -e expect_changed=false --diff || rc=$?
[ $rc = 0 ] && [ "$(recap)" = "changed=0 unreachable=0 failed=0" ] && [ "$(state)" = "$s1" ] && ! grep -q '^+++ ' <<<"$aout" &&
  ok "apply again: changed=0, nothing written, no diff (idempotent)" || bad "apply again: rc $rc, $(recap): $aout"
rc=0; play apply.yml -e profile=db-client -e expect_changed=false --check --diff || rc=$?
[ $rc = 0 ] && [ "$(recap)" = "changed=0 unreachable=0 failed=0" ] && [ "$(state)" = "$s1" ] &&
  ok "check mode after the apply: changed=0" || bad "check mode after the apply: rc $rc, $(recap): $aout"

# 4. tcptune_check: facts, read-only, in check mode too
rc=0; play check.yml -e profile=db-client -e '{"expect_change_keys": []}' --check || rc=$?
[ $rc = 0 ] && [ "$(recap)" = "changed=0 unreachable=0 failed=0" ] && [ "$(state)" = "$s1" ] &&
  ok "tcptune_check after the apply: facts, no pending change" || bad "tcptune_check: rc $rc, $(recap): $aout"

# 5. rollback: check mode (rollback --dry-run) changes nothing; then for real; then nothing to do
rc=0; play apply.yml -e rollback=last -e expect_changed=true --check --diff || rc=$?
if [ $rc = 0 ] && [ "$(recap)" = "changed=1 unreachable=0 failed=0" ] && [ "$(state)" = "$s1" ] &&
  grep -q '^+++ after: /etc/sysctl.d/99-tcptune.conf (removed)$' <<<"$aout" &&
  grep -q '^+net.ipv4.tcp_keepalive_time = 7200$' <<<"$aout"; then
  ok "rollback in check mode: changed=1, the diff back to the state before, nothing changed"
else
  bad "rollback in check mode: rc $rc, $(recap): $aout"
fi
rc=0; play apply.yml -e rollback=last -e expect_changed=true || rc=$?
[ $rc = 0 ] && [ "$(recap)" = "changed=1 unreachable=0 failed=0" ] &&
  [ "$(live tcp_keepalive_time) $(live tcp_tw_reuse)" = "7200 2" ] && [ ! -e /etc/sysctl.d/99-tcptune.conf ] &&
  ok "rollback: changed=1, live values and fragment as before" || bad "rollback: rc $rc, $(recap): $aout"
s2=$(state)
rc=0; play apply.yml -e rollback=last -e expect_changed=false || rc=$?
[ $rc = 0 ] && [ "$(recap)" = "changed=0 unreachable=0 failed=0" ] && [ "$(state)" = "$s2" ] &&
  ok "rollback again: changed=0" || bad "rollback again: rc $rc, $(recap): $aout"
rc=0; play check.yml -e profile=db-client -e '{"expect_change_keys": ["net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_tw_reuse"]}' || rc=$?
[ $rc = 0 ] && ok "tcptune_check after the rollback: both changes pending again" || bad "tcptune_check: rc $rc: $aout"

# 5b. tcptune_check's owners: a process holding 120 CLOSE_WAIT sockets in this namespace (the
# peers closed, it did not) is named on the CLOSE_WAIT finding (TT6015), as a fact, not inferred.
ip link set lo up || bad "ip link set lo up in the test's namespace"
python3 - "$tmp/holder.ready" <<'PY' &
import socket, sys, time
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", 0))
srv.listen(256)
clients = [socket.create_connection(srv.getsockname(), timeout=5) for _ in range(120)]
held = [srv.accept()[0] for _ in range(120)]
for c in clients:
    c.close()
time.sleep(0.5)
open(sys.argv[1], "w").close()
time.sleep(60)  # ended by the test; bounded either way
PY
holder=$!
for _ in $(seq 100); do [ -e "$tmp/holder.ready" ] && break; sleep 0.1; done
# (Every connection is on loopback now, where tcp_tw_reuse = 2 already reuses: one change left.)
rc=0; play check.yml -e profile=db-client -e '{"expect_change_keys": ["net.ipv4.tcp_keepalive_time"]}' \
  -e expect_owner=python3 -e expect_owner_code=TT6015 || rc=$?
[ -e "$tmp/holder.ready" ] || bad "the CLOSE_WAIT holder did not get ready"
[ $rc = 0 ] && [ -e "$tmp/holder.ready" ] && ok "tcptune_check's owners fact: python3 holds the sockets of TT6015 (not inferred)" || bad "tcptune_check owners: rc $rc: $aout"
kill "$holder" 2>/dev/null; wait "$holder" 2>/dev/null || true

# 6. failures, on fixture roots: tcptune's exit code and message, 4 and 5 told apart
fx=$tmp/fx
rc=0; play apply.yml -e profile=no-such-profile -e "root=$fx/idle-default" -e expect_failure=2 -e expect_kind=invalid_input || rc=$?
[ $rc = 0 ] && grep -q '"rc": 2' <<<"$aout" && ok "exit 2 (unknown profile): failed with rc 2" || bad "exit 2: rc $rc: $aout"
rc=0; play apply.yml -e profile=web -e "root=$fx/blog-sysctl-conf" -e expect_failure=3 -e expect_kind=refused_or_system_error || rc=$?
[ $rc = 0 ] && grep -q 'refusals: ' <<<"$aout" && ok "exit 3 (a later file shadows the fragment): failed with rc 3 and the refusal" || bad "exit 3: rc $rc: $aout"
# fix_files: the same shadowed root fixed in the transaction; check mode with diff shows the
# edited file and changes nothing, the apply edits it, the rollback puts it back byte for byte.
cp -a "$fx/blog-sysctl-conf" "$tmp/ffix"
conf_sum=$(sha256sum <"$tmp/ffix/etc/sysctl.conf")
rc=0; play apply.yml -e profile=web -e "root=$tmp/ffix" -e fix_files=true -e expect_changed=true --check --diff || rc=$?
[ $rc = 0 ] && grep -q '^+# disabled by tcptune [0-9TZ-]*: profile web wants net.ipv4.tcp_tw_recycle absent' <<<"$aout" &&
  grep -q '^-net.ipv4.tcp_tw_recycle = 1' <<<"$aout" && [ "$(sha256sum <"$tmp/ffix/etc/sysctl.conf")" = "$conf_sum" ] &&
  ok "fix_files, check mode --diff: /etc/sysctl.conf before and after, nothing written" || bad "fix_files --check --diff: rc $rc: $aout"
rc=0; play apply.yml -e profile=web -e "root=$tmp/ffix" -e fix_files=true -e expect_changed=true --diff || rc=$?
[ $rc = 0 ] && grep -q '^# disabled by tcptune ' "$tmp/ffix/etc/sysctl.conf" && ! grep -q '^net.ipv4.tcp_tw_recycle' "$tmp/ffix/etc/sysctl.conf" &&
  ok "fix_files: applied, the blog lines disabled in /etc/sysctl.conf" || bad "fix_files apply: rc $rc: $aout"
rc=0; play apply.yml -e rollback=last -e "root=$tmp/ffix" -e expect_changed=true --diff || rc=$?
[ $rc = 0 ] && [ "$(sha256sum <"$tmp/ffix/etc/sysctl.conf")" = "$conf_sum" ] && grep -q '^-# disabled by tcptune' <<<"$aout" &&
  ok "fix_files: rollback restores /etc/sysctl.conf byte for byte (its diff shown)" || bad "fix_files rollback: rc $rc: $aout"
cp -a "$fx/idle-default" "$tmp/f4"
rc=0; play apply.yml -e profile=db-client -e "root=$tmp/f4" -e "tcptune_bin=$tmp/bin/tcptune_faulty" \
  -e '{"fault_env": {"TCPTUNE_FAULT": "live:1", "TCPTUNE_FAULT_ACTION": "fail"}}' -e expect_failure=4 -e expect_kind=failed_rolled_back || rc=$?
[ $rc = 0 ] && grep -q 'failed and everything was rolled back (exit 4)' <<<"$aout" && [ "$(cat "$tmp/f4/proc/sys/net/ipv4/tcp_keepalive_time")" = 7200 ] &&
  ok "exit 4 (a live write failed): failure failed_rolled_back, values as before" || bad "exit 4: rc $rc: $aout"
cp -a "$fx/idle-default" "$tmp/f5"
rc=0; play apply.yml -e profile=db-client -e "root=$tmp/f5" -e "tcptune_bin=$tmp/bin/tcptune_faulty" \
  -e '{"fault_env": {"TCPTUNE_FAULT": "live:2,rollback:1", "TCPTUNE_FAULT_ACTION": "fail"}}' -e expect_failure=5 -e expect_kind=failed_rollback_incomplete || rc=$?
[ $rc = 0 ] && grep -q 'rollback is INCOMPLETE (exit 5)' <<<"$aout" && grep -q 'NOT restored: net.ipv4.tcp_tw_reuse' <<<"$aout" &&
  ok "exit 5 (the rollback failed too): failure failed_rollback_incomplete, what is left named" || bad "exit 5: rc $rc: $aout"

echo "inner: $pass passed, $fails failed"
[ $fails = 0 ]
INNER

rc=0
timeout 900 unshare -m -n bash "$tmp/inner.sh" "$tmp" "$tests/integrations/ansible" \
  "$(readlink /proc/self/ns/net)" "$(readlink /proc/self/ns/mnt)" "$src/examples/ansible" || rc=$?
after=$(host_state)
fails=0
if [[ "$before" != "$after" ]]; then
  echo "FAIL: HOST STATE CHANGED: $(diff <(echo "$before") <(echo "$after"))"
  fails=1
else
  echo "ok: the host's values and files are as before"
fi
# TCPTUNE_ANSIBLE_DIFF_OUT=FILE keeps the example's check-mode output (for the documentation).
if [[ -n "${TCPTUNE_ANSIBLE_DIFF_OUT:-}" && -f "$tmp/example-check-diff.out" ]]; then
  cp "$tmp/example-check-diff.out" "$TCPTUNE_ANSIBLE_DIFF_OUT"
fi
((rc == 0 && fails == 0))
