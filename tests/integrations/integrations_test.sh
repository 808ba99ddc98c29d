#!/usr/bin/env bash
# The CI, fleet and schema documentation cannot drift from what tcptune does:
#   integrations_test.sh TCPTUNE_BIN TESTS_DIR
# a. every JSON output (check, lint, SARIF, sockets, apply, rollback, history, the journal,
#    rules, profiles, config) on fixture roots: every key path (arrays as [], maps as <STATE>, <metric>,
#    <counter>, <name>), its JSON type, the values of closed sets, and every schema string must
#    be in docs/json.md, in the section of that schema;
# b. Prometheus: every `--format prometheus` output, and the files of
#    examples/prometheus/tcptune-textfile.sh, pass a text-format validator (HELP/TYPE, names,
#    labels, values, grouping, duplicates); the script's failure path keeps the last good file
#    and writes the failure metric; every metric, its type and labels are in docs/fleet.md;
# c. `systemd-analyze verify` on examples/systemd/* (when systemd-analyze exists);
# d. .pre-commit-hooks.yaml driven by pre-commit (try-repo, and run with args), when pre-commit
#    exists; otherwise the hook's entry and args run as pre-commit would run them;
# e. every YAML file parses; the lint steps of examples/ci/*.yml run on a sample repository;
#    their build steps install only packages of .ci/packages; docs/ci.md holds both files
#    verbatim; examples/ansible/tcptune-check.yml runs (when ansible-playbook exists).
# apply/rollback run on fixture copies with --root; as root, inside a private mount and network
# namespace (tmpfs over /run, /etc/sysctl.d, /var/lib) as well. Every command has a timeout. A
# tool that is missing is reported as NOT CHECKED, never as passed.
# shellcheck disable=SC2015  # `cond && ok ... || bad ...`: ok() cannot fail
set -uo pipefail
if (($# != 2)); then
  echo "usage: integrations_test.sh TCPTUNE_BIN TESTS_DIR" >&2
  exit 2
fi
src_bin=$(realpath "$1")
tests=$(realpath "$2")
src=$(dirname "$tests")
export TCPTUNE_DATA_DIR=${TCPTUNE_DATA_DIR:-$src}
export NO_COLOR=1
unset TCPTUNE_FAULT TCPTUNE_FAULT_ACTION

pass=0
fails=0
ok() { pass=$((pass + 1)); echo "ok: $*"; }
bad() { fails=$((fails + 1)); echo "FAIL: $*"; }
unchecked=0
# A case that cannot run here: the whole test then ends as skipped (exit 77) unless something
# failed, so ctest never reports it as passed.
not_checked() { unchecked=$((unchecked + 1)); echo "NOT CHECKED: $*"; }

command -v python3 >/dev/null || { echo "FAIL: python3 is needed"; exit 1; }

tmp=$(mktemp -d /tmp/tcptune-integrations.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
chmod 0755 "$tmp"
# `tcptune` on PATH, as the examples call it; a private copy, so a rebuild cannot swap it.
mkdir -p "$tmp/bin"
cp "$src_bin" "$tmp/bin/tcptune" || { echo "FAIL: cannot copy $src_bin"; exit 1; }
bin=$tmp/bin/tcptune
export PATH="$tmp/bin:$PATH"

T=60  # seconds, for every single command

# --- e (first, as everything below reads YAML): the YAML files parse ------------------------------
yaml_files=("$src/.pre-commit-hooks.yaml" "$src/examples/ci/github-workflow.yml"
  "$src/examples/ci/gitlab-ci.yml" "$src/examples/ansible/tcptune-check.yml"
  "$src/examples/ansible/tcptune-apply.yml" "$src/examples/ansible/tcptune-profile.yml"
  "$src/examples/prometheus/tcptune.rules.yml" "$src/ansible/galaxy.yml")
if timeout $T python3 -c 'import yaml' 2>/dev/null; then
  for f in "${yaml_files[@]}"; do
    if out=$(timeout $T python3 -c 'import sys, yaml; yaml.safe_load(open(sys.argv[1]))' "$f" 2>&1); then
      ok "e. ${f#"$src"/} parses as YAML"
    else
      bad "e. ${f#"$src"/} is not valid YAML: $out"
    fi
  done
  have_yaml=1
else
  bad "e. python3 cannot import yaml (Debian package python3-yaml, listed in .ci/packages)"
  have_yaml=0
fi

# --- fixtures ------------------------------------------------------------------------------------
fx=$tmp/fx
if ! out=$(timeout 120 python3 "$tests/fixtures/check/make_fixtures.py" --out "$fx" 2>&1); then
  echo "FAIL: make_fixtures.py: $out"
  exit 1
fi
mkdir -p "$tmp/empty" "$tmp/json" "$tmp/prom"

# run NAME EXPECTED_CODES CMD...: stdout to $tmp/json/NAME.json (or .prom), checks the exit code.
run_to() {
  local dir=$1 name=$2 codes=$3
  shift 3
  local rc=0
  timeout $T "$@" >"$dir/$name" 2>"$tmp/stderr" || rc=$?
  if [[ " $codes " != *" $rc "* ]]; then
    bad "$name: exit $rc, expected one of {$codes}: $* : $(head -c 600 "$tmp/stderr")"
    rm -f "$dir/$name"
    return 1
  fi
  if grep -q -E "runtime error:|AddressSanitizer|LeakSanitizer" "$tmp/stderr"; then
    bad "$name: sanitizer report: $(head -c 600 "$tmp/stderr")"
  fi
  return 0
}
json() { run_to "$tmp/json" "$1.json" "$2" "${@:3}"; }
prom() { run_to "$tmp/prom" "$1.prom" "$2" "${@:3}"; }

# --- a. JSON outputs -------------------------------------------------------------------------------
scenarios=()
for d in "$fx"/*/; do scenarios+=("$(basename "$d")"); done
for s in "${scenarios[@]}"; do
  json "check-$s" "0 1" "$bin" --root "$fx/$s" check --format json
  json "sockets-$s" "0" "$bin" --root "$fx/$s" sockets --format json
  prom "check-$s" "0 1" "$bin" --root "$fx/$s" check --format prometheus
  prom "sockets-$s" "0" "$bin" --root "$fx/$s" sockets --format prometheus --top 5
done
json check-no-sockets "0 1" "$bin" --root "$fx/web-blog" check --no-sockets --format json
json check-kernel "0 1" "$bin" --root "$fx/drift" check --kernel 5.4 --profile web --format json
json check-procps "0 1" "$bin" --root "$fx/blog-sysctl-conf" check --semantics procps --format json
json sockets-census-mix "0" "$bin" --root "$tests/fixtures/census-mix" sockets --format json
prom sockets-census-mix "0" "$bin" --root "$tests/fixtures/census-mix" sockets --format prometheus
for f in blog blog-nolink precedence debian12 debian12-packages; do
  json "lint-$f" "0 1 2" "$bin" --root "$tests/fixtures/$f" lint --format json
  json "sarif-$f" "0 1 2" "$bin" --root "$tests/fixtures/$f" lint --format sarif
done
json lint-procps "0 1 2" "$bin" --root "$tests/fixtures/precedence" lint --semantics procps --format json
json lint-offline "0 1 2" "$bin" lint --kernel 5.15 "$tests/fixtures/blog/etc/sysctl.conf" --format json
json lint-unreadable "2" "$bin" lint --kernel 6.1 "$tmp/empty/missing.conf" --format json
json sarif-unreadable "2" "$bin" lint --kernel 6.1 "$tmp/empty/missing.conf" --format sarif
json rules "0" "$bin" rules --format json
json profiles "0" "$bin" --root "$tests/fixtures/user-profiles" profiles --format json
for p in base web db-client load-tester; do
  json "profile-$p" "0" "$bin" profiles "$p" --format json
done
json profile-shop "0" "$bin" --root "$tests/fixtures/user-profiles" profiles shop --format json
json config-blog "0" "$bin" --root "$tests/fixtures/blog" config --format json
json config-procps "0" "$bin" --root "$tests/fixtures/debian12" config --semantics procps --format json

# apply, rollback, history and the journal: on fixture copies (--root), in a sandbox when root.
cat >"$tmp/apply_suite.sh" <<'SUITE'
set -u
bin=$1 fx=$2 out=$3 work=$4 netns_ok=$5
T=60
res() { echo "$1 $2" >>"$out/apply-codes.txt"; }
a=$work/idle; cp -a "$fx/idle-default" "$a"
timeout $T "$bin" --root "$a" apply --profile db-client --dry-run --format json >"$out/apply-dry.json"; res apply-dry $?
timeout $T "$bin" --root "$a" apply --profile db-client --format json >"$out/apply-commit.json"; res apply-commit $?
cp "$a"/var/lib/tcptune/*.json "$out/journal-committed.json"
timeout $T "$bin" --root "$a" apply --profile db-client --format json >"$out/apply-nothing.json"; res apply-nothing $?
timeout $T "$bin" --root "$a" history --format json >"$out/history.json"; res history $?
timeout $T "$bin" --root "$a" rollback --dry-run --format json >"$out/rollback-dry.json"; res rollback-dry $?
timeout $T "$bin" --root "$a" rollback --format json >"$out/rollback.json"; res rollback $?
cp "$a"/var/lib/tcptune/*.json "$out/journal-rolled-back.json"
timeout $T "$bin" --root "$a" rollback --dry-run --format json >"$out/rollback-dry-nothing.json"; res rollback-dry-nothing $?
# drift: a live value changed after the apply, so rollback refuses
b=$work/drift; cp -a "$fx/idle-default" "$b"
timeout $T "$bin" --root "$b" apply --profile web --live-only --format json >"$out/apply-live-only.json"; res apply-live-only $?
echo 1 >"$b/proc/sys/net/ipv4/tcp_slow_start_after_idle"
timeout $T "$bin" --root "$b" rollback --format json >"$out/rollback-refused.json"; res rollback-refused $?
timeout $T "$bin" --root "$b" rollback --force --format json >"$out/rollback-forced.json"; res rollback-forced $?
# a failed live write: rolled back by apply itself
c=$work/fail; cp -a "$fx/idle-default" "$c"
TCPTUNE_FAULT=live:1 TCPTUNE_FAULT_ACTION=fail timeout $T "${TCPTUNE_FAULTY_BIN:?the tcptune_faulty test binary}" --root "$c" apply --profile db-client --format json >"$out/apply-rolled-back.json"; res apply-rolled-back $?
cp "$c"/var/lib/tcptune/*.json "$out/journal-apply-rolled-back.json"
# a crash before commit leaves a pending entry
d=$work/crash; cp -a "$fx/idle-default" "$d"
TCPTUNE_FAULT=commit TCPTUNE_FAULT_ACTION=crash timeout $T "$TCPTUNE_FAULTY_BIN" --root "$d" apply --profile db-client --format json >/dev/null 2>&1; res apply-crash $?
cp "$d"/var/lib/tcptune/*.json "$out/journal-pending.json"
# A refusal before the plan (an unfinished transaction) is a tcptune.apply/1 report too.
timeout $T "$bin" --root "$d" apply --profile db-client --format json >"$out/apply-refused-pending.json" 2>/dev/null; res apply-refused-pending $?
timeout $T "$bin" --root "$d" rollback --format json >"$out/rollback-pending.json" 2>/dev/null; res rollback-pending $?
# refused: a later file (/etc/sysctl.conf, read last by sysctl --system) shadows the fragment
e=$work/blog; cp -a "$fx/blog-sysctl-conf" "$e"
timeout $T "$bin" --root "$e" apply --profile web --format json >"$out/apply-refused.json"; res apply-refused $?
# a corrupt journal entry in history
mkdir -p "$a/var/lib/tcptune"
printf '{"schema": "tcptune.journal/1", "id": ' >"$a/var/lib/tcptune/20200101T000000Z-01.json"
timeout $T "$bin" --root "$a" history --format json >"$out/history-corrupt.json"; res history-corrupt $?
# --netns: the Kubernetes snippet (a namespace exists only inside the sandbox)
if [ "$netns_ok" = 1 ] && ip netns add tcptune-integrations 2>/dev/null; then
  timeout $T "$bin" apply --profile web --netns tcptune-integrations --dry-run --format json >"$out/apply-netns.json"; res apply-netns $?
  ip netns del tcptune-integrations
fi
SUITE
sandbox=0
if ((EUID == 0)) && command -v unshare >/dev/null && timeout $T unshare -m -n true 2>/dev/null; then
  sandbox=1
fi
host_state() {
  ls -la --time-style=+ /etc/sysctl.d 2>&1
  for p in /var/lib/tcptune /run/tcptune.lock /etc/sysctl.d/99-tcptune.conf /run/netns/tcptune-integrations; do
    [[ -e "$p" ]] && echo "exists: $p"
  done
  for k in net/ipv4/tcp_tw_reuse net/ipv4/tcp_keepalive_time net/ipv4/tcp_max_syn_backlog \
    net/ipv4/tcp_slow_start_after_idle net/ipv4/tcp_max_tw_buckets net/core/somaxconn; do
    echo "$k=$(cat "/proc/sys/$k" 2>/dev/null)"
  done
}
before=$(host_state)
mkdir -p "$tmp/apply-work"
: >"$tmp/json/apply-codes.txt"
if ((sandbox)); then
  echo "apply suite: in a private mount and network namespace (tmpfs over /run, /etc/sysctl.d, /var/lib)"
  # shellcheck disable=SC2016  # expanded by the inner sh
  timeout 300 unshare -m -n sh -c 'set -e; mount --make-rprivate /
    for d in /run /etc/sysctl.d /var/lib; do
      if [ -d "$d" ]; then mount -t tmpfs -o mode=0755 tcptune-integrations "$d"; fi
    done
    exec bash "$@"' sh "$tmp/apply_suite.sh" "$bin" "$fx" "$tmp/json" "$tmp/apply-work" 1
else
  not_checked "apply suite: with --root only (not root, or no namespaces here): --netns and the sandboxed runs"
  timeout 300 bash "$tmp/apply_suite.sh" "$bin" "$fx" "$tmp/json" "$tmp/apply-work" 0
fi
after=$(host_state)
if [[ "$before" == "$after" ]]; then
  ok "a. the apply suite left the host as it was"
else
  bad "a. HOST STATE CHANGED: $(diff <(echo "$before") <(echo "$after"))"
fi
declare -A want=([apply-dry]=1 [apply-commit]=0 [apply-nothing]=0 [history]=0 [rollback]=0
  [rollback-dry]=1 [rollback-dry-nothing]=0
  [apply-live-only]=0 [rollback-refused]=3 [rollback-forced]=0 [apply-rolled-back]=4
  [apply-crash]=99 [rollback-pending]=0 [apply-refused]=3 [apply-refused-pending]=3 [history-corrupt]=2 [apply-netns]=1)
while read -r name rc; do
  if [[ "${want[$name]:-}" == "$rc" ]]; then
    ok "a. apply suite: $name exits $rc"
  else
    bad "a. apply suite: $name exits $rc, expected ${want[$name]:-?}"
  fi
done <"$tmp/json/apply-codes.txt"
[[ -s "$tmp/json/apply-netns.json" ]] || not_checked "apply --netns (kubernetes_sysctls): needs root and network namespaces"
if [[ -s "$tmp/json/rollback-pending.json" ]] && ! grep -q '"result": "rolled-back"' "$tmp/json/rollback-pending.json"; then
  bad "a. rollback of a pending transaction: $(cat "$tmp/json/rollback-pending.json")"
fi
# rollback --dry-run previews exactly what the rollback then restored: both live values and
# the fragment's removal.
if [[ -s "$tmp/json/rollback-dry.json" && -s "$tmp/json/rollback.json" ]]; then
  if out=$(python3 - "$tmp/json/rollback-dry.json" "$tmp/json/rollback.json" "$tmp/json/rollback-dry-nothing.json" <<'PY' 2>&1
import json, sys
dry, done, nothing = (json.load(open(p)) for p in sys.argv[1:4])
assert dry["result"] == "dry-run" and dry["dry_run"] is True, dry["result"]
previewed = [f'{c["key"]} = {c["restore"]}' for c in dry["changes"]]
restored = [r for r in done["restored"] if not r.startswith("fragment ")]
assert previewed == restored, (previewed, restored)
assert dry["fragment"]["restore"] is None and dry["fragment"]["current"].startswith("# Written by tcptune"), dry["fragment"]
assert any(r.startswith("fragment ") and r.endswith(" removed") for r in done["restored"]), done["restored"]
assert nothing["result"] == "nothing-to-do" and nothing["changes"] == [] and nothing["fragment"] is None, nothing
PY
  ); then
    ok "a. rollback --dry-run previews what rollback restored"
  else
    bad "a. rollback --dry-run does not match the rollback: $out"
  fi
fi
for f in journal-committed journal-rolled-back journal-apply-rolled-back journal-pending; do
  [[ -s "$tmp/json/$f.json" ]] || bad "a. no journal file for $f"
done

# The checker: every key path, type, closed-set value and schema string is in docs/json.md.
timeout 120 python3 - "$src/docs/json.md" "$tmp/json" <<'PY'
import glob, json, os, re, sys

doc_path, out_dir = sys.argv[1], sys.argv[2]
doc = open(doc_path, encoding="utf-8").read()
STATES = ["ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2", "TIME_WAIT", "CLOSE",
          "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING"]
# Objects whose keys are data: the placeholder the documentation uses for their keys, and
# whether each key must itself be listed (backticked) in the schema's section.
MAPS = {
    "tcptune.check/1": {"findings[].evidence": ("<name>", False), "sockets.metrics": ("<metric>", True)},
    "tcptune.lint/1": {"findings[].evidence": ("<name>", False)},
    "tcptune.config/1": {"notes[].evidence": ("<name>", False)},
    "sarif:2.1.0": {"runs[].results[].properties.evidence": ("<name>", False)},
    "tcptune.sockets/1": {"counters": ("<counter>", True), "rates": ("<counter>", True)},
}

sections = {}
for part in re.split(r"^## ", doc, flags=re.M)[1:]:
    head, _, body = part.partition("\n")
    m = re.search(r"`(tcptune\.[a-z]+/\d+)`", head)
    key = m.group(1) if m else ("sarif:2.1.0" if head.startswith("SARIF 2.1.0") else None)
    if key is None:
        continue
    rows, in_fields = {}, False
    for line in body.splitlines():
        if line.startswith("| field |"):
            in_fields = True  # a field table (the metric table lists names, not paths)
        elif not line.startswith("|"):
            in_fields = False
        cells = [c.strip() for c in line.strip().strip("|").split("|")] if in_fields and line.startswith("| `") else []
        if len(cells) >= 3:
            p = re.match(r"`([^`]+)`", cells[0])
            if p:
                rows[p.group(1)] = (cells[1], cells[2])
    prose = re.sub(r"```.*?```", "", body, flags=re.S)
    sections[key] = {"rows": rows, "ticks": set(re.findall(r"`([^`]+)`", prose)), "text": body}

errors, seen = [], {}

def kinds_of(type_cell):
    t = type_cell.replace(",", " ").split()
    if not t:
        return None, None
    elem = None
    if t[0] == "array":
        elem = t[2] if len(t) > 2 and t[1] == "of" and t[2] in ("string", "integer", "number", "boolean", "object") else None
        return {"array"}, elem
    return {w for w in t if w in ("string", "integer", "number", "boolean", "null", "object")}, None

def kind(v):
    if v is None: return "null"
    if isinstance(v, bool): return "boolean"
    if isinstance(v, int): return "integer"
    if isinstance(v, float): return "number"
    if isinstance(v, str): return "string"
    if isinstance(v, list): return "array"
    return "object"

def allowed(want, v):
    k = kind(v)
    return k in want or (k == "integer" and "number" in want)

def walk(schema, sec, v, path, fname):
    if path and not path.endswith("[]"):  # an array's elements are described by its row
        seen.setdefault(schema, set()).add(path)
        row = sec["rows"].get(path)
        if row is None:
            errors.append("%s: %s: field `%s` is not in docs/json.md" % (fname, schema, path))
        else:
            want, elem = kinds_of(row[0])
            if want and not allowed(want, v):
                errors.append("%s: %s: `%s` is %s, documented as %s" % (fname, schema, path, kind(v), row[0]))
            if elem and isinstance(v, list):
                for x in v:
                    if not allowed({elem}, x):
                        errors.append("%s: %s: `%s` holds a %s, documented as %s" % (fname, schema, path, kind(x), row[0]))
            if "one of " in row[1] and isinstance(v, str):
                choices = re.findall(r"`([^`]+)`", row[1].split("one of ", 1)[1])
                if v not in choices:
                    errors.append("%s: %s: `%s` = %r is not among the documented values %s" % (fname, schema, path, v, choices))
    if isinstance(v, dict):
        mp = MAPS.get(schema, {}).get(path)
        for k, x in v.items():
            if mp:
                name = k
                if name.startswith("states.") and name[7:] in STATES:
                    name = "states.<STATE>"
                if mp[1] and name not in sec["ticks"]:
                    errors.append("%s: %s: `%s` has key `%s`, not listed in docs/json.md" % (fname, schema, path, k))
                walk(schema, sec, x, path + "." + mp[0], fname)
            else:
                walk(schema, sec, x, (path + "." if path else "") + ("<STATE>" if k in STATES else k), fname)
    elif isinstance(v, list):
        for x in v:  # scalars in arrays are typed by "array of T" in their array's row
            if isinstance(x, (dict, list)):
                walk(schema, sec, x, path + "[]", fname)

files = sorted(glob.glob(os.path.join(out_dir, "*.json")))
schemas_seen = set()
for f in files:
    name = os.path.basename(f)
    text = open(f, encoding="utf-8").read()
    if not text.strip():
        continue  # a command that printed nothing was reported by its own check
    try:
        d = json.loads(text)
    except ValueError as e:
        errors.append("%s: not JSON (%s): %r" % (name, e, text[:200]))
        continue
    if not isinstance(d, dict):
        errors.append("%s: not a JSON object" % name)
        continue
    if "schema" in d:
        schema = d["schema"]
        if list(d)[0] != "schema":
            errors.append("%s: `schema` is not the first field" % name)
    elif d.get("version") == "2.1.0" and "runs" in d:
        schema = "sarif:2.1.0"
        if d.get("$schema") not in sections.get(schema, {}).get("text", ""):
            errors.append("%s: SARIF $schema %r is not in docs/json.md" % (name, d.get("$schema")))
    else:
        errors.append("%s: no schema field" % name)
        continue
    schemas_seen.add(schema)
    if schema not in sections:
        errors.append("%s: schema %r has no section in docs/json.md" % (name, schema))
        continue
    if schema != "sarif:2.1.0" and '"%s"' % schema not in sections[schema]["text"]:
        errors.append("%s: the section of %s does not give its value \"%s\"" % (name, schema, schema))
    walk(schema, sections[schema], d, "", name)

for s in STATES:
    if "`%s`" % s not in doc:
        errors.append("TCP state %s is not listed in docs/json.md" % s)
for e in errors:
    print("FAIL: a. " + e)
print("a. JSON: %d files, schemas %s" % (len(files), ", ".join(sorted(schemas_seen))))
for schema in sorted(sections):
    unseen = sorted(set(sections[schema]["rows"]) - seen.get(schema, set()))
    if schema in schemas_seen and unseen:
        print("note: %s: documented, not produced by the fixtures: %s" % (schema, ", ".join(unseen)))
missing = sorted(set(sections) - schemas_seen)
if missing:
    print("note: documented schemas not produced: %s" % ", ".join(missing))
sys.exit(1 if errors else 0)
PY
case $? in
  0) ok "a. every JSON field, type, closed-set value and schema string is in docs/json.md" ;;
  *) bad "a. docs/json.md does not match the JSON outputs (above)" ;;
esac
for s in tcptune.check/1 tcptune.lint/1 tcptune.sockets/1 tcptune.apply/1 tcptune.rollback/1 \
  tcptune.history/1 tcptune.journal/1 tcptune.rules/1 tcptune.profiles/1 tcptune.profile/1; do
  grep -l -q "\"schema\": \"$s\"" "$tmp"/json/*.json 2>/dev/null || bad "a. no output of schema $s was checked"
done

# --- b. Prometheus -----------------------------------------------------------------------------
cat >"$tmp/promcheck.py" <<'PY'
"""Prometheus text exposition format (0.0.4) validator, as node_exporter's textfile collector
reads it: promcheck.py [--fleet DOC] FILE... (the files are also checked as one set)."""
import math, re, sys

NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*\Z")
LABEL = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*\Z")
FLOAT = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\Z|[+-]?Inf\Z|NaN\Z")
TYPES = {"counter", "gauge", "histogram", "summary", "untyped"}

def parse_labels(s, where, errs):
    labels, i = {}, 0
    while i < len(s):
        m = re.match(r"\s*([^=\s]+)\s*=\s*\"", s[i:])
        if not m:
            errs.append("%s: bad label syntax at %r" % (where, s[i:]))
            return labels
        name = m.group(1)
        if not LABEL.match(name) or name.startswith("__"):
            errs.append("%s: bad label name %r" % (where, name))
        i += m.end()
        val = []
        while i < len(s) and s[i] != '"':
            if s[i] == "\\":
                if i + 1 >= len(s) or s[i + 1] not in '\\"n':
                    errs.append("%s: bad escape in label %s" % (where, name))
                val.append(s[i:i + 2]); i += 2
            else:
                val.append(s[i]); i += 1
        if i >= len(s):
            errs.append("%s: unterminated label value of %s" % (where, name))
            return labels
        i += 1
        if name in labels:
            errs.append("%s: label %s twice" % (where, name))
        labels[name] = "".join(val)
        m = re.match(r"\s*,?\s*", s[i:])
        i += m.end()
    return labels

def check(files, fleet):
    errs, families, series, order = [], {}, set(), []
    for path in files:
        data = open(path, "rb").read()
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            errs.append("%s: not UTF-8" % path); continue
        if text and not text.endswith("\n"):
            errs.append("%s: does not end with a newline" % path)
        if "\r" in text:
            errs.append("%s: carriage return" % path)
        current = None
        for n, line in enumerate(text.split("\n")[:-1] if text.endswith("\n") else text.split("\n"), 1):
            where = "%s:%d" % (path, n)
            if not line.strip():
                continue
            if line.startswith("#"):
                m = re.match(r"# (HELP|TYPE) (\S+)(?: (.*))?\Z", line)
                if not m:
                    continue  # a plain comment
                kind, name, rest = m.group(1), m.group(2), m.group(3) or ""
                if not NAME.match(name):
                    errs.append("%s: bad metric name %r" % (where, name))
                fam = families.setdefault(name, {"help": None, "type": None, "samples": 0, "file": path, "labels": set()})
                if fam["file"] != path:
                    errs.append("%s: metric %s is also in %s" % (where, name, fam["file"]))
                if current != name and name in order:
                    errs.append("%s: %s %s after its family was closed" % (where, kind, name))
                if kind == "HELP":
                    if fam["help"] is not None:
                        errs.append("%s: second HELP for %s" % (where, name))
                    if re.search(r"\\[^\\n]", rest) or rest.endswith("\\"):
                        errs.append("%s: bad escape in HELP of %s" % (where, name))
                    if not rest.strip():
                        errs.append("%s: empty HELP for %s" % (where, name))
                    fam["help"] = rest
                else:
                    if fam["type"] is not None:
                        errs.append("%s: second TYPE for %s" % (where, name))
                    if fam["samples"]:
                        errs.append("%s: TYPE of %s after its samples" % (where, name))
                    if rest not in TYPES:
                        errs.append("%s: bad type %r" % (where, rest))
                    fam["type"] = rest
                if current != name:
                    order.append(name)
                current = name
                continue
            m = re.match(r"([^{\s]+)(?:\{(.*)\})?\s+(\S+)(?:\s+(\S+))?\s*\Z", line)
            if not m:
                errs.append("%s: not a sample line: %r" % (where, line)); continue
            name, lab, value, ts = m.groups()
            if not NAME.match(name):
                errs.append("%s: bad metric name %r" % (where, name))
            labels = parse_labels(lab or "", where, errs)
            if not FLOAT.match(value):
                errs.append("%s: bad value %r" % (where, value))
            if ts is not None:
                errs.append("%s: timestamp %r (node_exporter rejects client-side timestamps)" % (where, ts))
            fam = families.get(name)
            if fam is None:
                errs.append("%s: sample of %s without HELP and TYPE" % (where, name))
                fam = families.setdefault(name, {"help": None, "type": None, "samples": 0, "file": path, "labels": set()})
            if current != name:
                if name in order:
                    errs.append("%s: samples of %s are not grouped together" % (where, name))
                order.append(name)
                current = name
            fam["samples"] += 1
            fam["labels"].update(labels)
            if fam["type"] == "counter" and FLOAT.match(value) and not value.endswith("Inf") and value != "NaN" and float(value) < 0:
                errs.append("%s: negative counter %s" % (where, name))
            key = (name, tuple(sorted(labels.items())))
            if key in series:
                errs.append("%s: duplicate series %s%s" % (where, name, "{" + (lab or "") + "}"))
            series.add(key)
    for name, fam in families.items():
        if fam["help"] is None or fam["type"] is None:
            errs.append("%s: %s lacks %s" % (fam["file"], name, "HELP" if fam["help"] is None else "TYPE"))
    if fleet:
        rows = {}
        for line in open(fleet, encoding="utf-8"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")] if line.startswith("| `tcptune_") else []
            if len(cells) >= 4:
                rows[cells[0].strip("`")] = (cells[1], set(re.findall(r"`([^`]+)`", cells[2])))
        for name, fam in families.items():
            if name not in rows:
                errs.append("metric %s is not in docs/fleet.md" % name); continue
            if fam["type"] != rows[name][0]:
                errs.append("metric %s is a %s, docs/fleet.md says %s" % (name, fam["type"], rows[name][0]))
            for l in sorted(fam["labels"] - rows[name][1]):
                errs.append("metric %s has label %s, not in docs/fleet.md" % (name, l))
    return errs, families

if __name__ == "__main__":
    args = sys.argv[1:]
    fleet = None
    if args[:1] == ["--fleet"]:
        fleet, args = args[1], args[2:]
    errs, fams = check(args, fleet)
    for e in errs:
        print("  " + e)
    print("  %d files, %d metric families" % (len(args), len(fams)))
    sys.exit(1 if errs else 0)
PY
# The validator must catch what it is there for (a self-test on known-bad input).
printf '# HELP x_a A.\n# TYPE x_a gauge\nx_a{l="1"} 1\nx_a{l="1"} 2\nx_b{1l="v"} 1 123\n# TYPE x_c counter\nx_c -1\nx_a 3\n' >"$tmp/bad.prom"
if out=$(timeout $T python3 "$tmp/promcheck.py" "$tmp/bad.prom"); then
  bad "b. the Prometheus validator accepted a broken file"
else
  n=$(grep -c -E "duplicate series|bad label name|timestamp|without HELP|negative counter|lacks HELP|not grouped" <<<"$out")
  ((n >= 7)) && ok "b. the Prometheus validator rejects broken input ($n problems found)" ||
    bad "b. the Prometheus validator missed problems in a broken file: $out"
fi
for f in "$tmp"/prom/*.prom; do
  if out=$(timeout $T python3 "$tmp/promcheck.py" --fleet "$src/docs/fleet.md" "$f"); then
    ok "b. $(basename "$f") is valid exposition format, its metrics in docs/fleet.md"
  else
    bad "b. $(basename "$f"):"$'\n'"$out"
  fi
done

script=$src/examples/prometheus/tcptune-textfile.sh
tf=$tmp/textfile
mkdir -p "$tf"
rc=0
out=$(timeout $T "$script" --dir "$tf" --root "$fx/web-blog" --sockets --tcptune "$bin" 2>&1) || rc=$?
if ((rc == 0)) && [[ -s "$tf/tcptune.prom" && -s "$tf/tcptune-status.prom" ]]; then
  ok "b. tcptune-textfile.sh on a fixture root: exit 0, tcptune.prom and tcptune-status.prom written"
else
  bad "b. tcptune-textfile.sh: exit $rc: $out $(ls -la "$tf")"
fi
if out=$(timeout $T python3 "$tmp/promcheck.py" --fleet "$src/docs/fleet.md" "$tf/tcptune.prom" "$tf/tcptune-status.prom"); then
  ok "b. the textfile directory is valid for node_exporter (both files as one set)"
else
  bad "b. the textfile directory:"$'\n'"$out"
fi
grep -q '^tcptune_check_findings{severity="warning"} 3$' "$tf/tcptune.prom" && grep -q '^tcptune_sockets{' "$tf/tcptune.prom" &&
  grep -q '^tcptune_textfile_success 1$' "$tf/tcptune-status.prom" &&
  grep -q '^tcptune_textfile_exit_code{command="check"} 1$' "$tf/tcptune-status.prom" &&
  grep -q '^tcptune_textfile_exit_code{command="sockets"} 0$' "$tf/tcptune-status.prom" &&
  ok "b. textfile metrics: the check's findings, the census, success 1, exit codes 1 (check) and 0 (sockets)" ||
  bad "b. textfile content: $(cat "$tf/tcptune.prom" "$tf/tcptune-status.prom" | head -40)"
perms=$(stat -c '%a' "$tf/tcptune.prom" "$tf/tcptune-status.prom" | sort -u)
[[ "$perms" == 644 ]] && ok "b. textfile files are mode 0644 (node_exporter runs as another user)" ||
  bad "b. textfile modes: $perms"
cp "$tf/tcptune.prom" "$tmp/good.prom"
rc=0
out=$(timeout $T "$script" --dir "$tf" --root "$tmp/empty" --tcptune "$bin" 2>&1) || rc=$?
if ((rc == 3)) && cmp -s "$tf/tcptune.prom" "$tmp/good.prom" &&
  grep -q '^tcptune_textfile_success 0$' "$tf/tcptune-status.prom" &&
  grep -q '^tcptune_textfile_exit_code{command="check"} 3$' "$tf/tcptune-status.prom" &&
  grep -q "kept the previous" <<<"$out"; then
  ok "b. failure path (a root without /proc): exit 3, last good tcptune.prom kept, success 0, exit_code 3"
else
  bad "b. failure path: exit $rc: $out; status: $(cat "$tf/tcptune-status.prom")"
fi
if out=$(timeout $T python3 "$tmp/promcheck.py" --fleet "$src/docs/fleet.md" "$tf/tcptune.prom" "$tf/tcptune-status.prom"); then
  ok "b. after the failure the textfile directory is still valid"
else
  bad "b. after the failure:"$'\n'"$out"
fi
rc=0
out=$(TCPTUNE_DATA_DIR=$tmp/empty timeout $T "$script" --dir "$tf" --root "$fx/web-blog" --tcptune "$bin" 2>&1) || rc=$?
((rc == 3)) && cmp -s "$tf/tcptune.prom" "$tmp/good.prom" ||
  bad "b. failure path (no data directory): exit $rc: $out"
leftover=$(find "$tf" -name '.tcptune*')
[[ -z "$leftover" ]] && ok "b. no temporary files left in the textfile directory" || bad "b. left behind: $leftover"
rc=0
timeout $T "$script" --bogus >/dev/null 2>&1 || rc=$?
((rc == 2)) && ok "b. tcptune-textfile.sh --bogus: exit 2" || bad "b. tcptune-textfile.sh --bogus: exit $rc"
rc=0
timeout $T "$script" --dir "$tmp/no-such-dir" --root "$fx/web-blog" --tcptune "$bin" >/dev/null 2>&1 || rc=$?
((rc == 73)) && [[ ! -e "$tmp/no-such-dir" ]] && ok "b. a missing textfile directory: exit 73, nothing created" ||
  bad "b. a missing textfile directory: exit $rc"

# --- c. systemd units ---------------------------------------------------------------------------
unit_dir=$src/examples/systemd
if command -v systemd-analyze >/dev/null; then
  sysunits=""
  for d in /usr/lib/systemd/system /lib/systemd/system; do
    [[ -f "$d/sysinit.target" ]] && { sysunits=$d; break; }
  done
  if [[ -z "$sysunits" ]]; then
    not_checked "c. systemd-analyze verify: no systemd unit directory (sysinit.target) on this machine"
  else
    sd=$tmp/sdroot
    mkdir -p "$sd/usr/local/sbin" "$sd/etc/systemd/system" "$sd/usr/lib/systemd"
    cp -a "$sysunits" "$sd/usr/lib/systemd/system"
    install -m 0755 "$script" "$sd/usr/local/sbin/tcptune-textfile.sh"
    cp "$unit_dir/tcptune-textfile.service" "$unit_dir/tcptune-textfile.timer" "$sd/etc/systemd/system/"
    rc=0
    out=$(timeout $T systemd-analyze verify --man=no --root="$sd" tcptune-textfile.service tcptune-textfile.timer 2>&1) || rc=$?
    if ((rc == 0)) && [[ -z "$out" ]]; then
      ok "c. systemd-analyze verify: tcptune-textfile.service and .timer ($(systemd-analyze --version 2>/dev/null | sed -n 1p))"
    else
      bad "c. systemd-analyze verify: exit $rc: $out"
    fi
    if out=$(timeout $T systemd-analyze security --offline=true --root="$sd" tcptune-textfile.service 2>&1); then
      echo "   $(tail -1 <<<"$out")"
    fi
  fi
else
  not_checked "c. systemd-analyze is not installed: the unit files were not verified"
fi
svc=$unit_dir/tcptune-textfile.service
exec_path=$(sed -n 's/^ExecStart=//p' "$svc" | awk '{print $1}')
[[ "$(basename "$exec_path")" == tcptune-textfile.sh ]] || bad "c. ExecStart does not run tcptune-textfile.sh: $exec_path"
envdir=$(sed -n 's/^Environment=TCPTUNE_TEXTFILE_DIR=//p' "$svc")
rwdir=$(sed -n 's/^ReadWritePaths=//p' "$svc")
[[ -n "$envdir" && "$envdir" == "$rwdir" ]] && ok "c. the unit's textfile directory is its only writable path ($rwdir)" ||
  bad "c. TCPTUNE_TEXTFILE_DIR ($envdir) and ReadWritePaths ($rwdir) differ"
grep -q '^Type=oneshot$' "$svc" || bad "c. the service is not Type=oneshot"
grep -q '^RestrictAddressFamilies=.*AF_NETLINK' "$svc" || bad "c. RestrictAddressFamilies must allow AF_NETLINK (sock_diag)"
if grep -E -q '^(PrivateNetwork=(yes|true|1)|ProcSubset=pid|PrivateUsers=(yes|true|1|self|identity)|NetworkNamespacePath=)' "$svc"; then
  bad "c. the service sets an option that breaks the census or /proc reads: $(grep -E '^(PrivateNetwork|ProcSubset|PrivateUsers|NetworkNamespacePath)=' "$svc")"
else
  ok "c. no PrivateNetwork, ProcSubset=pid, PrivateUsers or NetworkNamespacePath; AF_NETLINK allowed"
fi
grep -q '^OnUnitActiveSec=' "$unit_dir/tcptune-textfile.timer" && grep -q '^WantedBy=timers.target' "$unit_dir/tcptune-textfile.timer" ||
  bad "c. the timer lacks OnUnitActiveSec= or WantedBy=timers.target"

# --- d. pre-commit -------------------------------------------------------------------------------
pc=$tmp/pre-commit
mkdir -p "$pc/hooks" "$pc/work/etc/sysctl.d" "$pc/work/other"
cp "$src/.pre-commit-hooks.yaml" "$pc/hooks/"
cp "$tests/fixtures/blog/etc/sysctl.conf" "$pc/work/etc/sysctl.d/60-blog.conf"
printf 'net.ipv4.tcp_syncookies = 1\n' >"$pc/work/etc/sysctl.d/10-good.conf"
printf 'net.ipv4.tcp_tw_recycle = 1\n' >"$pc/work/other/not-sysctl.conf"
export GIT_AUTHOR_NAME=tcptune-test GIT_AUTHOR_EMAIL=test@example.invalid
export GIT_COMMITTER_NAME=tcptune-test GIT_COMMITTER_EMAIL=test@example.invalid GIT_CONFIG_NOSYSTEM=1
if command -v pre-commit >/dev/null && command -v git >/dev/null; then
  pcenv=(env HOME="$pc" PRE_COMMIT_HOME="$pc/cache" PRE_COMMIT_COLOR=never)
  (cd "$pc/hooks" && git init -q && git add -A && git commit -q -m hooks && git tag v0) >/dev/null 2>&1
  (cd "$pc/work" && git init -q && git add -A && git commit -q -m work) >/dev/null 2>&1
  try() {  # try FILE... -> rc, output in $pcout
    local rc=0
    pcout=$(cd "$pc/work" && timeout 120 "${pcenv[@]}" pre-commit try-repo "$pc/hooks" tcptune-lint --files "$@" 2>&1) || rc=$?
    return $rc
  }
  try etc/sysctl.d/10-good.conf && grep -q 'Passed' <<<"$pcout" &&
    ok "d. pre-commit try-repo: a clean file passes ($(pre-commit --version))" || bad "d. try-repo, clean file: $pcout"
  rc=0
  try etc/sysctl.d/60-blog.conf || rc=$?
  ((rc == 1)) && grep -q 'Failed' <<<"$pcout" && grep -q 'TT2003' <<<"$pcout" &&
    ok "d. pre-commit try-repo: the blog file fails with TT2003 (exit 1)" || bad "d. try-repo, blog file: exit $rc: $pcout"
  try other/not-sysctl.conf && grep -q 'no files to check' <<<"$pcout" &&
    ok "d. pre-commit try-repo: a .conf outside sysctl.d is not matched" || bad "d. try-repo, other file: $pcout"
  cat >"$pc/work/.pre-commit-config.yaml" <<EOF
repos:
  - repo: $pc/hooks
    rev: v0
    hooks:
      - id: tcptune-lint
        args: [--kernel, "6.1", --fail-on, error]
EOF
  (cd "$pc/work" && git add -A && git commit -q -m config) >/dev/null 2>&1
  rc=0
  pcout=$(cd "$pc/work" && timeout 120 "${pcenv[@]}" pre-commit run --all-files 2>&1) || rc=$?
  ((rc == 1)) && grep -q 'offline, kernel 6.1' <<<"$pcout" && grep -q 'TT2003' <<<"$pcout" &&
    ok "d. pre-commit run with args [--kernel, 6.1, --fail-on, error]: exit 1, offline for 6.1" ||
    bad "d. pre-commit run with args: exit $rc: $pcout"
  # The staged files are judged within the whole tree, in boot order: /etc/sysctl.conf (through
  # 99-sysctl.conf) is applied after etc/sysctl.d/70-app.conf, whatever order the names come in.
  printf 'net.core.somaxconn = 4096\n' >"$pc/work/etc/sysctl.conf"
  ln -s ../sysctl.conf "$pc/work/etc/sysctl.d/99-sysctl.conf"
  printf 'net.core.somaxconn = 8192\n' >"$pc/work/etc/sysctl.d/70-app.conf"
  (cd "$pc/work" && git add -A && git commit -q -m tree) >/dev/null 2>&1
  rc=0
  try etc/sysctl.conf etc/sysctl.d/70-app.conf || rc=$?
  ((rc == 1)) && grep -q '70-app.conf:1:1: warning: net.core.somaxconn = 8192 is overridden by ./etc/sysctl.conf' <<<"$pcout" &&
    ! grep -q 'sysctl.conf:1:1: warning' <<<"$pcout" &&
    ok "d. pre-commit try-repo: staged etc/sysctl.conf and etc/sysctl.d/70-app.conf judged in boot order (the app's value is the one overridden)" ||
    bad "d. try-repo, whole tree: exit $rc: $pcout"
else
  not_checked "d. pre-commit (or git) is not installed: the hook's entry is run as pre-commit would run it"
  if ((have_yaml)); then
    mapfile -t hook < <(python3 -c '
import re, sys, yaml
h = yaml.safe_load(open(sys.argv[1]))[0]
print(h["entry"]); print(h["files"]); print(int(h.get("pass_filenames", True)))' "$src/.pre-commit-hooks.yaml")
    read -r -a entry <<<"${hook[0]}"
    files=()
    for f in etc/sysctl.d/10-good.conf etc/sysctl.d/60-blog.conf other/not-sysctl.conf; do
      python3 -c 'import re, sys; sys.exit(0 if re.search(sys.argv[1], sys.argv[2]) else 1)' "${hook[1]}" "$f" && files+=("$f")
    done
    [[ "${files[*]}" == "etc/sysctl.d/10-good.conf etc/sysctl.d/60-blog.conf" ]] || bad "d. the hook's files pattern matched: ${files[*]}"
    rc=0
    out=$(cd "$pc/work" && timeout $T "${entry[@]}" --kernel 6.1 "${files[@]}" 2>&1) || rc=$?
    ((rc == 1)) && grep -q TT2003 <<<"$out" && ok "d. hook entry '${hook[0]}' on the matched files: exit 1, TT2003" ||
      bad "d. hook entry: exit $rc: $out"
  fi
fi

# --- e. the CI snippets and the playbook ---------------------------------------------------------
if ((have_yaml)); then
  mkdir -p "$tmp/ci-bad/etc/sysctl.d" "$tmp/ci-good/etc/sysctl.d"
  cp "$tests/fixtures/blog/etc/sysctl.conf" "$tmp/ci-bad/etc/sysctl.d/60-blog.conf"
  printf 'net.core.somaxconn = 8192\n' >"$tmp/ci-bad/etc/sysctl.d/10-ours.conf"
  printf 'net.core.somaxconn = 8192\n' >"$tmp/ci-good/etc/sysctl.d/10-ours.conf"
  timeout 300 python3 - "$src" "$tmp" <<'PY'
import json, os, re, shlex, subprocess, sys, yaml

src, tmp = sys.argv[1], sys.argv[2]
fails = []
def ok(msg): print("ok: e. " + msg)
def bad(msg): fails.append(msg); print("FAIL: e. " + msg)

ci_packages = set(open(os.path.join(src, ".ci/packages")).read().split())
build_deps = {"cmake", "ninja-build", "g++", "pkg-config", "libboost-program-options-dev",
              "nlohmann-json3-dev", "libtomlplusplus-dev", "libmnl-dev", "libncurses-dev"}
def apt_packages(script):
    script = script.replace("\\\n", " ")
    pkgs = set()
    for line in script.splitlines():
        m = re.search(r"apt-get install (.*)", line)
        if m:
            pkgs |= {w for w in shlex.split(m.group(1)) if not w.startswith("-")}
    return pkgs
def check_packages(what, pkgs):
    extra = pkgs - ci_packages - {"ca-certificates", "git"}
    missing = build_deps - pkgs
    if extra or missing:
        bad("%s installs %s not in .ci/packages, lacks build dependencies %s" % (what, sorted(extra), sorted(missing)))
    else:
        ok("%s installs the build dependencies of .ci/packages (%d packages)" % (what, len(pkgs)))

ci_doc = open(os.path.join(src, "docs/ci.md")).read()
for f in ("examples/ci/github-workflow.yml", "examples/ci/gitlab-ci.yml"):
    if open(os.path.join(src, f)).read() in ci_doc:
        ok("docs/ci.md holds %s verbatim" % f)
    else:
        bad("docs/ci.md does not hold %s verbatim" % f)

def run(script, cwd, env, shell):
    p = subprocess.run(shell + [script], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)
    return p.returncode, p.stdout + p.stderr

# GitHub Actions: the lint steps, as the runner runs them (bash -e), with the workflow's env.
wf = yaml.safe_load(open(os.path.join(src, "examples/ci/github-workflow.yml")))
job = wf["jobs"]["tcptune"]
steps = {s.get("id"): s for s in job["steps"]}
if job.get("permissions", {}).get("security-events") != "write":
    bad("github: the job lacks permissions security-events: write (upload-sarif)")
upload = [s for s in job["steps"] if "upload-sarif" in s.get("uses", "")]
if not upload or upload[0].get("with", {}).get("sarif_file") != "tcptune.sarif":
    bad("github: no upload-sarif step for tcptune.sarif")
if "on" not in wf and True not in wf:
    bad("github: no `on:` triggers")
check_packages("github: the build step", apt_packages(steps["build"]["run"]))
for sid in ("lint", "annotate"):
    if "${{" in steps[sid]["run"]:
        bad("github: step %s uses an expression in run: (the test cannot run it as is)" % sid)
def gh(repo, data_dir=None):
    env = dict(os.environ, **{k: str(v) for k, v in wf.get("env", {}).items()})
    if data_dir:
        env["TCPTUNE_DATA_DIR"] = data_dir
    outputs = os.path.join(tmp, "gh-output")
    open(outputs, "w").close()
    env["GITHUB_OUTPUT"] = outputs
    rc_lint, out_lint = run(steps["lint"]["run"], repo, env, ["bash", "-e", "-c"])
    rec = dict(l.split("=", 1) for l in open(outputs).read().split() if "=" in l)
    rc_ann, out_ann = run(steps["annotate"]["run"], repo, env, ["bash", "-e", "-c"])
    return rc_lint, out_lint, rec, rc_ann, out_ann
bad_repo, good_repo = os.path.join(tmp, "ci-bad"), os.path.join(tmp, "ci-good")
rc, out, rec, rc2, out2 = gh(bad_repo)
try:
    sarif = json.load(open(os.path.join(bad_repo, "tcptune.sarif")))
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in sarif["runs"][0]["results"]}
except Exception as e:
    sarif, uris = None, set()
    bad("github: tcptune.sarif unreadable: %s" % e)
if rc == 0 and rec.get("rc") == "1" and sarif and sarif["version"] == "2.1.0" and uris == {"etc/sysctl.d/60-blog.conf"}:
    ok("github lint step on findings: passes (so the upload runs), rc=1 recorded, SARIF with repository-relative URIs")
else:
    bad("github lint step on findings: exit %s, outputs %s, uris %s: %s" % (rc, rec, uris, out))
if rc2 == 1 and "::error file=etc/sysctl.d/60-blog.conf,line=5,col=1,title=tcptune TT2003::" in out2:
    ok("github annotation step on findings: ::error annotations, exit 1 (fails the job)")
else:
    bad("github annotation step: exit %s: %s" % (rc2, out2))
rc, out, rec, rc2, out2 = gh(good_repo)
if rc == 0 and rec.get("rc") == "0" and rc2 == 0:
    ok("github steps on a clean repository: pass, rc=0 recorded")
else:
    bad("github steps on a clean repository: %s %s %s %s %s" % (rc, rec, out, rc2, out2))
rc, out, rec, rc2, out2 = gh(bad_repo, data_dir=os.path.join(tmp, "empty"))
if rc != 0 and rec.get("rc") == "3":
    ok("github lint step when tcptune fails (exit 3): the step fails, no upload")
else:
    bad("github lint step on a system error: exit %s, outputs %s: %s" % (rc, rec, out))

# GitLab CI: the script lines in one bash -e -o pipefail session, with the job's variables.
gl = yaml.safe_load(open(os.path.join(src, "examples/ci/gitlab-ci.yml")))["tcptune-lint"]
check_packages("gitlab: before_script", apt_packages("\n".join(gl["before_script"])))
reports = gl.get("artifacts", {}).get("reports", {})
if reports.get("codequality") != "gl-code-quality-report.json" or gl["artifacts"].get("when") != "always":
    bad("gitlab: artifacts lack reports:codequality or when: always")
def glab(repo, data_dir=None):
    env = dict(os.environ, **{k: str(v) for k, v in gl.get("variables", {}).items()})
    if data_dir:
        env["TCPTUNE_DATA_DIR"] = data_dir
    for f in ("tcptune-lint.json", "tcptune.sarif", "gl-code-quality-report.json"):
        if os.path.exists(os.path.join(repo, f)):
            os.remove(os.path.join(repo, f))
    return run("\n".join(gl["script"]), repo, env, ["bash", "-e", "-o", "pipefail", "-c"])
rc, out = glab(bad_repo)
try:
    cq = json.load(open(os.path.join(bad_repo, "gl-code-quality-report.json")))
    lint = json.load(open(os.path.join(bad_repo, "tcptune-lint.json")))
    json.load(open(os.path.join(bad_repo, "tcptune.sarif")))
    shape = all(set(i) >= {"description", "check_name", "fingerprint", "severity", "location"}
                and i["severity"] in ("info", "minor", "major", "critical", "blocker")
                and isinstance(i["location"]["path"], str) and isinstance(i["location"]["lines"]["begin"], int)
                for i in cq)
    unique = len({i["fingerprint"] for i in cq}) == len(cq)
except Exception as e:
    cq, lint, shape, unique = [], {}, False, False
    bad("gitlab: reports unreadable: %s" % e)
paths = set(a for p in gl["artifacts"]["paths"] for a in [p])
if rc == 1 and shape and unique and len(cq) == len(lint.get("findings", [])) > 0 and \
        all(os.path.exists(os.path.join(bad_repo, p)) for p in paths) and "[TT2003]" in out:
    ok("gitlab job on findings: exit 1, %d Code Quality issues (unique fingerprints), JSON and SARIF artifacts, gcc lines in the log" % len(cq))
else:
    bad("gitlab job on findings: exit %s, shape %s, unique %s, %d issues: %s" % (rc, shape, unique, len(cq), out[-800:]))
rc, out = glab(good_repo)
cq = json.load(open(os.path.join(good_repo, "gl-code-quality-report.json"))) if os.path.exists(os.path.join(good_repo, "gl-code-quality-report.json")) else None
if rc == 0 and cq == []:
    ok("gitlab job on a clean repository: exit 0, an empty Code Quality report")
else:
    bad("gitlab job on a clean repository: exit %s, %r: %s" % (rc, cq, out[-800:]))
rc, out = glab(bad_repo, data_dir=os.path.join(tmp, "empty"))
if rc != 0 and "tcptune lint failed (exit 3)" in out:
    ok("gitlab job when tcptune fails (exit 3): fails with the exit code named")
else:
    bad("gitlab job on a system error: exit %s: %s" % (rc, out[-800:]))

# The playbook's shape (it runs below when ansible-playbook exists).
play = yaml.safe_load(open(os.path.join(src, "examples/ansible/tcptune-check.yml")))[0]
tasks = play["tasks"]
argv = tasks[0]["ansible.builtin.command"]["argv"]
if tasks[0].get("register") and "'check', '--format', 'json'" in argv and "rc not in [0, 1]" in tasks[0].get("failed_when", "") \
        and any("from_json" in json.dumps(t) for t in tasks) and any("ansible.builtin.fail" in t for t in tasks):
    ok("ansible: check --format json, registered, failed_when rc not in [0, 1], from_json, fail on findings")
else:
    bad("ansible: the playbook lacks one of: check --format json, register, failed_when on rc, from_json, fail")
sys.exit(1 if fails else 0)
PY
  rc=$?
  ((rc == 0)) || fails=$((fails + 1))
fi

if command -v ansible-playbook >/dev/null; then
  play=$src/examples/ansible/tcptune-check.yml
  ans() {  # ans ROOT EXTRA_ARGS... -> rc, output in $aout
    local root=$1 rc=0
    shift
    aout=$(cd "$tmp" && ANSIBLE_NOCOLOR=1 ANSIBLE_LOCAL_TEMP="$tmp/ansible" ANSIBLE_REMOTE_TEMP="$tmp/ansible" \
      HOME="$tmp" timeout 180 ansible-playbook -i localhost, -c local -e ansible_become=false \
      -e "{\"tcptune_bin\": \"$bin\", \"tcptune_extra_args\": [\"--root\", \"$root\"]}" "$@" "$play" 2>&1) || rc=$?
    return $rc
  }
  rc=0
  ans "$fx/web-blog" || rc=$?
  ((rc == 2)) && grep -q '3 finding(s) at or above warning' <<<"$aout" && grep -q 'TT6014 warning' <<<"$aout" &&
    ok "e. ansible: web-blog fails, listing its 3 warnings ($(ansible-playbook --version 2>/dev/null | sed -n 1p))" ||
    bad "e. ansible on web-blog: exit $rc: $aout"
  ans "$fx/web-blog" -e tcptune_fail_on=error && ok "e. ansible: web-blog passes with tcptune_fail_on=error" ||
    bad "e. ansible with tcptune_fail_on=error: $aout"
  rc=0
  ans "$fx/rhel7-recycle" -e tcptune_fail_on=error || rc=$?
  ((rc == 2)) && grep -q 'TT6001 error \[net.ipv4.tcp_tw_recycle\]' <<<"$aout" &&
    ok "e. ansible: rhel7-recycle fails on error TT6001, naming the key" || bad "e. ansible on rhel7-recycle: exit $rc: $aout"
  rc=0
  ans "$fx/web-blog" -e tcptune_fail_on=error -e tcptune_fail_on_changes=true || rc=$?
  ((rc == 2)) && grep -q 'pending change' <<<"$aout" && grep -q 'change net.ipv4.tcp_slow_start_after_idle' <<<"$aout" &&
    ok "e. ansible: tcptune_fail_on_changes lists the pending changes" || bad "e. ansible, changes: exit $rc: $aout"
  ans "$fx/idle-default" && ok "e. ansible: idle-default passes" || bad "e. ansible on idle-default: $aout"
  rc=0
  ans "$tmp/empty" || rc=$?
  ((rc == 2)) && grep -q '"rc": 3' <<<"$aout" && ok "e. ansible: tcptune exit 3 fails the first task, with rc 3" ||
    bad "e. ansible on a root without /proc: exit $rc: $aout"
else
  not_checked "e. ansible-playbook is not installed: the playbook was parsed and its tasks inspected, not run"
fi

if command -v shellcheck >/dev/null; then
  if out=$(timeout $T shellcheck -s sh "$script" 2>&1); then ok "b. shellcheck tcptune-textfile.sh"; else bad "b. shellcheck: $out"; fi
else
  not_checked "b. shellcheck is not installed: tcptune-textfile.sh was not checked"
fi

echo "integrations: $pass passed, $fails failed, $unchecked not checked"
((fails == 0)) || exit 1
((unchecked == 0)) || exit 77
