#!/usr/bin/env bash
# Live apply test: `tcptune apply` / `rollback` / `history` against the real kernel, with the
# default root (/), inside a mount and network namespace this test creates (unshare -m -n):
# net.* values there are private to the namespace, and tmpfs mounts over /etc/sysctl.d,
# /var/lib and /run keep the fragment, the journal and the lock away from the host's. Exit 77
# (skipped, with the reason) when the machine cannot create those namespaces.
#   live_apply_test.sh TCPTUNE TESTS_DIR
# Cases: a. end-to-end apply/history/rollback; b. the kernel refuses a value (EINVAL);
# c. a read-only key (EACCES); d. fragment directory read-only, and full; e. two applies at
# once (the lock); f. not root, and /proc/sys read-only; g. --netns PATH; h. values the kernel
# rewrites on every interface (ip_forward), after a rollback and a failed apply.
set -u
src_bin=$(realpath "$1")
tests=$(realpath "$2")
data=${TCPTUNE_DATA_DIR:-$(dirname "$tests")}
export TCPTUNE_DATA_DIR="$data"
command -v unshare >/dev/null || { echo "SKIP: unshare not installed"; exit 77; }
command -v python3 >/dev/null || { echo "SKIP: python3 not installed"; exit 77; }
command -v setpriv >/dev/null || { echo "SKIP: setpriv not installed"; exit 77; }
command -v nsenter >/dev/null || { echo "SKIP: nsenter not installed"; exit 77; }
command -v ip >/dev/null || { echo "SKIP: ip (iproute2) not installed"; exit 77; }
if ((EUID != 0)); then
  echo "SKIP: needs root (to create mount and network namespaces and write /proc/sys in them)"
  exit 77
fi
if ! unshare -m -n true 2>/dev/null; then
  echo "SKIP: cannot create mount and network namespaces here (unshare -m -n)"
  exit 77
fi

tmp=$(mktemp -d /tmp/tcptune-live-apply.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
chmod 0755 "$tmp"
# A private copy of the binary: a rebuild during the run must not swap it under the test.
bin=$tmp/tcptune
cp "$src_bin" "$bin" || { echo "FAIL: cannot copy $src_bin"; exit 1; }

# The host's state, compared at the end: this test must never change it.
host_state() {
  for k in net/ipv4/tcp_tw_reuse net/ipv4/tcp_keepalive_time net/ipv4/tcp_slow_start_after_idle \
    net/ipv4/tcp_max_syn_backlog net/ipv4/tcp_max_tw_buckets net/core/somaxconn net/core/optmem_max \
    net/core/rmem_max; do
    printf '%s=%s\n' "$k" "$(cat "/proc/sys/$k" 2>/dev/null)"
  done
  ls -la --time-style=+ /etc/sysctl.d 2>&1
  for p in /var/lib/tcptune /run/tcptune.lock /etc/sysctl.d/99-tcptune.conf; do
    [[ -e "$p" ]] && echo "exists: $p"
  done
}
host_before=$(host_state)

# A data directory where the catalog lets a profile ask for tcp_tw_reuse = 3 (the kernel says
# EINVAL) and treats net.core.rmem_max as writable in a namespace (the kernel says EACCES): the
# failures must come from the kernel, not from tcptune's own validation.
mkdir -p "$tmp/data"
cp -r "$data/rules" "$data/profiles" "$tmp/data/"
python3 - "$tmp/data/rules/keys.toml" <<'PY' || { echo "FAIL: could not widen the copied catalog"; exit 1; }
import sys
path = sys.argv[1]
text = open(path).read()
blocks = text.split("\n[[key]]\n")
done = set()
for i, b in enumerate(blocks):
    if b.startswith('name = "net.ipv4.tcp_tw_reuse"\n') and "values = [0, 1, 2]\n" in b:
        blocks[i] = b.replace("values = [0, 1, 2]\n", "values = [0, 1, 2, 3]\n")
        done.add("tw_reuse")
    if b.startswith('name = "net.core.rmem_max"\n') and 'netns = "readonly"\n' in b:
        blocks[i] = b.replace('netns = "readonly"\n', 'netns = "yes"\n')
        done.add("rmem_max")
open(path, "w").write("\n[[key]]\n".join(blocks))
sys.exit(0 if done == {"tw_reuse", "rmem_max"} else 1)
PY
# The generated catalog holds the range the kernel enforces (0..2): widen it too, so that 3 reaches
# the kernel and its EINVAL is what the test sees.
grep -q $'^net/ipv4/tcp_tw_reuse\tuint\t0\t2\t' "$tmp/data/rules/kernel_keys.tsv" &&
  sed -i $'s|^net/ipv4/tcp_tw_reuse\tuint\t0\t2\t|net/ipv4/tcp_tw_reuse\tuint\t0\t3\t|' "$tmp/data/rules/kernel_keys.tsv" ||
  { echo "FAIL: could not widen tcp_tw_reuse in the copied generated catalog"; exit 1; }
cat >"$tmp/data/profiles/bad-reuse.toml" <<'EOF'
name = "bad-reuse"
extends = "db-client"
summary = "Test only: tcp_tw_reuse = 3, which the kernel refuses with EINVAL."

[[setting]]
key = "net.ipv4.tcp_tw_reuse"
op = "="
value = 3
rationale = "Test: the kernel accepts 0..2 only."
reference = "live_apply_test.sh"

[[setting]]
key = "net.ipv4.tcp_slow_start_after_idle"
op = "="
value = 0
rationale = "Test: a writable key besides."
reference = "live_apply_test.sh"

[[setting]]
key = "net.core.somaxconn"
op = ">="
value = 8192
rationale = "Test: a writable key that sorts first."
reference = "live_apply_test.sh"
EOF
cat >"$tmp/data/profiles/fwd.toml" <<'EOF'
name = "fwd"
summary = "Test only: ip_forward = 1, which the kernel copies to every interface."

[[setting]]
key = "net.ipv4.ip_forward"
op = "="
value = 1
rationale = "Test: the kernel rewrites every interface's forwarding."
reference = "live_apply_test.sh"
EOF
cat >"$tmp/data/profiles/fwd-bad.toml" <<'EOF'
name = "fwd-bad"
extends = "fwd"
summary = "Test only: ip_forward = 1, then tcp_tw_reuse = 3, which the kernel refuses."

[[setting]]
key = "net.ipv4.tcp_tw_reuse"
op = "="
value = 3
rationale = "Test: EINVAL after ip_forward was written."
reference = "live_apply_test.sh"
EOF
cat >"$tmp/data/profiles/rmem.toml" <<'EOF'
name = "rmem"
extends = "web"
summary = "Test only: net.core.rmem_max, read-only (0444) in a child network namespace."

[[setting]]
key = "net.core.optmem_max"
op = ">="
value = 1048576
rationale = "Test: writable, sorts before rmem_max."
reference = "live_apply_test.sh"

[[setting]]
key = "net.core.rmem_max"
op = ">="
value = 16777216
rationale = "Test: EACCES in a child namespace."
reference = "live_apply_test.sh"

[[setting]]
key = "net.core.somaxconn"
op = ">="
value = 8192
rationale = "Test: writable, sorts after rmem_max."
reference = "live_apply_test.sh"
EOF
outer_netns=$(stat -L -c '%d:%i' /proc/self/ns/net)
mkdir -p "$tmp/host-sysctl.d"
cp -a /etc/sysctl.d/. "$tmp/host-sysctl.d/" 2>/dev/null

unshare -m -n bash -s "$bin" "$tmp" "$outer_netns" <<'INNER'
set -u
bin=$1 tmp=$2 outer_netns=$3
export NO_COLOR=1
unset TCPTUNE_FAULT TCPTUNE_FAULT_ACTION TCPTUNE_FAULT_STALL_SECONDS
# --- the sandbox; any failure here stops the test before tcptune writes anything -------------
die() { echo "FAIL: sandbox: $*"; exit 1; }
[[ $(stat -L -c '%d:%i' /proc/self/ns/net) != "$outer_netns" ]] || die "still in the host's network namespace"
mount --make-rprivate / || die "mount --make-rprivate /"
mount -t tmpfs -o mode=0755 tcptune-sysctl.d /etc/sysctl.d || die "tmpfs on /etc/sysctl.d"
cp -a "$tmp/host-sysctl.d/." /etc/sysctl.d/ || die "copy the host's sysctl.d files"
mount -t tmpfs -o mode=0755 tcptune-run /run || die "tmpfs on /run"
mount -t tmpfs -o mode=0755 tcptune-var-lib /var/lib || die "tmpfs on /var/lib"
# Every other sysctl.d directory (tcptune reads them for shadowing): a tmpfs copy, so that
# nothing here can reach the host's files.
for d in /usr/lib/sysctl.d /usr/local/lib/sysctl.d /lib/sysctl.d; do
  [[ -d $d && ! -L $d ]] || continue
  mkdir -p "$tmp/copy$d" && cp -a "$d/." "$tmp/copy$d/" || die "copy $d"
  mount -t tmpfs -o mode=0755 tcptune-sysctl-d "$d" || die "tmpfs on $d"
  cp -a "$tmp/copy$d/." "$d/" || die "restore the copy of $d"
  [[ $(stat -f -c %T "$d") == tmpfs ]] || die "$d is not the test's tmpfs"
done
if [[ -e /etc/sysctl.conf ]]; then
  printf '# live_apply_test.sh: empty /etc/sysctl.conf\n' >"$tmp/sysctl.conf"
  mount --bind "$tmp/sysctl.conf" /etc/sysctl.conf || die "bind over /etc/sysctl.conf"
fi
for d in /etc/sysctl.d /run /var/lib; do
  [[ $(stat -f -c %T "$d") == tmpfs ]] || die "$d is not the test's tmpfs"
done

pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok: $1"; }
bad() { fail=$((fail + 1)); echo "FAIL: $1"; [[ -n "${2:-}" ]] && sed 's/^/    /' <<<"$2" | head -40; }
# t OUT ARGS...: run tcptune, stdout+stderr to $tmp/OUT.out, exit code in $rc.
t() { local o=$1; shift; timeout 60 "$bin" "$@" >"$tmp/$o.out" 2>&1; rc=$?; }
# The fault-injecting build of the same library (TCPTUNE_FAULT); the shipped binary has none.
faulty=${TCPTUNE_FAULTY_BIN:?TCPTUNE_FAULTY_BIN: the tcptune_faulty test binary}
show() { printf '$ tcptune %s\nexit %s\n%s' "$1" "$rc" "$(head -c 3000 "$tmp/$2.out")"; }
keys="net.ipv4.tcp_tw_reuse net.ipv4.tcp_keepalive_time net.ipv4.tcp_slow_start_after_idle
net.ipv4.tcp_max_syn_backlog net.ipv4.tcp_max_tw_buckets net.ipv4.tcp_timestamps
net.ipv4.tcp_syncookies net.ipv4.ip_local_port_range net.core.somaxconn net.core.optmem_max
net.core.rmem_max"
# The live values of every key the profiles here touch, and the fragment directory's files.
state() {
  local k
  for k in $keys; do printf '%s=%s\n' "$k" "$(cat "/proc/sys/${k//.//}" 2>/dev/null)"; done
  (cd /etc/sysctl.d && for f in $(ls -A); do
    if [[ -L $f ]]; then echo "$f -> $(readlink "$f")"; else echo "$f $(stat -c %a "$f") $(md5sum <"$f")"; fi
  done)
}
journal_ids() { ls /var/lib/tcptune 2>/dev/null | sed -n 's/\.json$//p' | sort; }
new_ids() { comm -13 <(printf '%s\n' "$1") <(journal_ids) | grep .; }
jstate() {
  python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("state"))' "/var/lib/tcptune/$1.json" 2>&1
}
jfield() {
  python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1])).get(sys.argv[2])))' \
    "/var/lib/tcptune/$1.json" "$2" 2>&1
}
# This namespace is not the initial one: apply writes the fragment only with --persist (not
# with --netns, which is live-only by design).
persist_flag() { [[ " $* " == *" --netns "* ]] || echo --persist; }
# targets PROFILE [ARGS]: "key=target" lines of the live changes, from apply --dry-run --format json.
targets() {
  local p=$1; shift
  "$bin" apply --profile "$p" --dry-run --format json $(persist_flag "$@") "$@" 2>/dev/null | python3 -c '
import json, sys
for c in json.load(sys.stdin).get("changes", []):
    live = c.get("live_change")
    if live is None:
        live = c.get("target") is not None and " ".join(str(c.get("current")).split()) != " ".join(str(c["target"]).split())
    if live:
        print("%s=%s" % (c["key"], " ".join(str(c["target"]).split())))' 2>/dev/null
}
live_is() { [[ "$(tr -s ' \t\n' '  ' <"/proc/sys/${1//.//}" | sed 's/ *$//')" == "$2" ]]; }
at_targets() {
  local k v bad_keys=""
  while IFS='=' read -r k v; do live_is "$k" "$v" || bad_keys+=" $k=$(cat "/proc/sys/${k//.//}")"; done <<<"$1"
  [[ -z "$bad_keys" ]] || { echo "not at target:$bad_keys"; return 1; }
}
no_pending() {
  local id
  for id in $(journal_ids); do
    case $(jstate "$id") in pending | rollback-failed) return 1 ;; esac
  done
}
baseline=$(state)

# --- a. end-to-end ------------------------------------------------------------------------------
before=$(state) ids=$(journal_ids)
tg=$(targets db-client)
if [[ -z "$tg" ]]; then
  bad "a. db-client has no live changes in a fresh namespace" "$("$bin" apply --persist --profile db-client --dry-run 2>&1)"
else
  t a1 apply --persist --profile db-client
  id=$(new_ids "$ids")
  if ((rc != 0)); then bad "a. apply --profile db-client: exit $rc" "$(show "apply --profile db-client" a1)"
  elif ! msg=$(at_targets "$tg"); then bad "a. live values after apply: $msg"
  elif [[ ! -f /etc/sysctl.d/99-tcptune.conf ]]; then bad "a. no fragment after apply"
  elif [[ $(wc -l <<<"$id") != 1 || $(jstate "$id") != committed ]]; then bad "a. journal: ids '$id' state $(jstate "$id")"
  else
    ok "a. apply --profile db-client set $(wc -l <<<"$tg") live values and the fragment"
    t a2 history
    if ((rc == 0)) && grep -q -- "$id" "$tmp/a2.out"; then ok "a. history lists $id"
    else bad "a. history" "$(show history a2)"; fi
    t a3 rollback
    if ((rc != 0)); then bad "a. rollback: exit $rc" "$(show rollback a3)"
    elif [[ "$(state)" != "$before" ]]; then bad "a. state after rollback" "$(diff <(echo "$before") <(state))"
    elif [[ -e /etc/sysctl.d/99-tcptune.conf ]]; then bad "a. fragment still there after rollback"
    elif [[ $(jstate "$id") != rolled-back ]]; then bad "a. journal state after rollback: $(jstate "$id")"
    else ok "a. rollback restored every key exactly and removed the fragment"; fi
  fi
fi
[[ "$(state)" == "$baseline" ]] || { bad "a. left the namespace changed; stopping" "$(diff <(echo "$baseline") <(state))"; echo "apply_live: $pass passed, $fail failed"; exit 1; }

# failed_apply_case NAME PROFILE WANT_RCS MENTION [ARGS...]: apply fails, everything is restored.
failed_apply_case() {
  local name=$1 profile=$2 want=$3 mention=$4; shift 4
  local before ids id
  before=$(state) ids=$(journal_ids)
  if [[ -z "$(targets "$profile" "$@")" ]]; then
    bad "$name: profile $profile has no live changes here" "$("$bin" apply --persist --profile "$profile" --dry-run "$@" 2>&1 | head -30)"
    return
  fi
  t fa apply --persist --profile "$profile" "$@"
  id=$(new_ids "$ids")
  if [[ " $want " != *" $rc "* ]]; then bad "$name: exit $rc, expected $want" "$(show "apply --profile $profile $*" fa)"
  elif [[ "$(state)" != "$before" ]]; then bad "$name: not restored exactly" "$(diff <(echo "$before") <(state))"
  elif ! grep -q -- "$mention" "$tmp/fa.out"; then bad "$name: the message does not mention $mention" "$(show "apply --profile $profile" fa)"
  elif ((rc == 4)) && [[ $(wc -l <<<"$id") != 1 || $(jstate "$id") != rolled-back ]]; then
    bad "$name: journal '$id' state $(jstate "$id"), expected rolled-back"
  elif ((rc == 3)) && [[ -n "$id" ]] && [[ $(jstate "$id") != rolled-back ]]; then
    bad "$name: refused (3) but left journal $id in state $(jstate "$id")"
  else
    ok "$name: exit $rc, everything restored"
  fi
}

# --- b. the kernel refuses a value: EINVAL --------------------------------------------------------
failed_apply_case "b. tcp_tw_reuse = 3 (EINVAL)" bad-reuse 4 tcp_tw_reuse --data-dir "$tmp/data"

# --- c. a read-only key: EACCES ---------------------------------------------------------------------
if [[ -w /proc/sys/net/core/rmem_max ]]; then
  echo "skip: c. net.core.rmem_max is writable in this namespace (kernel $(uname -r)); not writing it"
else
  failed_apply_case "c. net.core.rmem_max read-only (EACCES)" rmem 4 rmem_max --data-dir "$tmp/data"
fi

# --- d. fragment directory read-only, then full ----------------------------------------------------
if mount -o remount,ro /etc/sysctl.d; then
  failed_apply_case "d. /etc/sysctl.d read-only" web "3 4" sysctl.d
  mount -o remount,rw /etc/sysctl.d || die "remount /etc/sysctl.d rw"
else
  bad "d. could not remount /etc/sysctl.d read-only"
fi
if mount -t tmpfs -o size=4k,mode=0755 tcptune-full /etc/sysctl.d; then
  cp -a "$tmp/host-sysctl.d/." /etc/sysctl.d/ 2>/dev/null
  dd if=/dev/zero of=/etc/sysctl.d/zz-filler bs=1k count=64 2>/dev/null
  if printf 'x' >>/etc/sysctl.d/zz-filler 2>/dev/null; then
    bad "d. could not fill the 4k tmpfs"
  else
    failed_apply_case "d. /etc/sysctl.d full (ENOSPC)" web "3 4" sysctl.d
  fi
  umount /etc/sysctl.d || die "umount the full tmpfs"
else
  bad "d. could not mount a 4k tmpfs"
fi
[[ "$(state)" == "$baseline" ]] || { bad "d. left the namespace changed; stopping" "$(diff <(echo "$baseline") <(state))"; echo "apply_live: $pass passed, $fail failed"; exit 1; }

# --- e. two applies at once ------------------------------------------------------------------------
before=$(state) ids=$(journal_ids)
tg=$(targets web)
TCPTUNE_FAULT=journal TCPTUNE_FAULT_ACTION=stall TCPTUNE_FAULT_STALL_SECONDS=4 \
  "$faulty" apply --persist --profile web >"$tmp/e1.out" 2>&1 &
p1=$!   # tcptune itself (no wrapper), so that $p1 is the pid the lock holder reports
sleep 1
t e2 apply --persist --profile web
rc2=$rc
for _ in $(seq 300); do kill -0 "$p1" 2>/dev/null || break; sleep 0.1; done
kill "$p1" 2>/dev/null
wait "$p1"
rc1=$?
new=$(new_ids "$ids")
if [[ "$rc1:$rc2" != "0:3" && "$rc1:$rc2" != "3:0" ]]; then
  bad "e. two applies: exits $rc1 and $rc2, expected one 0 and one 3" "$(cat "$tmp/e1.out"; echo ---; cat "$tmp/e2.out")"
elif [[ $rc2 == 3 ]] && ! grep -q "pid $p1" "$tmp/e2.out"; then
  bad "e. the refused apply does not name the holder (pid $p1)" "$(cat "$tmp/e2.out")"
elif [[ $rc1 == 3 ]] && ! grep -q "pid " "$tmp/e1.out"; then
  bad "e. the refused apply does not name the holder's pid" "$(cat "$tmp/e1.out")"
elif ! msg=$(at_targets "$tg"); then
  bad "e. live values: $msg"
elif [[ $(wc -l <<<"$new") != 1 || $(jstate "$new") != committed ]]; then
  bad "e. journal entries: '$new' (state $(jstate "${new%%$'\n'*}")), expected one committed"
else
  ok "e. two applies at once: one committed, the other refused naming pid $p1"
fi
t e3 rollback
((rc == 0)) && [[ "$(state)" == "$before" ]] || bad "e. rollback after the lock case: exit $rc" "$(diff <(echo "$before") <(state); cat "$tmp/e3.out")"

# --- f. not root; /proc/sys read-only ---------------------------------------------------------------
before=$(state) ids=$(journal_ids)
setpriv --reuid=65534 --regid=65534 --clear-groups timeout 60 "$bin" apply --persist --profile web >"$tmp/f1.out" 2>&1
rc=$?
if ((rc != 3)); then bad "f. apply as uid 65534: exit $rc, expected 3" "$(cat "$tmp/f1.out")"
elif [[ "$(state)" != "$before" || -n "$(new_ids "$ids")" ]]; then bad "f. apply as uid 65534 touched something"
else ok "f. apply as uid 65534: exit 3, nothing touched"; fi
unshare -m bash -c '
  mount --make-rprivate / && mount --bind /proc/sys /proc/sys && mount -o remount,bind,ro /proc/sys || exit 90
  [[ $(findmnt -n -o OPTIONS /proc/sys) == ro,* || $(findmnt -n -o OPTIONS /proc/sys) == *,ro,* ]] || exit 91
  exec timeout 60 "$1" apply --persist --profile web' sh "$bin" >"$tmp/f2.out" 2>&1
rc=$?
if ((rc == 90 || rc == 91)); then bad "f. could not bind-mount /proc/sys read-only ($rc)" "$(cat "$tmp/f2.out")"
elif ((rc != 3)); then bad "f. apply with /proc/sys read-only: exit $rc, expected 3" "$(cat "$tmp/f2.out")"
elif [[ "$(state)" != "$before" ]]; then bad "f. apply with /proc/sys read-only touched something" "$(diff <(echo "$before") <(state))"
elif [[ -n "$(new_ids "$ids")" ]]; then bad "f. apply with /proc/sys read-only wrote a journal entry: $(new_ids "$ids")"
else ok "f. apply with /proc/sys read-only: exit 3 before touching anything"; fi

# --- g. --netns PATH ---------------------------------------------------------------------------------
if ip netns add tcptune-test 2>"$tmp/g0.out"; then
  nsfile=/run/netns/tcptune-test
  nsstate() { local k; for k in $keys; do printf '%s=%s\n' "$k" "$(nsenter --net="$nsfile" cat "/proc/sys/${k//.//}" 2>/dev/null)"; done; }
  ns_before=$(nsstate) before=$(state) ids=$(journal_ids)
  tg=$(targets web --netns "$nsfile")
  t g1 apply --profile web --netns "$nsfile"
  id=$(new_ids "$ids")
  ns_bad=""
  while IFS='=' read -r k v; do
    [[ -z "$k" ]] && continue
    got=$(nsenter --net="$nsfile" cat "/proc/sys/${k//.//}" | tr -s ' \t' '  ')
    [[ "$got" == "$v" ]] || ns_bad+=" $k=$got (want $v)"
  done <<<"$tg"
  if ((rc != 0)); then bad "g. apply --netns $nsfile: exit $rc" "$(show "apply --profile web --netns $nsfile" g1)"
  elif [[ -z "$tg" ]]; then bad "g. no live changes planned in the new namespace"
  elif [[ -n "$ns_bad" ]]; then bad "g. values in the target namespace:$ns_bad"
  elif [[ "$(state)" != "$before" ]]; then bad "g. --netns changed this namespace or wrote a fragment" "$(diff <(echo "$before") <(state))"
  elif ! grep -q securityContext "$tmp/g1.out" || ! grep -q sysctls "$tmp/g1.out"; then
    bad "g. no Kubernetes securityContext sysctls snippet" "$(show "apply --netns" g1)"
  elif [[ $(jfield "$id" netns) == null ]]; then bad "g. journal $id netns is null"
  else
    ok "g. apply --netns PATH: only the target namespace changed, no fragment, k8s snippet shown"
    t g2 rollback
    if ((rc == 0)) && [[ "$(nsstate)" == "$ns_before" && "$(state)" == "$before" ]]; then
      ok "g. rollback restored the target namespace"
    else
      bad "g. rollback of the --netns apply: exit $rc" "$(diff <(echo "$ns_before") <(nsstate); cat "$tmp/g2.out")"
    fi
  fi
  t g3 apply --profile web --netns tcptune-test --dry-run
  ((rc == 1)) && ok "g. --netns NAME --dry-run: exit 1" || bad "g. --netns NAME --dry-run: exit $rc" "$(show "apply --netns tcptune-test --dry-run" g3)"
  # Hole 11: the same device:inode can be a new namespace (inode numbers are reused); the
  # cookie tells them apart. An entry whose cookie is not the namespace's is not restored.
  ids=$(journal_ids)
  t g7 apply --profile web --netns "$nsfile"
  id=$(new_ids "$ids")
  cookie=$(jfield "$id" netns_cookie)
  ns_applied=$(nsstate)
  if ((rc != 0)) || ! [[ "$cookie" =~ ^[0-9]+$ ]]; then
    bad "g. apply --netns: exit $rc, journal netns_cookie $cookie" "$(show "apply --netns" g7)"
  else
    python3 - "/var/lib/tcptune/$id.json" <<'PY'
import json, os, sys
p = sys.argv[1]
e = json.load(open(p))
e["netns_cookie"] += 1  # what a new namespace on a reused inode would have
with open(p + ".new", "w") as f:
    json.dump(e, f)
os.chmod(p + ".new", 0o600)
os.replace(p + ".new", p)
PY
    t g8 rollback "$id"
    if ((rc == 0)) && grep -q "another cookie" "$tmp/g8.out" && [[ "$(nsstate)" == "$ns_applied" && "$(jstate "$id")" == rolled-back ]]; then
      ok "g. rollback of an entry whose namespace cookie differs (reused inode): nothing written, marked rolled back"
    else
      bad "g. rollback with another namespace cookie: exit $rc, state $(jstate "$id")" "$(diff <(echo "$ns_applied") <(nsstate); cat "$tmp/g8.out")"
    fi
  fi
  ip netns del tcptune-test
  # A crash in a --netns apply, then the namespace is deleted: its values went with it, so
  # rollback marks the entry rolled back instead of blocking every later apply.
  ids=$(journal_ids)
  if ip netns add tcptune-gone 2>"$tmp/g4.out"; then
    TCPTUNE_FAULT=live:1 TCPTUNE_FAULT_ACTION=crash timeout 60 "$faulty" apply --profile web \
      --netns tcptune-gone >"$tmp/g5.out" 2>&1; rc=$?
    id=$(new_ids "$ids")
    ip netns del tcptune-gone
    t g6 rollback --format json
    if ((rc == 0)) && [[ -n "$id" && "$(jstate "$id")" == rolled-back ]] && grep -q "no longer exists" "$tmp/g6.out" &&
      python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["schema"] == "tcptune.rollback/1" and d["result"] == "rolled-back" and d["notes"], d' "$tmp/g6.out" 2>/dev/null; then
      ok "g. a pending --netns entry whose namespace is gone: rollback marks it rolled back (JSON with a note)"
    else
      bad "g. rollback of a pending entry for a deleted namespace: exit $rc, state $(jstate "$id")" "$(cat "$tmp/g5.out" "$tmp/g6.out")"
    fi
  else
    bad "g. ip netns add tcptune-gone failed" "$(cat "$tmp/g4.out")"
  fi
else
  bad "g. ip netns add failed" "$(cat "$tmp/g0.out")"
fi

# --- h. values the kernel rewrites on every interface ---------------------------------------------
# Writing net.ipv4.ip_forward makes the kernel set forwarding on every interface (and
# conf.all.accept_redirects to the opposite); writing it back at rollback does it again.
fwd_state() {
  local f
  for f in /proc/sys/net/ipv4/ip_forward /proc/sys/net/ipv4/conf/*/forwarding \
    /proc/sys/net/ipv4/conf/all/accept_redirects; do
    printf '%s=%s\n' "$f" "$(cat "$f")"
  done
}
if ip link add tt-v0 type veth peer name tt-v1 2>"$tmp/h0.out"; then
  if [[ $(cat /proc/sys/net/ipv4/ip_forward) != 0 ]]; then
    bad "h. ip_forward is not 0 in a fresh namespace"
  else
    echo 1 >/proc/sys/net/ipv4/conf/tt-v0/forwarding
    before=$(state; fwd_state)
    t h1 apply --profile fwd --live-only --data-dir "$tmp/data"
    if ((rc != 0)); then bad "h. apply --profile fwd: exit $rc" "$(show "apply --profile fwd --live-only" h1)"
    elif [[ $(cat /proc/sys/net/ipv4/conf/tt-v1/forwarding) != 1 ]]; then bad "h. the kernel did not copy ip_forward to tt-v1"
    else
      t h2 rollback
      if ((rc != 0)); then bad "h. rollback of ip_forward: exit $rc" "$(show rollback h2)"
      elif [[ "$(state; fwd_state)" != "$before" ]]; then
        bad "h. rollback of ip_forward: per-interface values not as before" "$(diff <(echo "$before") <(state; fwd_state))"
      else ok "h. apply ip_forward = 1, rollback: tt-v0 forwarding 1, every other interface 0, as before"; fi
    fi
    t h3 apply --profile fwd-bad --live-only --data-dir "$tmp/data"
    if ((rc != 4)); then bad "h. apply --profile fwd-bad: exit $rc, expected 4" "$(show "apply --profile fwd-bad --live-only" h3)"
    elif [[ "$(state; fwd_state)" != "$before" ]]; then
      bad "h. failed apply after ip_forward: per-interface values not as before" "$(diff <(echo "$before") <(state; fwd_state))"
    else ok "h. a failed apply after ip_forward = 1 (exit 4): every interface as before"; fi
  fi
  ip link del tt-v0
else
  bad "h. ip link add tt-v0 type veth failed" "$(cat "$tmp/h0.out")"
fi

no_pending || bad "a journal entry was left pending or rollback-failed: $(for i in $(journal_ids); do echo "$i $(jstate "$i")"; done)"
echo "apply_live: $pass passed, $fail failed"
((fail == 0))
INNER
rc=$?
host_after=$(host_state)
if [[ "$host_after" != "$host_before" ]]; then
  echo "FAIL: THE HOST'S STATE CHANGED"
  diff <(echo "$host_before") <(echo "$host_after")
  exit 1
fi
exit "$rc"
