#!/usr/bin/env bash
# Prometheus' own checker on every Prometheus output tcptune can produce:
#   promtool_test.sh TCPTUNE_BIN TESTS_DIR
# `promtool check metrics` (Debian's `prometheus` package) parses the text exposition format and
# lints it (counters end in _total, no type word in a name, snake_case, units, HELP present).
# Any complaint or a non-zero exit fails the test. Outputs:
# - `check --format prometheus` on every check scenario root (tests/fixtures/check) and every
#   fixture root with a proc/sys tree;
# - `sockets --format prometheus` on those roots, on census-mix with --source auto and proc,
#   --replay of its netlink recording, several --top values, and live (netlink and proc) in an
#   empty network namespace this test creates (when it can: root and unshare);
# - examples/prometheus/tcptune-textfile.sh: tcptune.prom (check + sockets) and
#   tcptune-status.prom, after a success and after a failure;
# - the alerting rules examples/prometheus/tcptune.rules.yml: `promtool check rules`, `promtool
#   test rules` (tests/integrations/tcptune.rules.test.yml), each alert tested firing and silent,
#   its runbook code known to `tcptune explain`, its metrics written by tcptune.
# A negative control (a counter named like the old tcptune_kernel_counter) must be rejected, so
# the test cannot pass with a promtool that checks nothing. Exit 77 when promtool is missing.
# shellcheck disable=SC2015  # `cond && ok ... || bad ...`: ok() cannot fail
set -uo pipefail
if (($# != 2)); then
  echo "usage: promtool_test.sh TCPTUNE_BIN TESTS_DIR" >&2
  exit 2
fi
bin=$(realpath "$1")
tests=$(realpath "$2")
src=$(dirname "$tests")
export TCPTUNE_DATA_DIR=${TCPTUNE_DATA_DIR:-$src}
export NO_COLOR=1
command -v promtool >/dev/null || {
  echo "SKIP: promtool not found (Debian package prometheus)"
  exit 77
}
T=60
pass=0
fails=0
ok() { pass=$((pass + 1)); echo "ok: $*"; }
bad() { fails=$((fails + 1)); echo "FAIL: $*"; }

tmp=$(mktemp -d /tmp/tcptune-promtool.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/prom" "$tmp/fx"
timeout $T python3 "$tests/fixtures/check/make_fixtures.py" --out "$tmp/fx" >/dev/null ||
  { echo "FAIL: make_fixtures.py"; exit 1; }

# promtool FILE LABEL: no output and exit 0, else a failure naming the complaint.
promcheck() {
  local out rc=0
  out=$(timeout $T promtool check metrics <"$1" 2>&1) || rc=$?
  if ((rc == 0)) && [[ -z "$out" ]]; then
    ok "$2: promtool check metrics: no complaint ($(grep -c '^[a-z]' "$1") samples)"
  else
    bad "$2: promtool check metrics exit $rc:"$'\n'"$out"
  fi
}

# run LABEL ARGS...: tcptune ARGS into a file; findings (exit 1) are a complete report.
n=0
run() {
  local label=$1 rc=0 f
  shift
  n=$((n + 1))
  f=$tmp/prom/$n.prom
  timeout $T "$@" >"$f" 2>"$tmp/err" || rc=$?
  if ((rc > 1)) || [[ ! -s "$f" ]]; then
    bad "$label: exit $rc, $(wc -c <"$f") bytes: $(head -3 "$tmp/err")"
    return
  fi
  promcheck "$f" "$label"
}

roots=("$tmp"/fx/*/)
for d in "$tests"/fixtures/*/; do
  [[ -d "$d/proc/sys/net" && -d "$d/proc/net" ]] && roots+=("$d")
done
((${#roots[@]} >= 9)) || bad "expected the 8 check scenarios and census-mix, found ${#roots[@]} roots"
for r in "${roots[@]}"; do
  name=$(basename "$r")
  run "check $name" "$bin" --root "$r" --format prometheus check
  run "sockets $name" "$bin" --root "$r" --format prometheus sockets
done
mix=$tests/fixtures/census-mix
run "sockets census-mix --source proc --top 1" "$bin" --root "$mix" --format prometheus sockets --source proc --top 1
run "sockets --replay census-mix/mix.nl" "$bin" --root "$mix" --format prometheus sockets --replay "$mix/mix.nl"
run "sockets --replay census-mix/mix.nl --top 100" "$bin" --root "$mix" --format prometheus sockets --replay "$mix/mix.nl" --top 100

# Live, read-only: an empty network namespace of our own (loopback down, no sockets).
if [[ $(id -u) == 0 ]] && timeout $T unshare -n true 2>/dev/null; then
  run "sockets live netns (netlink)" unshare -n "$bin" --format prometheus sockets --source netlink
  run "sockets live netns (proc)" unshare -n "$bin" --format prometheus sockets --source proc
  run "check live netns" unshare -n "$bin" --format prometheus check --profile web --kernel 6.1
else
  echo "NOT CHECKED: live sockets in a network namespace (needs root and unshare -n)"
fi

script=$src/examples/prometheus/tcptune-textfile.sh
tf=$tmp/textfile
mkdir -p "$tf"
rc=0
out=$(timeout $T "$script" --dir "$tf" --root "$tmp/fx/web-blog" --sockets --tcptune "$bin" 2>&1) || rc=$?
if ((rc == 0)); then
  promcheck "$tf/tcptune.prom" "textfile script tcptune.prom (check + sockets)"
  promcheck "$tf/tcptune-status.prom" "textfile script tcptune-status.prom (success)"
else
  bad "textfile script: exit $rc: $out"
fi
mkdir -p "$tmp/empty"
rc=0
timeout $T "$script" --dir "$tf" --root "$tmp/empty" --sockets --tcptune "$bin" >/dev/null 2>&1 || rc=$?
if ((rc == 3)) && grep -q '^tcptune_textfile_success 0$' "$tf/tcptune-status.prom"; then
  promcheck "$tf/tcptune-status.prom" "textfile script tcptune-status.prom (failure)"
else
  bad "textfile script failure path: exit $rc"
fi

# The alerting rules (examples/prometheus/tcptune.rules.yml): promtool check rules, promtool test
# rules (tests/integrations/tcptune.rules.test.yml); every alert has a test where it fires and one
# where it does not; each alert with its expression defused fails the tests (so they test it);
# every runbook names a code `tcptune explain` knows; every metric the rules read is one tcptune
# writes (its HELP line in an output above, or in the live two-snapshot census).
rules=$src/examples/prometheus/tcptune.rules.yml
rules_test=$tests/integrations/tcptune.rules.test.yml
out=$(timeout $T promtool check rules "$rules" 2>&1) && ok "promtool check rules: $(grep -o '[0-9]* rules found' <<<"$out")" ||
  bad "promtool check rules: $out"
out=$(timeout $T promtool test rules "$rules_test" 2>&1) && ok "promtool test rules: SUCCESS" ||
  bad "promtool test rules: $out"
if [[ $(id -u) == 0 ]] && timeout $T unshare -n true 2>/dev/null; then
  # Two snapshots (--sample): the rate and time-to-exhaustion families are written too.
  run "sockets live netns, two snapshots" unshare -n "$bin" --format prometheus sockets --sample 200ms
  grep -q '^# HELP tcptune_destination_seconds_to_exhaustion ' "$tmp/prom/$n.prom" ||
    bad "sockets --sample 200ms: no tcptune_destination_seconds_to_exhaustion family"
else
  echo "NOT CHECKED: the two-snapshot metric families live (needs root and unshare -n)"
fi
cat "$tmp"/prom/*.prom "$tf"/*.prom >"$tmp/all-outputs.prom"
if out=$(timeout 120 python3 - "$rules" "$rules_test" "$bin" "$tmp/all-outputs.prom" "$tmp/mutant" <<'PY' 2>&1
import copy, os, re, subprocess, sys, yaml
rules_path, test_path, tcptune, outputs, mutant_dir = sys.argv[1:6]
rules = yaml.safe_load(open(rules_path))
tests = yaml.safe_load(open(test_path))
alerts = [r for g in rules["groups"] for r in g["rules"] if "alert" in r]
problems, notes = [], []
written = set(re.findall(r"^# HELP (\S+) ", open(outputs).read(), re.M))
for a in alerts:
    name = a["alert"]
    evals = [t for case in tests["tests"] for t in case.get("alert_rule_test", []) if t["alertname"] == name]
    if not any(t.get("exp_alerts") for t in evals):
        problems.append(f"{name}: no test where it fires")
    if not any(not t.get("exp_alerts") for t in evals):
        problems.append(f"{name}: no test where it does not fire")
    m = re.fullmatch(r"tcptune explain (TT\d{4})", a.get("annotations", {}).get("runbook", ""))
    if not m:
        problems.append(f"{name}: no runbook annotation `tcptune explain CODE`")
    else:
        r = subprocess.run([tcptune, "explain", m.group(1)], capture_output=True, text=True, timeout=60)
        if r.returncode != 0 or not r.stdout.startswith(m.group(1)):
            problems.append(f"{name}: `tcptune explain {m.group(1)}` exits {r.returncode}: {r.stderr.strip()}")
    for metric in set(re.findall(r"\b(tcptune_[a-z0-9_]+)", a["expr"])):
        if metric not in written:
            problems.append(f"{name}: reads {metric}, which no tcptune output here has")
    # Defuse this alert alone: the tests must notice.
    mutant = copy.deepcopy(rules)
    for g in mutant["groups"]:
        for r in g["rules"]:
            if r.get("alert") == name:
                r["expr"] = "vector(1) > 2"
    os.makedirs(mutant_dir, exist_ok=True)
    mpath = os.path.join(mutant_dir, "tcptune.rules.yml")
    yaml.safe_dump(mutant, open(mpath, "w"), sort_keys=False)
    t = copy.deepcopy(tests)
    t["rule_files"] = [mpath]
    tpath = os.path.join(mutant_dir, "test.yml")
    yaml.safe_dump(t, open(tpath, "w"), sort_keys=False)
    r = subprocess.run(["promtool", "test", "rules", tpath], capture_output=True, text=True, timeout=60)
    if r.returncode == 0:
        problems.append(f"{name}: the tests still pass with the alert defused")
print(f"{len(alerts)} alerts: each fires and stays silent in a test, fails the tests when defused, has a runbook code tcptune explains and reads metrics tcptune writes")
if problems:
    print("\n".join(problems))
    sys.exit(1)
PY
); then
  ok "rules: $out"
else
  bad "rules: $out"
fi

# Negative control: what tcptune wrote before the rename must be rejected.
printf '# HELP tcptune_kernel_counter x\n# TYPE tcptune_kernel_counter counter\ntcptune_kernel_counter{name="TcpExt.TW"} 1\n' >"$tmp/old.prom"
if out=$(promtool check metrics <"$tmp/old.prom" 2>&1) || [[ -n "$out" ]]; then
  grep -q '_total' <<<"$out" && ok "negative control: promtool rejects a counter without _total" ||
    bad "negative control: promtool said: $out"
else
  bad "negative control: promtool accepted a counter without _total"
fi

echo "promtool: $pass passed, $fails failed"
((fails == 0))
