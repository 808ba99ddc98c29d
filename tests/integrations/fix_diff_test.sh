#!/usr/bin/env bash
# `lint --format diff` against the tools that apply patches: fix_diff_test.sh TCPTUNE TESTS
#
# On copies of tests/fixtures/fixable (every mechanical fix: delete the line, parity, the kernel
# default, an inline comment moved to its own line, a typo with one suggestion, a duplicate, an
# empty value, a last line without a newline), linted three ways (the whole set under --root,
# files named on the command line, from inside a git repository):
#   - `git apply --check` and `patch -p1 --dry-run` accept the diff;
#   - `git apply` and `patch -p1` give the same bytes;
#   - lint afterwards reports none of the findings that had a fix, and no new finding;
#   - the diff of the fixed tree is empty, and the old diff no longer applies;
#   - the JSON `fix` objects and SARIF `fixes` name the same lines the diff changes.
set -u
bin=$(realpath "$1")
tests=$(realpath "$2")
export NO_COLOR=1 TCPTUNE_DATA_DIR="$tests/.."
for tool in git patch python3; do
  if ! command -v "$tool" >/dev/null; then
    echo "SKIP: $tool is not installed"
    exit 77
  fi
done
work=$(mktemp -d /tmp/tcptune-fixdiff.XXXXXX)
trap 'rm -rf "$work"' EXIT
fails=0
oks=0
ok() {
  oks=$((oks + 1))
  echo "ok: $*"
}
fail() {
  fails=$((fails + 1))
  echo "FAIL: $*"
}

# The fixed findings of a JSON lint report, one "code file key" a line; and all findings.
fixed_of() { python3 -c '
import json, sys
for f in json.load(open(sys.argv[1]))["findings"]:
    if f.get("fix"): print(f["code"], f["file"], f["key"])' "$1" | sort; }
all_of() { python3 -c '
import json, sys
for f in json.load(open(sys.argv[1]))["findings"]:
    print(f["code"], f["file"], f["key"])' "$1" | sort; }

# The codes that must have a fix in the fixture (each kind of mechanical fix at least once).
want_codes="TT1006 TT1011 TT1014 TT2003 TT2006 TT4001 TT4004 TT4005 TT4007 TT4008"

# scenario NAME DIR LINT_ARGS...: lint in DIR with LINT_ARGS (after `tcptune`).
scenario() {
  local name=$1 dir=$2
  shift 2
  local out="$work/$name.out"
  mkdir -p "$out"
  (cd "$dir" && "$bin" "$@" --format json >"$out/before.json")
  (cd "$dir" && "$bin" "$@" --format diff >"$out/fix.diff")
  local rc=$?
  if [[ $rc -ne 1 ]]; then
    fail "$name: lint --format diff exits $rc on findings (want 1)"
  fi
  if [[ ! -s "$out/fix.diff" ]]; then
    fail "$name: empty diff"
    return
  fi
  fixed_of "$out/before.json" >"$out/fixed"
  local missing=""
  for c in $want_codes; do grep -q "^$c " "$out/fixed" || missing+=" $c"; done
  if [[ -z $missing ]]; then
    ok "$name: $(wc -l <"$out/fixed") findings carry a fix, of every kind ($want_codes)"
  else
    fail "$name: no fix for$missing"
  fi
  # Every line the JSON fix objects edit is a '-' line of the diff, and the other way round.
  python3 - "$out/before.json" "$out/fix.diff" <<'EOF' || fail "$name: JSON fix and diff disagree"
import json, re, sys
want = set()
for f in json.load(open(sys.argv[1]))["findings"]:
    for e in (f.get("fix") or {}).get("edits", []):
        want.add((f["file"].lstrip("./") if not f["file"].startswith("../") else f["file"], e["line"], e["original"]))
got, path, old = set(), None, 0
for line in open(sys.argv[2], encoding="utf-8", errors="surrogateescape").read().split("\n"):
    if line.startswith("--- a/"): path = line[6:]; continue
    if line.startswith("+++ "): continue
    m = re.match(r"@@ -(\d+)", line)
    if m: old = int(m.group(1)); continue
    if line.startswith("-"): got.add((path, old, line[1:])); old += 1
    elif line.startswith(" "): old += 1
bad = want ^ got
for b in sorted(bad)[:10]: print("  differ:", b)
sys.exit(1 if bad else 0)
EOF
  # The same edits as SARIF fixes (replacement line ranges on the same files).
  (cd "$dir" && "$bin" "$@" --format sarif >"$out/before.sarif")
  python3 - "$out/before.json" "$out/before.sarif" <<'EOF' || fail "$name: SARIF fixes differ from JSON fix"
import json, sys
j = json.load(open(sys.argv[1]))["findings"]
s = json.load(open(sys.argv[2]))["runs"][0]["results"]
assert len(j) == len(s), (len(j), len(s))
for f, r in zip(j, s):
    want = [(e["line"], "".join(l + "\n" for l in e["replacement"]))
            for e in (f.get("fix") or {}).get("edits", [])]
    got = []
    for fx in r.get("fixes", []):
        for c in fx["artifactChanges"]:
            for x in c["replacements"]:
                d = x["deletedRegion"]
                text = x.get("insertedContent", {}).get("text", "")
                assert d["startColumn"] == 1, d
                if d["endLine"] == d["startLine"]:
                    # The last line of a file without a final newline: to its end, no newline added.
                    text += "\n" if text else ""
                else:
                    assert d["endLine"] == d["startLine"] + 1 and d["endColumn"] == 1, d
                got.append((d["startLine"], text))
    if want != got:
        print("  ", f["code"], want, got)
        sys.exit(1)
EOF
  # git apply and patch -p1 on two copies of the tree.
  rm -rf "$out/a" "$out/b"
  cp -a "$dir" "$out/a"
  cp -a "$dir" "$out/b"
  if (cd "$out/a" && git apply --check "$out/fix.diff" 2>"$out/git.err"); then
    ok "$name: git apply --check accepts the diff"
  else
    fail "$name: git apply --check: $(head -3 "$out/git.err")"
  fi
  if (cd "$out/b" && patch -p1 --dry-run --batch <"$out/fix.diff" >"$out/patch.log" 2>&1); then
    ok "$name: patch -p1 --dry-run accepts the diff"
  else
    fail "$name: patch -p1 --dry-run: $(head -3 "$out/patch.log")"
  fi
  (cd "$out/a" && git apply "$out/fix.diff") || fail "$name: git apply failed"
  (cd "$out/b" && patch -p1 --batch --no-backup-if-mismatch <"$out/fix.diff" >/dev/null) ||
    fail "$name: patch -p1 failed"
  if diff -r --exclude=.git "$out/a" "$out/b" >/dev/null; then
    ok "$name: git apply and patch -p1 give the same files"
  else
    fail "$name: git apply and patch -p1 differ: $(diff -r --exclude=.git "$out/a" "$out/b" | head -5)"
  fi
  (cd "$out/a" && "$bin" "$@" --format json >"$out/after.json")
  all_of "$out/after.json" >"$out/after"
  all_of "$out/before.json" >"$out/before"
  local still new
  still=$(comm -12 "$out/fixed" "$out/after")
  new=$(comm -13 "$out/before" "$out/after")
  if [[ -z $still ]]; then
    ok "$name: after the patch lint reports none of the $(wc -l <"$out/fixed") fixed findings"
  else
    fail "$name: still reported after the patch: $still"
  fi
  if [[ -z $new ]]; then
    ok "$name: the patch brings no new finding ($(wc -l <"$out/after") left, none fixable)"
  else
    fail "$name: new findings after the patch: $new"
  fi
  local again
  again=$(cd "$out/a" && "$bin" "$@" --format diff)
  if [[ -z $again ]]; then
    ok "$name: the fixed tree has an empty diff"
  else
    fail "$name: the fixed tree still has a diff: $(head -5 <<<"$again")"
  fi
  if (cd "$out/a" && git apply --check "$out/fix.diff" 2>/dev/null); then
    fail "$name: the diff still applies to the fixed tree (the check cannot fail)"
  else
    ok "$name: the diff no longer applies to the fixed tree"
  fi
}

fx="$tests/fixtures/fixable"
# 1. The whole sysctl.d set under --root, from the directory above it (paths "fixable/etc/...").
mkdir -p "$work/t1"
cp -a "$fx" "$work/t1/fixable"
scenario root "$work/t1" --root fixable lint --kernel 6.1
# 2. Files named on the command line, applied in that order, with procps semantics.
cp -a "$fx" "$work/t2"
scenario paths "$work/t2" lint --kernel 6.1 --semantics procps etc/sysctl.d/60-listen.conf \
  etc/sysctl.d/70-no-newline.conf ./etc/sysctl.conf
# 3. A git repository laid out like a root, linted with --root . (paths "./etc/..." in
#    findings, "etc/..." in the diff), patched with git apply from the top of the repository.
cp -a "$fx" "$work/t3"
(cd "$work/t3" && git init -q . && git add -A && git -c user.name=t -c user.email=t@t commit -qm fixture) ||
  fail "git repository setup"
scenario repo "$work/t3" --root . lint --kernel 6.1
# Hostile file names (a space, a quote and a non-ASCII letter, a backslash, a newline): git
# apply and patch -p1 both find the file.
n=0
for fname in "60-my file.conf" $'61-\xc3\xa9t\xc3\xa9 "q".conf' '62-back\slash.conf' $'63-new\nline.conf'; do
  n=$((n + 1))
  rm -rf "$work/h$n" "$work/h${n}b"
  mkdir -p "$work/h$n/etc/sysctl.d"
  printf 'net.ipv4.tcp_tw_recycle = 1\nnet.core.somaxconn = 8192\n' >"$work/h$n/etc/sysctl.d/$fname"
  (cd "$work/h$n" && "$bin" lint --kernel 6.1 --format diff "etc/sysctl.d/$fname" >"$work/h$n.diff")
  cp -a "$work/h$n" "$work/h${n}b"
  if (cd "$work/h$n" && git apply "$work/h$n.diff" 2>/dev/null) &&
    (cd "$work/h${n}b" && patch -p1 --batch <"$work/h$n.diff" >/dev/null 2>&1) &&
    [[ $(cat "$work/h$n/etc/sysctl.d/$fname") == "net.core.somaxconn = 8192" ]] &&
    cmp -s "$work/h$n/etc/sysctl.d/$fname" "$work/h${n}b/etc/sysctl.d/$fname"; then
    ok "file name $(printf %q "$fname"): git apply and patch -p1 both fix it"
  else
    fail "file name $(printf %q "$fname"): $(head -2 "$work/h$n.diff" | cat -A)"
  fi
done
# Absolute paths: the diff is relative to /, for `patch -p1 -d /` (only the test's own
# directory under /tmp is written).
mkdir -p "$work/abs"
printf 'net.ipv4.tcp_fin_timeout = 30\n' >"$work/abs/60-abs.conf"
"$bin" lint --kernel 6.1 --format diff "$work/abs/60-abs.conf" >"$work/abs.diff"
if head -1 "$work/abs.diff" | grep -q "^--- a/${work#/}/abs/60-abs.conf$" &&
  (cd / && git apply --check "$work/abs.diff") && patch -p1 -d / --batch <"$work/abs.diff" >/dev/null &&
  [[ $(cat "$work/abs/60-abs.conf") == "net.ipv4.tcp_fin_timeout = 60" ]]; then
  ok "an absolute path: the diff is relative to /, git apply --check and patch -p1 -d / take it"
else
  fail "an absolute path: $(head -3 "$work/abs.diff")"
fi
# A clean tree: an empty diff, exit 0.
mkdir -p "$work/t5/etc/sysctl.d"
printf 'net.core.somaxconn = 8192\n' >"$work/t5/etc/sysctl.d/60-ok.conf"
d=$(cd "$work/t5" && "$bin" --root . lint --kernel 6.1 --format diff)
rc=$?
if [[ -z $d && $rc -eq 0 ]]; then ok "a clean tree: empty diff, exit 0"; else fail "a clean tree: exit $rc, diff '$d'"; fi

echo "fix_diff: $oks passed, $fails failed"
((fails == 0))
