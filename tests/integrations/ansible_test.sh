#!/usr/bin/env bash
# The Ansible examples run by Debian's ansible-playbook against localhost (-c local), on --root
# fixture trees only (never the host's /etc or /proc/sys):
#   ansible_test.sh TCPTUNE_BIN TESTS_DIR
# examples/ansible/tcptune-apply.yml: --check and --check --diff change nothing (every file,
# mode and content of the tree compared before and after) and report the plan's changes as
# "changed" with the fragment's diff; a normal run applies into the tree (live values under
# ROOT/proc/sys, the fragment, the journal); then --check reports nothing to change and a
# second run changes nothing. examples/ansible/tcptune-check.yml works in --check mode.
# Exit 77 when ansible-playbook is missing.
set -uo pipefail
if (($# != 2)); then
  echo "usage: ansible_test.sh TCPTUNE_BIN TESTS_DIR" >&2
  exit 2
fi
bin=$(realpath "$1")
tests=$(realpath "$2")
src=$(dirname "$tests")
export TCPTUNE_DATA_DIR=${TCPTUNE_DATA_DIR:-$src}
export NO_COLOR=1 ANSIBLE_NOCOLOR=1
unset TCPTUNE_FAULT TCPTUNE_FAULT_ACTION
command -v ansible-playbook >/dev/null || {
  echo "SKIP: ansible-playbook not found (Debian package ansible)"
  exit 77
}
pass=0
fails=0
ok() { pass=$((pass + 1)); echo "ok: $*"; }
bad() { fails=$((fails + 1)); echo "FAIL: $*"; }

tmp=$(mktemp -d /tmp/tcptune-ansible.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
export HOME=$tmp ANSIBLE_LOCAL_TEMP=$tmp/ansible ANSIBLE_REMOTE_TEMP=$tmp/ansible
timeout 120 python3 "$tests/fixtures/check/make_fixtures.py" --out "$tmp/fx" >/dev/null ||
  { echo "FAIL: make_fixtures.py"; exit 1; }
root=$tmp/fx/web-blog
# Safety: the tree's proc/sys must be plain fixture files, never a mounted procfs or sysfs.
for d in "$root/proc" "$root/proc/sys"; do
  t=$(stat -f -c %T "$d")
  [[ "$t" != proc && "$t" != sysfs ]] || { echo "FAIL: $d is a $t mount: refusing"; exit 1; }
done

snapshot() {  # every path, type, mode and content hash of the tree
  (cd "$root" && find . -printf '%p %y %m\n' | sort && find . -type f -print0 | sort -z | xargs -0 sha256sum)
}
play() {  # play PLAYBOOK ARGS... -> rc; output in $aout
  local pb=$1 rc=0
  shift
  aout=$(cd "$tmp" && timeout 180 ansible-playbook -i localhost, -c local -e ansible_become=false \
    -e "tcptune_bin=$bin" "$@" "$src/examples/ansible/$pb" 2>&1) || rc=$?
  return $rc
}
recap() { grep -o 'changed=[0-9]*' <<<"$aout" | tail -1; }
apply_yml=tcptune-apply.yml

before=$(snapshot)
rc=0
play $apply_yml -e "tcptune_root=$root" --check || rc=$?
if ((rc == 0)) && [[ $(recap) == changed=1 ]] &&
  grep -q 'net.ipv4.tcp_slow_start_after_idle: 1 -> 0' <<<"$aout"; then
  ok "apply --check: exit 0, changed, the plan's two changes listed ($(ansible-playbook --version | sed -n 1p))"
else
  bad "apply --check: exit $rc, $(recap): $aout"
fi
[[ "$(snapshot)" == "$before" ]] && ok "apply --check changed nothing in the tree" || bad "apply --check changed the tree"
rc=0
play $apply_yml -e "tcptune_root=$root" --check --diff || rc=$?
if ((rc == 0)) && [[ $(recap) == changed=2 ]] && grep -q '^+net.ipv4.tcp_slow_start_after_idle = 0$' <<<"$aout" &&
  grep -q '^+net.ipv4.tcp_slow_start_after_idle = 0$' <<<"$aout"; then
  ok "apply --check --diff: the fragment's diff shown, changed"
else
  bad "apply --check --diff: exit $rc, $(recap): $aout"
fi
[[ "$(snapshot)" == "$before" ]] && ok "apply --check --diff changed nothing in the tree" || bad "apply --check --diff changed the tree"

rc=0
play $apply_yml -e "tcptune_root=$root" || rc=$?
if ((rc == 0)) && [[ $(recap) == changed=1 ]] &&
  [[ $(cat "$root/proc/sys/net/ipv4/tcp_slow_start_after_idle") == 0 ]] &&
  grep -q '^net.ipv4.tcp_slow_start_after_idle = 0$' "$root/etc/sysctl.d/99-tcptune.conf" &&
  [[ -n "$(ls "$root/var/lib/tcptune" 2>/dev/null)" ]]; then
  ok "apply: changed; live values, fragment and journal written under the fixture root"
else
  bad "apply: exit $rc, $(recap): $aout"
fi
after_apply=$(snapshot)
rc=0
play $apply_yml -e "tcptune_root=$root" --check --diff || rc=$?
((rc == 0)) && [[ $(recap) == changed=0 ]] && grep -q 'nothing to change' <<<"$aout" &&
  [[ "$(snapshot)" == "$after_apply" ]] && ok "apply --check --diff after applying: nothing to change, tree unchanged" ||
  bad "apply --check --diff after applying: exit $rc, $(recap): $aout"
rc=0
play $apply_yml -e "tcptune_root=$root" || rc=$?
((rc == 0)) && [[ $(recap) == changed=0 ]] && [[ "$(snapshot)" == "$after_apply" ]] &&
  ok "apply again: changed=0, tree unchanged (idempotent)" || bad "apply again: exit $rc, $(recap): $aout"
mkdir -p "$tmp/empty"
rc=0
play $apply_yml -e "tcptune_root=$tmp/empty" --check || rc=$?
((rc == 2)) && grep -q '"rc": 3' <<<"$aout" && ok "apply --check on a root without /proc/sys: the plan task fails with tcptune's rc 3" ||
  bad "apply --check on an empty root: exit $rc: $aout"

# The check playbook in --check mode: the read-only command runs, the report is judged.
fresh=$tmp/fx/idle-default
rc=0
play tcptune-check.yml -e "{\"tcptune_extra_args\": [\"--root\", \"$fresh\"]}" --check --diff || rc=$?
((rc == 0)) && [[ $(recap) == changed=0 ]] && ok "check playbook --check --diff on idle-default: passes" ||
  bad "check playbook --check on idle-default: exit $rc: $aout"
rc=0
play tcptune-check.yml -e "{\"tcptune_extra_args\": [\"--root\", \"$root\"]}" -e tcptune_fail_on=info --check || rc=$?
((rc == 2)) && grep -q 'finding(s) at or above info' <<<"$aout" && ! grep -q from_json <<<"$aout" &&
  ok "check playbook --check: runs tcptune and fails on the findings (not on an empty stdout)" ||
  bad "check playbook --check: exit $rc: $aout"

echo "ansible: $pass passed, $fails failed"
((fails == 0))
